// Two `galera-warden run` instances (a, b: built-in proxy each, a shared writer record) each driving its own real
// HAProxy 2.6, against a real 3-node Galera sandbox, with a write client writing unique rows through all four
// routers the whole time. Scenarios in sequence: the writer is killed; instance b is restarted; the old writer
// returns; two switchovers race through the two instances; b is cut off from the store and the writer;
// maintenance set through a holds on b and across b's restart. At the end the history checker (src/check) judges
// the whole history with a read-back from every node: no two nodes took writes in overlapping windows, no
// acknowledged write is missing, and the writes moved no more often than the record's epoch.
//
// How b is cut off: b reaches every server through TCP relays this test owns (test/support/tcp-relay.ts), and
// only b does; HAProxy b reaches the nodes directly. Severing b's relays cuts b off (connections reset, then
// refused) while HAProxy b, a and HAProxy a still reach every node: what must stop HAProxy b's writes is b
// telling it to. No namespace, no root; the store's own servers (etcd) are relayed the same way.
//
// The store is a parameter (peersSuite): 'galera' here; an etcd store plugs in its config, its relayed
// address and its record reader.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import mysql from 'mysql2/promise';
import { RuntimeClient } from '../src/apply/haproxy/runtime-client.js';
import { checkHistory, describeVerdict } from '../src/check/history-checker.js';
import type { Operation, ReadBack } from '../src/check/history.js';
import { createHistoryTable, readBackRows, WriteClient } from '../src/check/write-client.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { EtcdProcess } from './support/etcd.js';
import { skipEtcd, startEtcd } from './support/etcd.js';
import type { HaproxyProcess } from './support/haproxy-process.js';
import { haproxyMissing, startHaproxy } from './support/haproxy-process.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { TcpRelay } from './support/tcp-relay.js';
import { startRelay } from './support/tcp-relay.js';
import type { WardenProcess } from './support/warden-process.js';
import { CLI, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 14;
const BASE_PORT = 27000;
/** writer, reader, health, api */
const WARDEN = { a: 27100, b: 27110 } as const;
/** writer, reader frontends */
const HAPROXY = { a: 27200, b: 27210 } as const;
/** b's relays: 27300 + k */
const RELAY_BASE = 27300;
const TABLE = 'app.peers_history';
type Name = 'a' | 'b';
const NAMES: Name[] = ['a', 'b'];
const ROUTERS = ['proxy-a', 'proxy-b', 'haproxy-a', 'haproxy-b'] as const;

export interface StoredRecord {
  epoch: number;
  writers: string[];
  maintenance: string[];
}

type Address = { host: string; port: number };

export interface StoreUnderTest {
  /** starts what the store needs besides the cluster (etcd), before the wardens; stopped after */
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** servers of the store that are not Galera nodes (etcd: its client address), relayed for b like the nodes */
  extraTargets?(): Record<string, Address>;
  /** the keys of [coordination] for instance `name`; `via(target)` is where that instance reaches an extra target */
  coordinationToml(name: Name, via: (target: string) => Address): string;
  /** which of b's relay targets (node names, extra target names) cut b off from the store and from the writer */
  cutOff(writer: string, nodes: readonly string[]): string[];
  /** the record as the store holds it; `sql` runs a query on a running node */
  readRecord(sql: (query: string) => Promise<string[][]>): Promise<StoredRecord>;
}

export const galeraStore: StoreUnderTest = {
  coordinationToml: (name) => `store = "galera"\ninstanceId = "${name}"\ntimeoutMs = 1500\n`,
  // every node is the store: b is cut off from it only when it reaches no node at all
  cutOff: (_writer, nodes) => [...nodes],
  async readRecord(sql) {
    const rows = await sql('SET STATEMENT wsrep_sync_wait=1 FOR SELECT epoch, writers, maintenance FROM galera_warden.writer_record');
    assert.equal(rows.length, 1, 'one record');
    return { epoch: Number(rows[0]![0]), writers: JSON.parse(rows[0]![1]!) as string[], maintenance: JSON.parse(rows[0]![2]!) as string[] };
  },
};

interface ClusterView {
  writers: string[];
  epoch: number;
  maintenance: string[];
}

export function peersSuite(kind: 'galera' | 'etcd', store: StoreUnderTest): void {
  describe(`two instances and two HAProxys sharing the ${kind} writer record, under a recorded write load (real 3-node Galera, real HAProxy)`, { skip: haproxyMissing() ?? false }, () => {
    let sb: Sandbox | undefined;
    const wardens: Partial<Record<Name, WardenProcess>> = {};
    const configs: Partial<Record<Name, string>> = {};
    const haproxys: Partial<Record<Name, HaproxyProcess>> = {};
    const relays = new Map<string, TcpRelay>();
    let client: WriteClient | undefined;
    let firstEpoch = 0;
    let writer = '';
    let oldWriter = '';
    const stateFile = (n: Name) => path.join(sb!.dir, `state-${n}.json`);
    const socket = (n: Name) => path.join(sb!.dir, `haproxy-${n}.sock`);
    const nodeNames = () => sb!.layout.nodes.map((x) => x.name);
    const indexOf = (node: string) => sb!.layout.nodes.find((x) => x.name === node)!.index;

    const api = async <T>(n: Name, p: string, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`http://127.0.0.1:${WARDEN[n] + 3}${p}`, { ...init, headers: { 'content-type': 'application/json' } });
      const body = (await res.json()) as T;
      if (init.method === 'POST') assert.equal(res.status, 202, `${n} ${p}: ${JSON.stringify(body)}`);
      return body;
    };
    const cluster = (n: Name) => api<ClusterView>(n, '/api/cluster');
    const sql = async (query: string): Promise<string[][]> => {
      let last: unknown;
      for (const x of sb!.layout.nodes) {
        try {
          return await sb!.sql(x.index, query);
        } catch (err) {
          last = err;
        }
      }
      throw last as Error;
    };
    const record = () => store.readRecord(sql);
    const start = (n: Name) => {
      wardens[n] = startWarden(configs[n]!);
    };
    const wardenLogs = (n: Name) => wardens[n]!.logs;
    /** ok writes through `router` sent after `since` */
    const landed = (router: string, since: number): Operation[] => client!.history().filter((o) => o.router === router && o.outcome === 'ok' && o.invokeAt >= since);
    /** waits until the last writes through every router, sent after `since`, all land on one node that `ok` accepts */
    const allLandOn = (what: string, since: number, ok: (node: string) => boolean, timeoutMs = 120_000): Promise<string> =>
      waitFor(what, timeoutMs, () => {
        const last = ROUTERS.map((r) => landed(r, since).slice(-3));
        if (last.some((l) => l.length < 3)) return undefined;
        const nodes = new Set(last.flat().map((o) => o.node!));
        const [node] = [...nodes];
        return nodes.size === 1 && ok(node!) ? node : undefined;
      }, 300);
    const decisions = (n: Name) => api<{ seq: number; writers: string[] }[]>(n, '/api/decisions?limit=500');
    const restart = async (n: Name, signal: NodeJS.Signals) => {
      await wardens[n]!.stop(signal);
      fs.rmSync(stateFile(n), { force: true });
      const at = Date.now();
      start(n);
      await waitFor(`instance ${n} to decide again`, 60_000, async () => ((await decisions(n)).some((d) => d.seq === 1) ? true : undefined), 200);
      return at;
    };

    before(async () => {
      sb = await startSandbox(SLOT, { basePort: BASE_PORT });
      await store.start?.();
      const app = sb.password('app');
      const direct = await mysql.createConnection({ host: '127.0.0.1', port: sb.node(1).sqlPort, user: 'app', password: app });
      await createHistoryTable(direct, TABLE);
      direct.destroy();
      // b's relays: one per node, one per extra store target
      const targets: Record<string, Address> = { ...Object.fromEntries(sb.layout.nodes.map((x) => [x.name, { host: x.host, port: x.sqlPort }])), ...store.extraTargets?.() };
      let k = 1;
      for (const [name, t] of Object.entries(targets)) relays.set(name, await startRelay(RELAY_BASE + k++, t));
      const via = (n: Name) => (target: string): Address => (n === 'b' ? { host: '127.0.0.1', port: relays.get(target)!.port } : targets[target]!);
      for (const n of NAMES) {
        const w = WARDEN[n];
        const haproxy = `
[haproxy]
socket = "${socket(n)}"
bind = "127.0.0.1"
writerPort = ${HAPROXY[n]}
readerPort = ${HAPROXY[n] + 1}
checkInterMs = 1000
`;
        const proxy = `
[proxy]
host = "127.0.0.1"
writerPort = ${w}
readerPort = ${w + 1}
healthPort = ${w + 2}
waitForBackendMs = 3000
drainMs = 500
`;
        // HAProxy's own config reaches the nodes directly, whatever its warden goes through; its writer backend
        // checks the warden's health port ([proxy]: the dead-man switch)
        const gen = writeConfig(sb.configPath, `${haproxy}${proxy}`, path.join(sb.dir, `haproxy-gen-${n}.toml`));
        const text = execFileSync(process.execPath, [CLI, 'haproxy', 'config', '--config', gen], { encoding: 'utf8' });
        haproxys[n] = await startHaproxy(() => text, { socket: socket(n) });
        const nodes = n === 'b'
          ? sb.layout.nodes.map((x, i) => `[[nodes]]\nname = "${x.name}"\nhost = "127.0.0.1"\nport = ${relays.get(x.name)!.port}\nweight = ${1000 - i}\n`).join('\n')
          : '';
        configs[n] = writeConfig(sb.configPath, `
[routing]
retryUp = 2
retryDown = 2
minHoldMs = 3000

[probe]
connectTimeoutMs = 1000
timeoutMs = 1500

[run]
intervalMs = 300
stateFile = "${stateFile(n)}"

[coordination]
${store.coordinationToml(n, via(n))}

${proxy}
[api]
host = "127.0.0.1"
port = ${w + 3}
${haproxy}
${nodes}`, path.join(sb.dir, `warden-${n}.toml`));
      }
      start('a');
      start('b');
      await waitFor('both instances to route a writer', 90_000, async () => {
        const [ca, cb] = await Promise.all([cluster('a'), cluster('b')]);
        return ca.writers.length === 1 && ca.writers[0] === cb.writers[0] ? true : undefined;
      }, 300);
      firstEpoch = (await record()).epoch;
      client = new WriteClient({
        routers: ROUTERS.map((name) => ({ name, host: '127.0.0.1', port: name.startsWith('proxy') ? WARDEN[name.endsWith('a') ? 'a' : 'b'] : HAPROXY[name.endsWith('a') ? 'a' : 'b'] })),
        clientsPerRouter: 2, user: 'app', password: app, table: TABLE, everyMs: 40, connectTimeoutMs: 2000, writeTimeoutMs: 3000, runId: `peers_${kind}`,
      });
      client.start();
      writer = await allLandOn('all four routers to take writes on one node', 0, () => true);
      console.log(`# ${kind}: writer ${writer} at epoch ${firstEpoch}`);
    });

    after(async () => {
      await client?.stop();
      for (const w of Object.values(wardens)) await w?.stop('SIGKILL');
      for (const h of Object.values(haproxys)) await h?.stop();
      for (const r of relays.values()) await r.close();
      await store.stop?.();
      await stopSandbox(sb);
    });

    it('the writer is killed: all four routers route writes to the same new node', async () => {
      oldWriter = writer;
      const at = Date.now();
      sb!.kill(indexOf(oldWriter));
      writer = await allLandOn('all four routers on one new node', at, (n) => n !== oldWriter);
      const [ca, cb, r] = await Promise.all([cluster('a'), cluster('b'), record()]);
      assert.deepEqual([ca.writers, cb.writers, r.writers], [[writer], [writer], [writer]]);
      console.log(`# writer ${oldWriter} killed: all four routers on ${writer} (epoch ${r.epoch})`);
    });

    it('a restarted instance routes to the record\'s writer before its first decision', async () => {
      const at = await restart('b', 'SIGKILL');
      const first = (await decisions('b')).find((d) => d.seq === 1)!;
      assert.deepEqual(first.writers, [writer], 'the first decision routed the record\'s writer');
      const firstWrite = await waitFor('a write through the restarted proxy', 60_000, () => landed('proxy-b', at)[0], 200);
      assert.equal(firstWrite.node, writer);
    });

    it('the old writer returns: nobody moves back', async () => {
      const at = Date.now();
      await sb!.start(indexOf(oldWriter));
      await waitFor(`${oldWriter} back in service on both instances`, 180_000, async () => {
        const views = await Promise.all(NAMES.map((n) => api<{ name: string; inService: boolean }[]>(n, '/api/nodes')));
        return views.every((v) => v.find((x) => x.name === oldWriter)?.inService === true) ? true : undefined;
      }, 300);
      const since = Date.now();
      // the rejoin's donor may desync and hand the role to the third node; what must not happen is a move back
      writer = await allLandOn('all four routers to agree after the return', since, () => true);
      assert.notEqual(writer, oldWriter);
      assert.deepEqual(client!.history().filter((o) => o.outcome === 'ok' && o.invokeAt >= at && o.node === oldWriter).map((o) => o.id), [], 'writes on the returned node');
      assert.deepEqual((await record()).writers, [writer]);
    });

    it('two switchovers to different nodes at once through the two instances: exactly one epoch increment wins', async () => {
      const [x, y] = nodeNames().filter((n) => n !== writer) as [string, string];
      await waitFor(`${x} and ${y} to be writer candidates on both instances`, 120_000, async () => {
        const views = await Promise.all(NAMES.map((n) => api<{ name: string; writer: string; inService: boolean }[]>(n, '/api/nodes')));
        return views.every((v) => [x, y].every((c) => v.find((z) => z.name === c)?.writer === 'backup')) ? true : undefined;
      }, 300);
      const before = await record();
      const logged = NAMES.map((n) => wardenLogs(n).length);
      const at = Date.now();
      await Promise.all([
        api('a', '/api/switchover', { method: 'POST', body: JSON.stringify({ node: x }) }),
        api('b', '/api/switchover', { method: 'POST', body: JSON.stringify({ node: y }) }),
      ]);
      await allLandOn('all four routers on one switched-to node', at, (n) => n === x || n === y);
      // long enough for a second change (a request that did not lapse) to show: two handovers' worth of ticks
      await waitFor('both instances to agree on the record', 60_000, async () => {
        const [ca, cb, r] = await Promise.all([cluster('a'), cluster('b'), record()]);
        return ca.epoch === r.epoch && cb.epoch === r.epoch && Date.now() - at > 15_000 ? true : undefined;
      }, 500);
      const after = await record();
      const isWin = (l: Record<string, unknown>) => typeof l.msg === 'string' && /^coordination record: writers \[.*\] at epoch \d+$/.test(l.msg);
      const fresh = NAMES.map((n, i) => wardenLogs(n).slice(logged[i]));
      const wins = NAMES.flatMap((n, i) => fresh[i]!.filter(isWin).map((l) => ({ n, msg: String(l.msg), epoch: Number(l.epoch) }))).sort((p, q) => p.epoch - q.epoch);
      console.log(`# race: ${before.writers.join(',')}@${before.epoch} -> ${after.writers.join(',')}@${after.epoch}; ${wins.map((w) => `${w.n}: ${w.msg}`).join('; ')}`);
      // one request won the race: the first change is to one of the two nodes asked for, at epoch + 1
      const first = wins[0]!;
      const winner = first.n;
      const loser: Name = winner === 'a' ? 'b' : 'a';
      const lost = loser === 'a' ? x : y;
      assert.equal(first.epoch, before.epoch + 1);
      assert.match(first.msg, new RegExp(`writers \\[${winner === 'a' ? x : y}\\]`));
      // the other request lapsed, before its instance changed the record again (a later change, if any, is a
      // fail-over of this loaded machine, not the losing request stacked on the winner's)
      const l = fresh[loser === 'a' ? 0 : 1]!;
      const lapsed = l.findIndex((e) => typeof e.msg === 'string' && e.msg.startsWith(`switchover to ${lost} dropped`));
      assert.ok(lapsed >= 0, `${loser}'s switchover to ${lost} did not lapse`);
      assert.ok(l.findIndex(isWin) === -1 || l.findIndex(isWin) > lapsed, `${loser} changed the record before its request lapsed`);
      if (wins.length === 1) assert.equal(after.epoch, before.epoch + 1, 'the epoch advanced by exactly one');
      const moved = after.writers[0]!;
      writer = moved;
      assert.equal(await allLandOn('all four routers still on the winner', Date.now(), () => true), writer);
    });

    it('an instance cut off from the store and from the writer stops routing writes; the other goes on', async () => {
      const cut = store.cutOff(writer, nodeNames());
      for (const t of cut) await relays.get(t)!.sever();
      const rt = new RuntimeClient({ socket: { path: socket('b') }, timeoutMs: 2000 });
      await waitFor('b to stop routing writes', 60_000, async () => {
        const res = await fetch(`http://127.0.0.1:${WARDEN.b + 2}/ready`);
        const body = (await res.json()) as { reason?: string };
        const ready = (await rt.serversState('galera_writer')).filter((s) => s.admin === 'ready');
        return res.status === 503 && body.reason === 'coordination unavailable' && ready.length === 0 ? true : undefined;
      }, 300);
      const stoppedAt = Date.now();
      // a and HAProxy a keep taking writes on the writer meanwhile
      assert.equal(await waitFor('writes through a while b is cut off', 60_000, () => {
        const l = ['proxy-a', 'haproxy-a'].map((r) => landed(r, stoppedAt));
        return l.every((x) => x.length >= 5) && Date.now() - stoppedAt > 3000 ? l.flat()[0]!.node : undefined;
      }, 300), writer);
      assert.deepEqual(['proxy-b', 'haproxy-b'].flatMap((r) => landed(r, stoppedAt)).map((o) => `${o.router} ${o.id} on ${o.node}`), [], 'writes through b\'s routers after it stopped');
      for (const t of cut) await relays.get(t)!.restore();
      const healed = Date.now();
      assert.equal(await allLandOn('all four routers again after b is reconnected', healed, () => true), writer);
    });

    it('maintenance set through one instance holds on the other and across a restart', async () => {
      const marked = writer;
      const at = Date.now();
      await api('a', `/api/nodes/${marked}/maintenance`, { method: 'POST', body: JSON.stringify({ on: true }) });
      writer = await allLandOn(`all four routers away from ${marked}`, at, (n) => n !== marked);
      const [ca, cb, r] = await Promise.all([cluster('a'), cluster('b'), record()]);
      assert.deepEqual([ca.maintenance, cb.maintenance, r.maintenance], [[marked], [marked], [marked]]);
      const restarted = await restart('b', 'SIGTERM');
      assert.deepEqual((await cluster('b')).maintenance, [marked]);
      assert.deepEqual((await decisions('b')).find((d) => d.seq === 1)!.writers, [writer]);
      assert.equal(await allLandOn('all four routers after b\'s restart', restarted, () => true), writer);
    });

    it('the history holds: no overlapping writers, no lost write, no more moves than epochs', async () => {
      const ops = await client!.stop();
      for (const n of NAMES) await wardens[n]!.stop('SIGTERM');
      const readBack: ReadBack[] = [];
      for (const x of sb!.layout.nodes) {
        const c = await mysql.createConnection({ host: '127.0.0.1', port: x.sqlPort, user: 'app', password: sb!.password('app') });
        try {
          readBack.push(await readBackRows(c, TABLE, x.name, `peers_${kind}`));
        } finally {
          c.destroy();
        }
      }
      const last = await record();
      const verdict = checkHistory(ops, readBack, { maxWriterChanges: last.epoch - firstEpoch });
      console.log(describeVerdict(verdict).split('\n').map((l) => `# ${l}`).join('\n'));
      assert.ok(verdict.totals.ok > 0);
      assert.ok(verdict.ok, describeVerdict(verdict));
    });
  });
}

