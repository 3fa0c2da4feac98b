// Connections opened ahead of the probes (scheduler mode): a probe logs in on its node's socket (one connection,
// the same observation); sockets nobody takes are closed; a node that moved gets no socket and its probe connects
// itself; a refusing or closing node gives the probe the same error as without a socket opened beforehand; a
// socket is handed out once; and nothing stays open.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { Secret } from '../config/secret.js';
import { probeNode } from './node-prober.js';
import { PreopenedSockets } from './preopened-sockets.js';
import type { ProbeOptions } from './probe-options.js';
import type { FakeGaleraState } from './testing/fake-galera-server.js';
import { FakeGaleraServer } from './testing/fake-galera-server.js';

const PASSWORD = 'pr0be-Secret';
const options: ProbeOptions = { user: 'warden', password: new Secret(PASSWORD), connectTimeoutMs: 1000, timeoutMs: 1500 };

const fakes: FakeGaleraServer[] = [];
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
});

async function fake(state: Partial<FakeGaleraState> = {}): Promise<FakeGaleraServer> {
  const f = await FakeGaleraServer.start({ password: PASSWORD, ...state });
  fakes.push(f);
  return f;
}

const spec = (f: { host: string; port: number }, name = 'db1') => ({ name, host: f.host, port: f.port, weight: 1000 });
const using = (p: PreopenedSockets): ProbeOptions => ({ ...options, takeSocket: (host, port) => p.take(host, port) });

/** waits (event loop turns, no time limit of its own: the test runner's) until `cond` holds */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

/** TCP sockets open in this process (the fakes' accepted ones included) */
const openSockets = (): number => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('PreopenedSockets and the probe', () => {
  it('a probe logs in on the socket opened for its node: one connection, the same observation as a probe of its own', async () => {
    const f = await fake();
    const baseline = openSockets();
    const pre = PreopenedSockets.open([{ host: f.host, port: f.port }]);
    await until(() => f.connections === 1);
    const obs = await probeNode(spec(f), using(pre));
    assert.equal(obs.error, undefined, obs.error?.message);
    assert.equal(f.connections, 1, 'no second connection');
    // the probe ends its session with COM_QUIT
    await until(() => f.quits === 1);
    assert.deepEqual(pre.pending, []);
    const own = await probeNode(spec(f), options);
    assert.deepEqual({ ...obs.status }, { ...own.status });
    await until(() => f.openConnections === 0 && openSockets() === baseline);
  });

  it('a socket still connecting is handed out too; each socket once (a second probe connects itself)', async () => {
    const f = await fake();
    const pre = PreopenedSockets.open([{ host: f.host, port: f.port }, { host: f.host, port: f.port }]);
    assert.deepEqual(pre.pending, [`${f.host}:${f.port}`], 'one socket per host:port');
    const [a, b] = await Promise.all([probeNode(spec(f), using(pre)), probeNode(spec(f, 'db1-again'), using(pre))]);
    assert.equal(a.error, undefined, a.error?.message);
    assert.equal(b.error, undefined, b.error?.message);
    assert.equal(f.connections, 2);
    await until(() => f.openConnections === 0);
  });

  it('sockets nobody takes (the node left the topology, or moved) are closed by close(); the moved node is probed on a connection of its own', async () => {
    const before = await fake();
    const moved = await fake();
    const baseline = openSockets();
    const pre = PreopenedSockets.open([{ host: before.host, port: before.port }]);
    await until(() => before.connections === 1);
    // the node now answers at another port: no socket for that address
    const obs = await probeNode(spec(moved), using(pre));
    assert.equal(obs.error, undefined, obs.error?.message);
    assert.equal(moved.connections, 1);
    assert.deepEqual(pre.pending, [`${before.host}:${before.port}`]);
    pre.close();
    assert.deepEqual(pre.pending, []);
    await until(() => before.openConnections === 0 && moved.openConnections === 0 && openSockets() === baseline);
    assert.deepEqual(before.queries, [], 'nothing was sent on the unused socket');
  });

  it('a refusing port: the probe reports what it reports without a socket opened beforehand, whether the refusal came before or after take()', async () => {
    const port = await closedPort();
    const target = { host: '127.0.0.1', port };
    const own = await probeNode(spec(target), options);
    assert.ok(own.error);
    // taken while still connecting: the refusal reaches the probe's session
    const early = await probeNode(spec(target), using(PreopenedSockets.open([target])));
    // refused before take() (given 50 ms to arrive): never handed out, the probe connects itself
    const pre = PreopenedSockets.open([target]);
    await new Promise((r) => setTimeout(r, 50));
    const late = await probeNode(spec(target), using(pre));
    for (const obs of [early, late]) {
      assert.equal(obs.error?.kind, own.error.kind);
      assert.equal(obs.error?.code, own.error.code);
      assert.equal(obs.error?.message, own.error.message);
    }
  });

  it('a node that closes every connection at once: the same error as a probe of its own; the closed socket is not handed out', async () => {
    const f = await fake({ mode: 'close' });
    const own = await probeNode(spec(f), options);
    assert.ok(own.error);
    const pre = PreopenedSockets.open([{ host: f.host, port: f.port }]);
    await until(() => f.connections === 2 && f.openConnections === 0);
    let handed: net.Socket | undefined | null = null;
    const obs = await probeNode(spec(f), { ...options, takeSocket: (h, p) => (handed = pre.take(h, p)) });
    assert.equal(handed, undefined);
    assert.equal(obs.error?.kind, own.error.kind);
    assert.equal(obs.error?.code, own.error.code);
  });

  it('destroy() drops every socket not taken, connected or still connecting', async () => {
    const f = await fake({ mode: 'silent' });
    const baseline = openSockets();
    const pre = PreopenedSockets.open([{ host: f.host, port: f.port }, { host: '127.0.0.1', port: await closedPort() }]);
    pre.destroy();
    assert.deepEqual(pre.pending, []);
    await until(() => f.openConnections === 0 && openSockets() === baseline);
  });
});
