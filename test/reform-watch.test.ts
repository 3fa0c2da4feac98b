// End to end: the re-form watch (docs/data-path.md, "The re-form watch") with `galera-warden run` in front of a
// real 3-node sandbox (slot 29, ports 22600-22699: nodes 22611-22634, the warden 22650-22653), at the default
// interval (1000 ms), without fencing, with retryUp 1 and no hold (below). Every node is cut off from its peers (gmcast.isolate=1): after
// Galera's suspect timeout each is a non-Primary component of one and the warden routes no writer; then the
// isolation is lifted and the three re-form their Primary component by themselves. The test checks from the
// recorded ticks that the tick which routed a writer again was started by the watch (router `galera`, kind
// `view-change`), not by the schedule, that a write through the proxy then commits, and that the watch kept a
// session on a node only while no writer was routed. The schedule can win
// the race (a scheduled tick that happens to start in the few ms between the re-forming and the watch's next
// poll): the cycle is then run again, at most three times.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { apiJson, proxyApiToml, scrapeMetrics, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 29;
const BASE_PORT = 22600;
const WRITER_PORT = 22650;
const API_PORT = WRITER_PORT + 3; // proxyApiToml: the API beside the proxy ports
const AUTH = 'Basic ' + Buffer.from('admin:reform-test').toString('base64');

interface Signal { router: string; node: string; kind: string; detail?: string }
interface Trigger { by: string; node?: string; signals?: Signal[] }
interface Decision { seq: number; at: number; writers: string[]; trigger: Trigger }
interface Cluster { writers: string[]; lastTick: { seq: number } | null }

// retryUp 1 and no hold: a node back in a Primary component re-enters on its first healthy observation, so the
// tick that sees the re-formed view is the one that routes the writer (with the defaults, retryUp 2 and
// minHoldMs 8000, the hold decides when: docs/data-path.md)
const wardenToml = `
[routing]
retryUp = 1
minHoldMs = 0

[run]
intervalMs = 1000
reformWatchMs = 10
${proxyApiToml({ port: WRITER_PORT, waitForBackendMs: 30000, apiAuth: { user: 'admin', password: 'reform-test' } })}`;

