// The work loop against a fake admin interface (a proxysql_servers table, its runtime copy, the peers'
// metrics, a config file's rows): a stranded standby core or satellite (its table names no serving core pod)
// writes the serving core pods; a satellite with no core pod serving falls back to its config, once; a
// table that differs from the serving core pods for resyncAfterMs (a sync ProxySQL refuses) is rewritten.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AgentRuntime } from './agent-runtime.js';
import type { PodSource } from './agent-runtime.js';
import type { AdminSession } from './admin-session.js';
import { stranded } from './cluster-rows.js';
import type { PodInfo } from './pod-watcher.js';
import type { LeaseElector } from './lease-election.js';

const pod = (name: string, ip: string, ready = true): PodInfo => ({ name, ip, ready, deleting: false });
type Row = { hostname: string; port: string; weight: string; comment: string };
const row = (hostname: string, comment = ''): Row => ({ hostname, port: '6032', weight: '0', comment });

/** Just enough of ProxySQL's admin for the work loop's statements. */
class FakeAdmin {
  table: Row[] = [];
  runtime: Row[] = [];
  config: Row[] = [];
  /** stats_proxysql_servers_metrics: every runtime row with this last_check_ms (Uptime_s 1) */
  lastCheckMs = 60_000;
  loads = 0;
  readonly log: string[] = [];

  async query(sql: string): Promise<Array<Record<string, string | null>>> {
    this.log.push(sql);
    if (sql.startsWith('SELECT hostname, port, weight, comment FROM runtime_proxysql_servers')) return this.runtime.map((r) => ({ ...r }));
    if (sql.startsWith('SELECT hostname, port, last_check_ms')) return this.runtime.map((r) => ({ hostname: r.hostname, port: r.port, last_check_ms: String(this.lastCheckMs), Uptime_s: '1' }));
    if (sql === 'DELETE FROM proxysql_servers') this.table = [];
    else if (sql === 'LOAD PROXYSQL SERVERS FROM CONFIG') this.table.push(...this.config);
    else if (sql === 'LOAD PROXYSQL SERVERS TO RUNTIME') {
      this.runtime = [...this.table];
      this.loads += 1;
    } else if (sql.startsWith('INSERT INTO proxysql_servers')) {
      const m = /VALUES \('([^']*)', (\d+), (\d+), '([^']*)'\)/.exec(sql)!;
      this.table.push({ hostname: m[1]!, port: m[2]!, weight: m[3]!, comment: m[4]! });
    } else if (!sql.startsWith('SAVE')) throw new Error(`fake admin: unexpected ${sql}`);
    return [];
  }

  async queries(statements: readonly string[]): Promise<unknown[]> {
    for (const s of statements) await this.query(s);
    return [];
  }
}

function source(pods: PodInfo[]): PodSource & { set(p: PodInfo[]): void } {
  let m = new Map(pods.map((p) => [p.name, p]));
  return { synced: true, get pods() { return m; }, set(p: PodInfo[]) { m = new Map(p.map((x) => [x.name, x])); } };
}

async function ticks(rt: AgentRuntime, n: number): Promise<void> {
  const from = rt.counts.ticks;
  rt.poke();
  while (rt.counts.ticks < from + n) {
    await new Promise((r) => setTimeout(r, 5));
    rt.poke();
  }
}

const quiet = { info: () => undefined, warn: () => undefined };
const hosts = (rows: Row[]): string[] => rows.map((r) => r.hostname).sort();

