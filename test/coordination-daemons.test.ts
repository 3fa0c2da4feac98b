// Two `galera-warden run` instances (built-in proxy each) sharing one writer record, against a real 3-node
// sandbox. With the Galera-table store: both route writes to the same node; after the writer is killed both
// route to the same new node; the old writer's return moves nobody back; a restarted instance without its state
// file routes to the record's writer from its first decision; maintenance set through one instance's API holds
// on the other. Then, on the same sandbox, with the etcd store (a real etcd this file starts, ports 28400-28409):
// the writer killed -> the same new writer on both; etcd SIGKILLed -> the instance with a long lease keeps the
// writer (warning), the one whose lease ran out routes no writer (COORDINATION_UNAVAILABLE in its findings, /ready
// 503); the kept writer dies during the outage -> no instance routes or elects a writer; etcd back -> both route
// to the same new writer by themselves.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import mysql from 'mysql2/promise';
import type { Finding } from '../src/model/decision.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { EtcdProcess } from './support/etcd.js';
import { skipEtcd, startEtcd } from './support/etcd.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { coordinatedInstanceToml, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 0;
const BASE_PORT = 29400;
/** Galera store: instance a 29800-29803, b 29810-29813 (writer, reader, health, api) */
const PORTS = { a: 29800, b: 29810 } as const;
/** etcd store: etcd client 28400, peer 28401; instance a 28402-28405, b 28406-28409 */
const ETCD = { client: 28400, peer: 28401 } as const;
const ETCD_PORTS = { a: 28402, b: 28406 } as const;
type Name = keyof typeof PORTS;

interface ClusterView {
  writers: string[];
  epoch: number;
  maintenance: string[];
  findings: Finding[];
}

const apiAt = async <T>(port: number, p: string, init: RequestInit = {}): Promise<T> =>
  (await (await fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { 'content-type': 'application/json' } })).json()) as T;
/** the node that answers on a proxy's writer port (a new connection each time) */
async function writerAt(port: number, password: string): Promise<string> {
  const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password, database: 'app', connectTimeout: 10_000 });
  try {
    const [rows] = await c.query('SELECT @@wsrep_node_name AS n');
    return (rows as { n: string }[])[0]!.n;
  } finally {
    c.destroy();
  }
}
/** an instance's config: fast loop, built-in proxy on base..base+2, API on base+3, the given [coordination] keys */
const instanceToml = (base: number, stateFile: string, coordination: string) => coordinatedInstanceToml({ instanceId: '', port: base, stateFile, coordination });