/** etcd (a real one this test starts and stops by pid): client 27380, peer 27381; b reaches it through a relay */
const ETCD = { clientPort: 27380, peerPort: 27381 } as const;
function etcdStore(): StoreUnderTest {
  let etcd: EtcdProcess | undefined;
  return {
    async start() {
      etcd = await startEtcd({ ...ETCD, name: 'peers' });
    },
    async stop() {
      await etcd?.stop();
    },
    extraTargets: () => ({ etcd: { host: '127.0.0.1', port: ETCD.clientPort } }),
    coordinationToml: (name, via) => {
      const e = via('etcd');
      return `store = "etcd"\nendpoints = ["http://${e.host}:${e.port}"]\ninstanceId = "${name}"\ntimeoutMs = 1500\n`;
    },
    // b is cut off from the store (its etcd relay) and from the writer (its relay to that node)
    cutOff: (writer) => ['etcd', writer],
    async readRecord() {
      const client = new Etcd3({ hosts: etcd!.endpoint });
      try {
        const all = await client.getAll().prefix('/galera-warden/').strings();
        const records = Object.entries(all).filter(([k]) => k.endsWith('/writer'));
        assert.equal(records.length, 1, `one record key under /galera-warden/: ${Object.keys(all).join(', ')}`);
        const r = JSON.parse(records[0]![1]) as StoredRecord;
        return { epoch: r.epoch, writers: r.writers, maintenance: r.maintenance };
      } finally {
        client.close();
      }
    },
  };
}

peersSuite('galera', galeraStore);
if (skipEtcd) describe('two instances and two HAProxys sharing the etcd writer record', { skip: skipEtcd }, () => undefined);
else peersSuite('etcd', etcdStore());