describe('agent work loop: stranded nodes', () => {
  it('stranded(): no row names a serving core pod other than this one', () => {
    const rows = [row('10.0.0.1'), row('10.0.0.2')].map((r) => ({ ...r, port: 6032, weight: 0 }));
    assert.equal(stranded(rows, [pod('c3', '10.0.0.3')]), true);
    assert.equal(stranded(rows, [pod('c3', '10.0.0.3'), pod('c2', '10.0.0.2')]), false);
    assert.equal(stranded(rows, [pod('c2', '10.0.0.2')], 'c2'), false, 'only itself serves: nobody to sync from');
    assert.equal(stranded([], [pod('c3', '10.0.0.3')]), true, 'an empty table syncs from nobody');
    assert.equal(stranded(rows, []), false, 'no core pod serves: not a matter of rewriting');
  });

  it('a standby core whose listed peers all vanished writes the serving core pods once, then stands by', async () => {
    const admin = new FakeAdmin();
    admin.runtime = [row('10.0.0.1', 'core-1'), row('10.0.0.2', 'core-2')];
    const cores = source([pod('core-3', '10.0.0.3'), pod('core-4', '10.0.0.4')]);
    const elector = { leader: false } as unknown as LeaseElector;
    const rt = new AgentRuntime({ mode: 'core', admin: admin as unknown as AdminSession, cores, elector, adminPort: 6032, podName: 'core-3', intervalMs: 60_000, coreStaleMs: 30_000, resyncAfterMs: 15_000, log: quiet });
    await ticks(rt, 3);
    await rt.stop();
    assert.deepEqual(hosts(admin.runtime), ['10.0.0.3', '10.0.0.4']);
    assert.equal(admin.loads, 1);
    assert.equal(rt.lastReload?.reason, 'stranded');
  });

  it('a standby core that lists a serving peer is left to ProxySQL\'s own sync', async () => {
    const admin = new FakeAdmin();
    admin.runtime = [row('10.0.0.1', 'core-1'), row('10.0.0.4', 'core-4')];
    const cores = source([pod('core-3', '10.0.0.3'), pod('core-4', '10.0.0.4')]);
    const rt = new AgentRuntime({ mode: 'core', admin: admin as unknown as AdminSession, cores, elector: { leader: false } as unknown as LeaseElector, adminPort: 6032, podName: 'core-3', intervalMs: 60_000, coreStaleMs: 30_000, resyncAfterMs: 15_000, log: quiet });
    await ticks(rt, 3);
    await rt.stop();
    assert.equal(admin.loads, 0);
  });

  it('satellite: every listed core replaced -> the serving core pods (not the config); no core pod -> the config once; cores back -> the pods', async () => {
    const admin = new FakeAdmin();
    admin.config = [row('10.96.0.10', 'core-service')];
    admin.runtime = [row('10.0.0.1', 'core-1'), row('10.0.0.2', 'core-2')];
    const cores = source([pod('core-3', '10.0.0.3')]);
    const rt = new AgentRuntime({ mode: 'satellite', admin: admin as unknown as AdminSession, cores, adminPort: 6032, intervalMs: 60_000, coreStaleMs: 30_000, resyncAfterMs: 15_000, log: quiet });
    await ticks(rt, 3);
    assert.deepEqual(hosts(admin.runtime), ['10.0.0.3']);
    assert.equal(rt.lastReload?.reason, 'stranded');
    assert.equal(admin.loads, 1);

    // every core gone (no pod serves, the listed one's metrics stale): the config's core Service, once
    cores.set([]);
    await ticks(rt, 3);
    assert.deepEqual(hosts(admin.runtime), ['10.96.0.10']);
    assert.equal(rt.lastReload?.reason, 'every-core-gone');
    assert.equal(admin.loads, 2);

    // cores back; the Service answers (fresh metrics), but the satellite points at the pods again
    admin.lastCheckMs = 100;
    cores.set([pod('core-5', '10.0.0.5'), pod('core-6', '10.0.0.6')]);
    await ticks(rt, 3);
    await rt.stop();
    assert.deepEqual(hosts(admin.runtime), ['10.0.0.5', '10.0.0.6']);
    assert.equal(rt.lastReload?.reason, 'stranded');
    assert.equal(admin.loads, 3);
  });
});