describe('two instances sharing one writer record (real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT });
  });
  after(async () => {
    await stopSandbox(sb);
  });
  const indexOf = (node: string) => sb!.layout.nodes.find((n) => n.name === node)!.index;

  describe('the Galera-table store', () => {
    const wardens: Partial<Record<Name, WardenProcess>> = {};
    const configs: Partial<Record<Name, string>> = {};
    const stateFile = (n: Name) => path.join(sb!.dir, `state-${n}.json`);
    let appPassword = '';
    let writer = '';
    /** the writer killed in the second test */
    let oldWriter = '';

    const api = <T>(n: Name, p: string, init: RequestInit = {}): Promise<T> => apiAt<T>(PORTS[n] + 3, p, init);
    const cluster = (n: Name) => api<ClusterView>(n, '/api/cluster');
    const writerVia = (n: Name): Promise<string> => writerAt(PORTS[n], appPassword);
    /** both instances route writes to one node (read through each proxy), satisfying `ok` */
    const bothRouteTo = (what: string, ok: (node: string) => boolean, timeoutMs = 120_000) =>
      waitFor(what, timeoutMs, async () => {
        const [a, b] = await Promise.all([writerVia('a'), writerVia('b')]);
        return a === b && ok(a) ? a : undefined;
      }, 300);
    const start = (n: Name) => {
      wardens[n] = startWarden(configs[n]!);
    };

    before(() => {
      appPassword = sb!.password('app');
      for (const n of ['a', 'b'] as const) {
        configs[n] = writeConfig(sb!.configPath, instanceToml(PORTS[n], stateFile(n), `store = "galera"\ninstanceId = "${n}"\ntimeoutMs = 1500`), path.join(sb!.dir, `warden-${n}.toml`));
      }
      start('a');
      start('b');
    });

    after(async () => {
      for (const w of Object.values(wardens)) await w?.stop('SIGKILL');
    });

    it('both route writes to the same node, and report the same epoch', async () => {
      writer = await bothRouteTo('both proxies to route writes to one node', () => true);
      const [ca, cb] = await Promise.all([cluster('a'), cluster('b')]);
      assert.deepEqual([ca.writers, cb.writers], [[writer], [writer]]);
      assert.equal(ca.epoch, cb.epoch);
      const rows = await sb!.sql(1, "SELECT epoch, writers, set_by FROM galera_warden.writer_record");
      assert.equal(rows.length, 1);
      assert.deepEqual(JSON.parse(rows[0]![1]!), [writer]);
      console.log(`# writer ${writer} at epoch ${rows[0]![0]} set by ${rows[0]![2]}`);
    });

    it('kill the writer: both route writes to the same new node', async () => {
      const old = writer;
      const killedAt = Date.now();
      sb!.kill(indexOf(old));
      writer = await bothRouteTo('both proxies to route writes to one new node', (n) => n !== old);
      console.log(`# writer ${old} killed: both route to ${writer} after ${Date.now() - killedAt} ms`);
      const [ca, cb] = await Promise.all([cluster('a'), cluster('b')]);
      assert.deepEqual([ca.writers, cb.writers], [[writer], [writer]]);
      assert.equal(ca.epoch, cb.epoch);
      oldWriter = old;
    });

    it('the old writer returns: nobody moves back', async () => {
      const old = oldWriter;
      assert.notEqual(old, '', 'no writer was killed');
      await sb!.start(indexOf(old));
      const before = await cluster('a');
      // wait until the returned node is back in service (a reader) on both instances, then a few more ticks
      await waitFor(`${old} back in service on both instances`, 120_000, async () => {
        const views = await Promise.all((['a', 'b'] as const).map((n) => api<{ name: string; inService: boolean }[]>(n, '/api/nodes')));
        return views.every((v) => v.find((x) => x.name === old)?.inService === true) ? true : undefined;
      }, 300);
      await new Promise((r) => setTimeout(r, 2000));
      // the returned node rejoins by a state transfer: its donor is desynced for a while and may hand the writer
      // role to the third node; what must not happen is the role moving back to the returned node
      const agreed = await bothRouteTo(`both proxies to agree on a writer other than ${old}`, (n) => n !== old);
      const [ca, cb] = await Promise.all([cluster('a'), cluster('b')]);
      assert.deepEqual([ca.writers, cb.writers], [[agreed], [agreed]]);
      assert.equal(ca.epoch, cb.epoch);
      if (agreed === writer) assert.equal(ca.epoch, before.epoch, 'the epoch moved while the writer stayed');
      else console.log(`# ${old} returned: its donor ${writer} desynced, the writer moved to ${agreed}`);
      writer = agreed;
    });

    it('a restarted instance without its state file routes to the record\'s writer from its first decision', async () => {
      await wardens.b!.stop('SIGTERM');
      fs.rmSync(stateFile('b'), { force: true });
      start('b');
      await waitFor('instance b to decide', 60_000, async () => ((await cluster('b')).writers.length > 0 ? true : undefined), 200);
      const decisions = await api<{ seq: number; writers: string[] }[]>('b', '/api/decisions?limit=500');
      const first = decisions.find((d) => d.seq === 1);
      assert.ok(first, 'the first decision was not kept');
      assert.deepEqual(first.writers, [writer]);
      assert.equal(await writerVia('b'), writer);
    });

    it('maintenance set through one instance\'s API holds on the other', async () => {
      const marked = writer;
      const res = await fetch(`http://127.0.0.1:${PORTS.a + 3}/api/nodes/${marked}/maintenance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on: true }) });
      assert.equal(res.status, 202, await res.text());
      writer = await bothRouteTo(`both proxies to route writes away from ${marked}`, (n) => n !== marked);
      const [ca, cb] = await Promise.all([cluster('a'), cluster('b')]);
      assert.deepEqual([ca.maintenance, cb.maintenance], [[marked], [marked]]);
      assert.deepEqual([ca.writers, cb.writers], [[writer], [writer]]);
      const rows = await sb!.sql(1, "SELECT maintenance FROM galera_warden.writer_record");
      assert.deepEqual(JSON.parse(rows[0]![0]!), [marked]);
    });
  });

  describe('the etcd store', { skip: skipEtcd }, () => {
    let etcd: EtcdProcess | undefined;
    let raw: Etcd3 | undefined;
    const wardens: Partial<Record<Name, WardenProcess>> = {};
    let appPassword = '';
    let writer = '';
    const cluster = (n: Name) => apiAt<ClusterView>(ETCD_PORTS[n] + 3, '/api/cluster');
    const writerVia = (n: Name): Promise<string> => writerAt(ETCD_PORTS[n], appPassword);
    const ready = async (n: Name): Promise<{ status: number; reason?: string }> => {
      const res = await fetch(`http://127.0.0.1:${ETCD_PORTS[n] + 2}/ready`);
      const body = (await res.json()) as { reason?: string };
      return { status: res.status, ...(body.reason !== undefined && { reason: body.reason }) };
    };
    const bothRouteTo = (what: string, ok: (node: string) => boolean, timeoutMs = 120_000) =>
      waitFor(what, timeoutMs, async () => {
        const [a, b] = await Promise.all([writerVia('a'), writerVia('b')]);
        return a === b && ok(a) ? a : undefined;
      }, 300);
    /** the record's key in etcd, read directly */
    const stored = async (): Promise<{ epoch: number; writers: string[] }> => {
      const all = await raw!.getAll().prefix('/galera-warden/').strings();
      const key = Object.keys(all).find((k) => k.endsWith('/writer'));
      assert.ok(key, `no record key under /galera-warden/: ${Object.keys(all).join(', ')}`);
      return JSON.parse(all[key]!) as { epoch: number; writers: string[] };
    };

    before(async () => {
      etcd = await startEtcd({ clientPort: ETCD.client, peerPort: ETCD.peer });
      raw = new Etcd3({ hosts: etcd.endpoint });
      appPassword = sb!.password('app');
      // a keeps the writer it knew for a minute without etcd; b's lease runs out after 1.5 s
      const leases = { a: 60_000, b: 1500 } as const;
      for (const n of ['a', 'b'] as const) {
        const file = writeConfig(sb!.configPath, instanceToml(ETCD_PORTS[n], path.join(sb!.dir, `state-etcd-${n}.json`),
          `store = "etcd"\nendpoints = ["${etcd.endpoint}"]\ninstanceId = "etcd-${n}"\ntimeoutMs = 800\nleaseMs = ${leases[n]}`), path.join(sb!.dir, `warden-etcd-${n}.toml`));
        wardens[n] = startWarden(file);
      }
    });

    after(async () => {
      for (const w of Object.values(wardens)) await w?.stop('SIGKILL');
      raw?.close();
      await etcd?.stop();
    });

    it('both route writes to the node of the record in etcd; both instances hold a presence key', async () => {
      writer = await bothRouteTo('both proxies to route writes to one node', () => true);
      const [ca, cb, rec] = await Promise.all([cluster('a'), cluster('b'), stored()]);
      assert.deepEqual([ca.writers, cb.writers, rec.writers], [[writer], [writer], [writer]]);
      assert.deepEqual([ca.epoch, cb.epoch], [rec.epoch, rec.epoch]);
      const live = await raw!.getAll().prefix('/galera-warden/').keys();
      assert.deepEqual(live.filter((k) => k.includes('/instances/')).map((k) => k.split('/').pop()).sort(), ['etcd-a', 'etcd-b']);
    });

    it('kill the writer: both route writes to the same new node', async () => {
      const old = writer;
      sb!.kill(indexOf(old));
      writer = await bothRouteTo('both proxies to route writes to one new node', (n) => n !== old);
      const [ca, cb, rec] = await Promise.all([cluster('a'), cluster('b'), stored()]);
      assert.deepEqual([ca.writers, cb.writers, rec.writers], [[writer], [writer], [writer]]);
      assert.equal(ca.epoch, cb.epoch);
      // three members again, so that the next test can kill the writer and keep a Primary component
      await sb!.start(indexOf(old));
      await waitFor(`${old} back in service on both instances`, 120_000, async () => {
        const views = await Promise.all((['a', 'b'] as const).map((n) => apiAt<{ name: string; inService: boolean }[]>(ETCD_PORTS[n] + 3, '/api/nodes')));
        return views.every((v) => v.find((x) => x.name === old)?.inService === true) ? true : undefined;
      }, 300);
      // its donor may have been desynced meanwhile and handed the writer role to the third node: never back to old
      await new Promise((r) => setTimeout(r, 2000));
      writer = await bothRouteTo(`both proxies to agree on a writer other than ${old}`, (n) => n !== old);
      await waitFor('both ready', 60_000, async () => ((await Promise.all([ready('a'), ready('b')])).every((r) => r.status === 200) ? true : undefined), 250);
    });

    it('etcd SIGKILLed: a keeps the writer while its lease is fresh and the writer eligible, b stops routing writes; both resume once etcd is back', async () => {
      const before = await cluster('a');
      assert.deepEqual(before.writers, [writer]);
      await etcd!.kill();
      const stopped = await waitFor('b to stop routing writes', 60_000, async () => {
        const [cb, rb] = await Promise.all([cluster('b'), ready('b')]);
        return cb.writers.length === 0 && rb.status === 503 ? { cb, rb } : undefined;
      }, 250);
      assert.equal(stopped.rb.reason, 'coordination unavailable');
      assert.equal(stopped.cb.findings.find((f) => f.code === 'COORDINATION_UNAVAILABLE')?.severity, 'critical', JSON.stringify(stopped.cb.findings));
      const ca = await waitFor('a to see the outage', 60_000, async () => {
        const v = await cluster('a');
        return v.findings.some((f) => f.code === 'COORDINATION_UNAVAILABLE') ? v : undefined;
      }, 250);
      assert.deepEqual(ca.writers, [writer]);
      assert.equal(ca.findings.find((f) => f.code === 'COORDINATION_UNAVAILABLE')?.severity, 'warning');
      assert.equal(await writerVia('a'), writer);
      assert.equal((await ready('a')).status, 200);
      // the kept writer dies while etcd is away: a routes no writer and elects none (it could not record it)
      const dead = writer;
      sb!.kill(indexOf(dead));
      const none = await waitFor('a to stop routing writes once its writer is not eligible', 60_000, async () => {
        const [v, r] = await Promise.all([cluster('a'), ready('a')]);
        return v.writers.length === 0 && r.status === 503 ? v : undefined;
      }, 250);
      assert.equal(none.findings.find((f) => f.code === 'COORDINATION_UNAVAILABLE')?.severity, 'critical', JSON.stringify(none.findings));
      assert.equal(none.epoch, before.epoch, 'a changed the epoch without the store');
      await etcd!.start();
      writer = await bothRouteTo('both proxies to route writes to one new node after etcd is back', (n) => n !== dead);
      await waitFor('both ready again', 60_000, async () => ((await Promise.all([ready('a'), ready('b')])).every((r) => r.status === 200) ? true : undefined), 250);
      const [ca2, cb2, rec] = await Promise.all([cluster('a'), cluster('b'), stored()]);
      assert.deepEqual([ca2.writers, cb2.writers, rec.writers], [[writer], [writer], [writer]]);
      assert.deepEqual([ca2.epoch, cb2.epoch], [rec.epoch, rec.epoch]);
      assert.ok(rec.epoch > before.epoch, `the new writer was not recorded (epoch ${rec.epoch}, before the outage ${before.epoch})`);
    });
  });
});
