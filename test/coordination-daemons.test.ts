// Two `galera-warden run` instances (built-in proxy each) sharing the Galera-table writer record, against a
// real 3-node sandbox: both route writes to the same node; after the writer is killed both route to the same
// new node; the old writer's return moves nobody back; a restarted instance without its state file routes to
// the record's writer from its first decision; maintenance set through one instance's API holds on the other.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { coordinatedInstanceToml, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 0;
const BASE_PORT = 29400;
/** instance a: 29800-29803, instance b: 29810-29813 (writer, reader, health, api) */
const PORTS = { a: 29800, b: 29810 } as const;
type Name = keyof typeof PORTS;

interface ClusterView {
  writers: string[];
  epoch: number;
  maintenance: string[];
}

describe('two instances sharing the Galera-table writer record (real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  const wardens: Partial<Record<Name, WardenProcess>> = {};
  const configs: Partial<Record<Name, string>> = {};
  const stateFile = (n: Name) => path.join(sb!.dir, `state-${n}.json`);
  let appPassword = '';
  let writer = '';
  /** the writer killed in the second test */
  let oldWriter = '';

  const api = async <T>(n: Name, p: string, init: RequestInit = {}): Promise<T> =>
    (await (await fetch(`http://127.0.0.1:${PORTS[n] + 3}${p}`, { ...init, headers: { 'content-type': 'application/json' } })).json()) as T;
  const cluster = (n: Name) => api<ClusterView>(n, '/api/cluster');
  /** the node that answers on instance n's writer port (a new connection each time) */
  const writerVia = async (n: Name): Promise<string> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: PORTS[n], user: 'app', password: appPassword, database: 'app', connectTimeout: 10_000 });
    try {
      const [rows] = await c.query('SELECT @@wsrep_node_name AS n');
      return (rows as { n: string }[])[0]!.n;
    } finally {
      c.destroy();
    }
  };
  /** both instances route writes to one node (read through each proxy), satisfying `ok` */
  const bothRouteTo = (what: string, ok: (node: string) => boolean, timeoutMs = 120_000) =>
    waitFor(what, timeoutMs, async () => {
      const [a, b] = await Promise.all([writerVia('a'), writerVia('b')]);
      return a === b && ok(a) ? a : undefined;
    }, 300);
  const indexOf = (node: string) => sb!.layout.nodes.find((n) => n.name === node)!.index;
  const start = (n: Name) => {
    wardens[n] = startWarden(configs[n]!);
  };

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT });
    appPassword = sb.password('app');
    for (const n of ['a', 'b'] as const) {
      configs[n] = writeConfig(sb.configPath, coordinatedInstanceToml({ instanceId: n, port: PORTS[n], stateFile: stateFile(n) }), path.join(sb.dir, `warden-${n}.toml`));
    }
    start('a');
    start('b');
  });

  after(async () => {
    for (const w of Object.values(wardens)) await w?.stop('SIGKILL');
    await stopSandbox(sb);
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
    assert.equal(await bothRouteTo('both proxies to agree', () => true), writer);
    const [ca, cb] = await Promise.all([cluster('a'), cluster('b')]);
    assert.deepEqual([ca.writers, cb.writers], [[writer], [writer]]);
    assert.deepEqual([ca.epoch, cb.epoch], [before.epoch, before.epoch], 'the epoch moved');
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
