// The listener's data-path signals: what a backend did that may mean it died, and nothing for the ordinary
// ends of a connection (the client leaving, COM_QUIT, a sever by the warden).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import type { DataPathSignalKind } from '../../model/tick.js';
import { ProxyListener } from './listener.js';

type Behaviour = 'greet' | 'silent';

/** A fake MySQL server: greets (or not); the test reaches its side of each connection. */
async function fakeServer(behaviour: Behaviour) {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    if (behaviour === 'greet') s.write(Buffer.from([5, 0, 0, 0, 10, 1, 2, 3, 4]));
    // answers COM_QUIT as a server does: closes its side
    s.on('data', (d: Buffer) => {
      if (d.length === 5 && d[4] === 1) s.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, sockets, port: (server.address() as net.AddressInfo).port };
}

const freePort = async (): Promise<number> => {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
};

async function listener(connectTimeoutMs = 300) {
  const signals: { node: string; kind: DataPathSignalKind }[] = [];
  const l = new ProxyListener({
    role: 'writer', host: '127.0.0.1', port: 0, waitForBackendMs: 300, connectTimeoutMs, log: () => undefined, refusedRetryMs: 1000,
    onSignal: (node, kind) => signals.push({ node, kind }),
  });
  await l.listen();
  return { l, signals, port: l.address!.port };
}

/** A client through the proxy: resolves once the greeting came through (or the proxy closed it). */
function connect(port: number): Promise<{ sock: net.Socket; greeted: boolean; closed: Promise<void> }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.on('error', () => undefined);
    sock.once('data', () => resolve({ sock, greeted: true, closed }));
    sock.once('close', () => resolve({ sock, greeted: false, closed }));
  });
}

const settle = (ms = 60) => new Promise((r) => setTimeout(r, ms));
const cleanup: (() => Promise<void> | void)[] = [];

describe('built-in proxy: data-path signals', () => {
  after(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('a bridge the server closes (its FIN) or resets signals closed / reset for that node', async () => {
    const srv = await fakeServer('greet');
    const { l, signals, port } = await listener();
    cleanup.push(() => l.destroy(), () => void srv.server.close());
    l.setBackends([{ name: 'node1', host: '127.0.0.1', port: srv.port }], []);
    const a = await connect(port);
    const b = await connect(port);
    assert.ok(a.greeted && b.greeted);
    srv.sockets[0]!.end();
    await a.closed;
    srv.sockets[1]!.resetAndDestroy();
    await b.closed;
    await settle();
    assert.deepEqual(signals, [{ node: 'node1', kind: 'closed' }, { node: 'node1', kind: 'reset' }]);
  });

  it('nothing for the ordinary ends: the client closing first, COM_QUIT answered by the server, a sever', async () => {
    const srv = await fakeServer('greet');
    const { l, signals, port } = await listener();
    cleanup.push(() => l.destroy(), () => void srv.server.close());
    l.setBackends([{ name: 'node1', host: '127.0.0.1', port: srv.port }], []);
    const a = await connect(port);
    a.sock.end();
    await a.closed;
    const q = await connect(port);
    q.sock.write(Buffer.from([1, 0, 0, 0, 1]));
    await q.closed;
    const s = await connect(port);
    l.setBackends([{ name: 'node1', host: '127.0.0.1', port: srv.port }], ['node1']);
    await s.closed;
    await settle();
    assert.deepEqual(signals, []);
  });

  it('a refused connect signals refused; a backend that never greets signals no-greeting', async () => {
    const dead = await freePort();
    const silent = await fakeServer('silent');
    const { l, signals, port } = await listener(100);
    cleanup.push(() => l.destroy(), () => void silent.server.close());
    l.setBackends([{ name: 'node1', host: '127.0.0.1', port: dead }], []);
    const a = await connect(port);
    assert.equal(a.greeted, false);
    assert.deepEqual(signals[0], { node: 'node1', kind: 'refused' });
    signals.length = 0;
    l.setBackends([{ name: 'node2', host: '127.0.0.1', port: silent.port }], []);
    const b = await connect(port);
    assert.equal(b.greeted, false);
    assert.deepEqual(signals[0], { node: 'node2', kind: 'no-greeting' });
  });
});
