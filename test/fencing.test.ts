// End to end: Galera-native fencing with `galera-warden run` and its built-in proxy in front of a real 3-node
// sandbox (slot 7). `dead`: the killed writer is evicted (exactly once, that member), writes resume through the proxy, a
// node starting while fencing is on is not evicted, and the evict lists are clean again. `unresponsive`: a
// frozen writer is evicted after the survivors confirm they lost it too; when it resumes it is reported
// Disconnected, never routed, and the restart hook brings it back. A non-writer that stops answering the
// warden while its peers still hear it (a 1.5 s stall between the warden and the node) is not evicted.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { CLI, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 7;
const WRITER_PORT = 31600;
const READER_PORT = 31601;
const HEALTH_PORT = 31602;
const API_PORT = 31603;
const RELAY_PORT = 31610;
const AUTH = 'Basic ' + Buffer.from('admin:fence-test').toString('base64');

interface Finding { code: string; node?: string; message: string }
interface Eviction { node: string; uuid: string; reason: string; via: string | null; at: number; view: { stateUuid: string; confId: number } | null }
interface Cluster { writers: string[]; readers: string[]; epoch: number; findings: Finding[]; fencing: { mode: string; evictions: Eviction[] } | null }
interface Decision { seq: number; findings: Finding[] }