describe('re-form watch (real 3-node Galera, built-in proxy, no fencing, intervalMs 1000)', () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let appPassword = '';

  const api = apiJson(API_PORT, AUTH);

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT });
    appPassword = sb.password('app');
    await sb.sql(1, 'CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, node VARCHAR(64))');
    const config = writeConfig(sb.configPath, wardenToml, path.join(sb.dir, 'reform-watch.toml'));
    warden = startWarden(config);
    await waitFor('the warden to elect node1', 60_000, async () => ((await api<Cluster>('/api/cluster')).writers[0] === 'node1' ? true : undefined), 200);
    await waitFor('two recorded ticks', 30_000, async () => ((await api<Cluster>('/api/cluster')).lastTick?.seq ?? 0) >= 2 ? true : undefined, 200);
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await stopSandbox(sb);
  });

  const isolate = async (on: boolean) => {
    for (const i of [1, 2, 3]) await sb!.sql(i, `SET GLOBAL wsrep_provider_options='gmcast.isolate=${on ? 1 : 0}'`);
  };
  const status = async (i: number) => {
    const rows = await sb!.sql(i, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_cluster_size','wsrep_local_state')");
    return Object.fromEntries(rows.map((r) => [r[0], r[1]])) as Record<string, string>;
  };

  /** the warden's sessions on node 1 that live across two reads 300 ms apart: kept ones (a probe's lasts a few ms) */
  const keptSessions = async (): Promise<string[]> => {
    const ids = async () => new Set((await sb!.sql(1, "SELECT ID FROM information_schema.PROCESSLIST WHERE USER = 'warden'")).map((r) => r[0]!));
    const a = await ids();
    await new Promise((r) => setTimeout(r, 300));
    const b = await ids();
    return [...a].filter((id) => b.has(id));
  };

  it('partition of every node, then healed: the tick that routes a writer again is started by the watch', async () => {
    let last = '';
    for (let cycle = 1; cycle <= 3; cycle++) {
      const before = (await api<Cluster>('/api/cluster')).lastTick?.seq ?? 0;
      await isolate(true);
      await waitFor('every node non-Primary', 60_000, async () => {
        for (const i of [1, 2, 3]) if ((await status(i)).wsrep_cluster_status === 'Primary') return undefined;
        return true;
      }, 100);
      await waitFor('the warden to route no writer', 30_000, async () => ((await api<Cluster>('/api/cluster')).writers.length === 0 ? true : undefined), 100);
      await waitFor('the watch\'s kept session on node1', 10_000, async () => ((await keptSessions()).length === 1 ? true : undefined), 100);
      await isolate(false);
      await waitFor('the Primary component of three re-formed', 60_000, async () => {
        for (const i of [1, 2, 3]) {
          const s = await status(i);
          if (s.wsrep_cluster_status !== 'Primary' || s.wsrep_cluster_size !== '3' || s.wsrep_local_state !== '4') return undefined;
        }
        return true;
      }, 100);
      const writer = await waitFor('a writer routed again', 30_000, async () => (await api<Cluster>('/api/cluster')).writers[0], 100);

      // a writer routed: the watch has stopped and closed its sessions
      await waitFor('the watch to close its session on node1', 10_000, async () => ((await keptSessions()).length === 0 ? true : undefined), 100);
      const decisions = (await api<Decision[]>('/api/decisions?limit=500')).filter((d) => d.seq > before).sort((a, b) => a.seq - b.seq);
      last = JSON.stringify(decisions.map((d) => [d.seq, d.writers, d.trigger.by, d.trigger.signals?.[0]?.router, d.trigger.signals?.[0]?.detail]));
      const off = decisions.findIndex((d) => d.writers.length === 0);
      assert.ok(off >= 0, `no decision without a writer during the partition: ${last}`);
      const routed = decisions.slice(off).find((d) => d.writers.length > 0);
      assert.ok(routed, `no decision routed a writer again: ${last}`);
      assert.deepEqual(routed.writers, [writer]);
      if (routed.trigger.by === 'schedule') continue; // the schedule won the race this time
      assert.equal(routed.trigger.by, 'data-path', `the decision routing ${writer} again (seq ${routed.seq}) was started by ${JSON.stringify(routed.trigger)}: ${last}`);
      assert.ok(routed.trigger.signals!.some((x) => x.router === 'galera' && x.kind === 'view-change'), `not started by the re-form watch: ${JSON.stringify(routed.trigger)}`);
      // the same, as /metrics counts it
      const m = await scrapeMetrics(API_PORT, AUTH);
      assert.ok(m.value('galera_warden_reform_watch_signals_total') >= 1, m.text.split('\n').filter((l) => l.includes('reform_watch')).join('\n'));
      assert.ok(m.value('galera_warden_reform_watch_polls_total') >= m.value('galera_warden_reform_watch_signals_total'));
      assert.ok(m.value('galera_warden_reform_watch_sessions_total') >= 1);

      const c = await mysql.createConnection({ host: '127.0.0.1', port: WRITER_PORT, user: 'app', password: appPassword, database: 'app', connectTimeout: 30_000 });
      try {
        await c.query('INSERT INTO app.t (node) VALUES (@@wsrep_node_name)');
        const [r] = await c.query('SELECT @@wsrep_node_name AS n');
        assert.equal((r as { n: string }[])[0]!.n, writer, 'a write through the proxy commits on the writer');
      } finally {
        c.destroy();
      }
      return;
    }
    assert.fail(`in three cycles the writer was routed again by a scheduled tick each time, never by the watch: ${last}`);
  });
});