describe('agent work loop: a table ProxySQL never syncs (same-second epochs)', () => {
  // core-4 loaded the four cores it saw serving in the very second the leader loaded all five: ProxySQL
  // reports a sync conflict and never pulls, so core-4 would list the four others for good
  const four = [row('10.0.0.1', 'core-0'), row('10.0.0.2', 'core-1'), row('10.0.0.3', 'core-2'), row('10.0.0.4', 'core-3')];
  const fivePods = (): PodInfo[] => [...four.map((r) => pod(r.comment, r.hostname)), pod('core-4', '10.0.0.5')];

  function clocked(mode: 'core' | 'satellite', admin: FakeAdmin, cores: PodSource, resyncAfterMs = 10_000): { rt: AgentRuntime; clock: { t: number } } {
    const clock = { t: 1_000_000 };
    const rt = new AgentRuntime({
      mode, admin: admin as unknown as AdminSession, cores, ...(mode === 'core' && { elector: { leader: false } as unknown as LeaseElector, podName: 'core-4' }),
      adminPort: 6032, intervalMs: 60_000, coreStaleMs: 30_000, resyncAfterMs, log: quiet, now: () => clock.t,
    });
    return { rt, clock };
  }

  for (const mode of ['core', 'satellite'] as const) {
    it(`${mode === 'core' ? 'a standby core' : 'a satellite'}: differing from the serving core pods for resyncAfterMs -> rewritten to them, once`, async () => {
      const admin = new FakeAdmin();
      admin.runtime = [...four];
      admin.lastCheckMs = 100;
      const { rt, clock } = clocked(mode, admin, source(fivePods()));
      await ticks(rt, 2);
      clock.t += 9_999;
      await ticks(rt, 2);
      assert.equal(admin.loads, 0, 'within resyncAfterMs ProxySQL\'s own sync has its chance');
      clock.t += 1;
      await ticks(rt, 2);
      assert.deepEqual(hosts(admin.runtime), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
      assert.deepEqual(admin.runtime.map((r) => r.comment).sort(), ['core-0', 'core-1', 'core-2', 'core-3', 'core-4'], 'the rows the leader writes (same checksum)');
      assert.equal(rt.lastReload?.reason, 'diverged');
      clock.t += 60_000;
      await ticks(rt, 3);
      await rt.stop();
      assert.equal(admin.loads, 1, 'once: the table now equals the pods');
    });
  }

  it('the serving pods changing restarts the wait (the leader gets its time after each change)', async () => {
    const admin = new FakeAdmin();
    admin.runtime = [...four];
    const cores = source(fivePods());
    const { rt, clock } = clocked('core', admin, cores);
    await ticks(rt, 1);
    clock.t += 8_000;
    cores.set([...fivePods(), pod('core-5', '10.0.0.6')]);
    await ticks(rt, 1);
    clock.t += 8_000;
    await ticks(rt, 2);
    assert.equal(admin.loads, 0, '8 s since the pods last changed');
    clock.t += 2_000;
    await ticks(rt, 1);
    await rt.stop();
    assert.equal(admin.loads, 1);
    assert.deepEqual(hosts(admin.runtime), ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
  });

  it('a table that catches up in time is left alone; resyncAfterMs 0 never rewrites', async () => {
    const admin = new FakeAdmin();
    admin.runtime = [...four];
    const { rt, clock } = clocked('core', admin, source(fivePods()));
    await ticks(rt, 1);
    clock.t += 5_000;
    admin.runtime = [...four, row('10.0.0.5', 'core-4')];
    await ticks(rt, 1);
    admin.runtime = [...four];
    clock.t += 6_000;
    await ticks(rt, 1);
    await rt.stop();
    assert.equal(admin.loads, 0, 'it differs again only since 6 s');

    const never = new FakeAdmin();
    never.runtime = [...four];
    const off = clocked('core', never, source(fivePods()), 0);
    await ticks(off.rt, 1);
    off.clock.t += 3_600_000;
    await ticks(off.rt, 2);
    await off.rt.stop();
    assert.equal(never.loads, 0);
  });
});