/** A TCP relay in front of one node's SQL port that can be paused: the node stops answering the warden, not its peers. */
class Relay {
  private readonly server: net.Server;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private paused = false;
  constructor(private readonly target: number) {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target, '127.0.0.1');
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      client.pipe(upstream);
      upstream.pipe(client);
      if (this.paused) this.hold(pair);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
    });
  }
  private hold(p: [net.Socket, net.Socket]): void {
    p[0].pause();
    p[1].pause();
  }
  listen(port: number): Promise<void> {
    return new Promise((r) => this.server.listen(port, '127.0.0.1', () => r()));
  }
  pause(): void {
    this.paused = true;
    for (const p of this.pairs) this.hold(p);
  }
  resume(): void {
    this.paused = false;
    for (const p of this.pairs) {
      p[0].resume();
      p[1].resume();
    }
  }
  close(): Promise<void> {
    for (const [a, b] of this.pairs) {
      a.destroy();
      b.destroy();
    }
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('fencing (real 3-node Galera, built-in proxy)', () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let relay: Relay | undefined;
  let appPassword = '';
  let seq = 0;

  const api = async (p: string) => fetch(`http://127.0.0.1:${API_PORT}${p}`, { headers: { authorization: AUTH } });
  const cluster = async (): Promise<Cluster> => (await (await api('/api/cluster')).json()) as Cluster;
  const decisions = async (): Promise<Decision[]> => (await (await api('/api/decisions?limit=500')).json()) as Decision[];
  const uuidOf = async (i: number): Promise<string> => (await sb!.sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_gcomm_uuid'"))[0]?.[1] ?? '';
  const evictLists = async (nodes: number[]): Promise<string[]> =>
    Promise.all(nodes.map(async (i) => (await sb!.sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_evs_evict_list'"))[0]?.[1] ?? ''));
  /** One write through the writer port on a new connection; resolves with the node that took it. */
  const writeOnce = async (): Promise<string> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: WRITER_PORT, user: 'app', password: appPassword, database: 'app', connectTimeout: 20_000 });
    try {
      await c.query('INSERT INTO app.w (seq, node) VALUES (?, @@wsrep_node_name)', [++seq]);
      const [rows] = await c.query('SELECT @@wsrep_node_name AS n');
      return (rows as { n: string }[])[0]!.n;
    } finally {
      c.destroy();
    }
  };
  /** The evictions the warden did since it started, as /api/cluster lists them: which member, which id. */
  const evicted = async (): Promise<{ node: string; uuid: string; reason: string }[]> =>
    ((await cluster()).fencing?.evictions ?? []).map((e) => ({ node: e.node, uuid: e.uuid, reason: e.reason }));
  const clusterSizes = async (nodes: number[]): Promise<number[]> =>
    Promise.all(nodes.map(async (i) => Number((await sb!.sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'"))[0]?.[1] ?? 0)));

  /**
   * The relay sits in front of node3; the earlier fail-overs may have made it the writer (which node takes over
   * depends on which nodes have served out their hold time): move the role off it first.
   */
  const moveWriterOffNode3 = async (): Promise<void> => {
    if ((await cluster()).writers.includes('node3')) {
      await waitFor('a switchover away from node3 to be accepted', 60_000, async () => {
        for (const target of ['node1', 'node2']) {
          const r = await fetch(`http://127.0.0.1:${API_PORT}/api/switchover`, {
            method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ node: target }),
          });
          if (r.status === 202) return true;
        }
        return undefined;
      }, 500);
      await waitFor('the writer to leave node3', 60_000, async () => ((await cluster()).writers.includes('node3') ? undefined : true), 100);
    }
  };

  const start = async (mode: 'dead' | 'unresponsive', viaRelay: boolean) => {
    await warden?.stop('SIGTERM');
    const base = sb!.configPath;
    const config = writeConfig(base, `
[routing]
retryUp = 2
retryDown = 1
minHoldMs = 3000

[probe]
connectTimeoutMs = 300
timeoutMs = 400

[run]
intervalMs = 100

[proxy]
host = "127.0.0.1"
writerPort = ${WRITER_PORT}
readerPort = ${READER_PORT}
healthPort = ${HEALTH_PORT}
waitForBackendMs = 20000
# a frozen backend is skipped after this long without a greeting (the default 1000 ms would dominate the figure)
connectTimeoutMs = 250
drainMs = 500

[api]
host = "127.0.0.1"
port = ${API_PORT}
user = "admin"
password = "fence-test"

[fencing]
mode = "${mode}"
windowMs = 1000
groupCheckTimeoutMs = 100
restartHook = ["${process.execPath}", "${CLI}", "sandbox", "--dir", "${sb!.dir}", "restart", "{node}"]
restartAfterMs = 1500
`, path.join(sb!.dir, `fencing-${mode}.toml`));
    if (viaRelay) {
      // node3 is probed (and routed) through the relay
      fs.writeFileSync(config, fs.readFileSync(config, 'utf8').replace(/port = 31431\b/, `port = ${RELAY_PORT}`));
    }
    warden = startWarden(config);
    await waitFor('the warden to elect a writer', 60_000, async () => ((await cluster()).writers.length === 1 ? true : undefined), 100);
  };

  before(async () => {
    sb = await startSandbox(SLOT);
    appPassword = sb.password('app');
    await sb.sql(1, 'CREATE TABLE app.w (id INT AUTO_INCREMENT PRIMARY KEY, seq INT, node VARCHAR(64))');
    relay = new Relay(31431);
    await relay.listen(RELAY_PORT);
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await relay?.close();
    await stopSandbox(sb);
  });

  it('dead: the killed writer is evicted and writes resume through the proxy at once', async () => {
    await start('dead', false);
    assert.deepEqual((await cluster()).writers, ['node1']);
    await writeOnce();
    const uuid1 = await uuidOf(1);
    const killedAt = Date.now();
    sb!.kill(1);
    const node = await writeOnce();
    console.log(`# fencing dead: writer SIGKILL -> first acknowledged write through the proxy on ${node} after ${Date.now() - killedAt} ms`);
    assert.notEqual(node, 'node1');
    await waitFor('the eviction in the decision history', 30_000, async () => ((await decisions()).some((d) => d.findings.some((f) => f.code === 'FENCE_EVICTED' && f.node === 'node1' && /dead/.test(f.message) && /evidence: .*refuses/.test(f.message))) ? true : undefined));
    // the survivors' view without node1, then longer than windowMs (1000 ms) of it: still exactly one eviction
    await waitFor('the survivors to form a view of two', 60_000, async () => ((await clusterSizes([2, 3])).every((n) => n === 2) ? true : undefined), 100);
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await evicted(), [{ node: 'node1', uuid: uuid1, reason: 'dead' }]);
    const e = (await cluster()).fencing!.evictions[0]!;
    const underWay = (await decisions()).flatMap((d) => d.findings).filter((f) => f.code === 'FENCE_SPARED' && f.node === 'node1' && /EVICTING/.test(f.message));
    console.log(`# fencing dead: evicted node1 (${e.uuid}) through ${e.via} from view ${e.view?.confId}, ${e.at - killedAt} ms after the kill; spared as EVICTING (view change under way) in ${underWay.length} recorded tick(s)`);
  });

  it('dead: the node restarting (refusing while it joins) is not evicted, and the evict lists are empty again', async () => {
    const before = await evicted();
    await sb!.start(1);
    await waitFor('the evict lists to be cleared on every node', 60_000, async () => ((await evictLists([1, 2, 3])).every((l) => l === '') ? true : undefined), 200);
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(await evicted(), before, 'the restarting node was evicted');
    assert.equal((await sb!.status()).find((r) => r.index === 1)?.clusterSize, 3);
  });

  it('unresponsive: a frozen writer is evicted once the survivors lost it too; resumed, it is Disconnected and never routed; the restart hook brings it back', async () => {
    await start('unresponsive', true);
    await moveWriterOffNode3();
    const writer = (await cluster()).writers[0]!;
    const index = Number(writer.replace('node', ''));
    assert.notEqual(index, 3, 'node3 is behind the relay in this test');
    const oldUuid = await uuidOf(index);
    await writeOnce();
    const frozenAt = Date.now();
    sb!.freeze(index);
    const node = await writeOnce();
    console.log(`# fencing unresponsive: writer SIGSTOP -> first acknowledged write through the proxy on ${node} after ${Date.now() - frozenAt} ms`);
    assert.notEqual(node, writer);
    await waitFor('the unresponsive eviction', 30_000, async () => ((await decisions()).some((d) => d.findings.some((f) => f.code === 'FENCE_EVICTED' && f.node === writer && /unresponsive/.test(f.message))) ? true : undefined));
    // this warden (started for this test) evicted exactly the frozen writer's incarnation
    assert.deepEqual(await evicted(), [{ node: writer, uuid: oldUuid, reason: 'unresponsive' }]);
    sb!.thaw(index);
    const thawedAt = Date.now();
    let reported = false;
    // until the hook has restarted it: never in a pool; reported as needing a restart
    while (Date.now() - thawedAt < 180_000) {
      const c = await cluster();
      assert.ok(!c.writers.includes(writer) && !c.readers.includes(writer), `${writer} routed ${Date.now() - thawedAt} ms after it resumed`);
      if (c.findings.some((f) => f.code === 'FENCE_NEEDS_RESTART' && f.node === writer)) reported = true;
      if (reported && (await decisions()).some((d) => d.findings.some((f) => f.code === 'FENCE_RESTARTED' && f.node === writer))) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(reported, `${writer} was not reported as needing a restart`);
    // the hook waits for the node's own readiness, retrying a start that raced the view change: wait for it to end
    const hookEnd = await waitFor('the restart hook to finish', 300_000, async () => (await decisions()).flatMap((d) => d.findings)
      .find((f) => f.code === 'FENCE_RESTARTED' && f.node === writer && /restart hook (finished|failed)/.test(f.message)), 500);
    assert.match(hookEnd.message, /restart hook finished/);
    await sb!.waitSynced(index, 120_000);
    assert.notEqual(await uuidOf(index), oldUuid);
    await waitFor('the evict lists to be cleared on every node', 60_000, async () => ((await evictLists([1, 2, 3])).every((l) => l === '') ? true : undefined), 200);
    await waitFor(`${writer} back in the reader pool`, 60_000, async () => ((await cluster()).readers.includes(writer) ? true : undefined), 250);
  });

  it('unresponsive: a non-writer that stops answering the warden for 1.5 s while its peers still hear it is not evicted', async () => {
    await moveWriterOffNode3();
    const c = await cluster();
    assert.ok(!c.writers.includes('node3'));
    const before = await evicted();
    const uuid = await uuidOf(3);
    const lastSeq = Math.max(0, ...(await decisions()).map((d) => d.seq));
    relay!.pause();
    await new Promise((r) => setTimeout(r, 1500));
    relay!.resume();
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await evicted(), before, 'node3 was evicted');
    assert.equal(await uuidOf(3), uuid);
    assert.equal((await evictLists([1, 2])).join(''), '');
    const aborted = (await decisions()).filter((d) => d.seq > lastSeq).flatMap((d) => d.findings).filter((f) => f.code === 'FENCE_EVICT_ABORTED' && f.node === 'node3');
    assert.ok(aborted.some((f) => /still in contact/.test(f.message)), 'the survivors were not asked');
  });

  it('stops cleanly', async () => {
    assert.equal(await warden!.stop('SIGTERM'), 0);
  });
});
