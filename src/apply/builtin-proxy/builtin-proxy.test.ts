import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Backend } from './backend-set.js';
import { BuiltinProxy } from './builtin-proxy.js';

/** A backend that greets each client with its name (like a MySQL server speaking first) and echoes. */
async function namedServer(name: string): Promise<{ backend: Backend; server: net.Server; sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.write(`hello from ${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return { backend: { name, host: '127.0.0.1', port }, server, sockets };
}

function client(port: number): Promise<{ sock: net.Socket; greeting: string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    sock.once('error', reject);
    sock.once('data', (d) => resolve({ sock, greeting: String(d).trim(), closed }));
  });
}

const roundTrip = (sock: net.Socket, text: string) =>
  new Promise<string>((resolve) => {
    sock.once('data', (d) => resolve(String(d)));
    sock.write(text);
  });

describe('built-in proxy', () => {
  const servers: Awaited<ReturnType<typeof namedServer>>[] = [];
  let proxy: BuiltinProxy;
  let wport = 0;
  let rport = 0;
  const logs: string[] = [];

  before(async () => {
    for (const n of ['node1', 'node2', 'node3']) servers.push(await namedServer(n));
    proxy = new BuiltinProxy({
      writer: { host: '127.0.0.1', port: 0 },
      reader: { host: '127.0.0.1', port: 0 },
      waitForBackendMs: 400,
      connectTimeoutMs: 500,
      log: (_l, msg) => logs.push(msg),
    });
    await proxy.listen();
    wport = proxy.writer.address!.port;
    rport = proxy.reader!.address!.port;
  });
  after(async () => {
    await proxy.destroy();
    for (const s of servers) {
      for (const sock of s.sockets) sock.destroy();
      s.server.close();
    }
  });
  const b = (i: number) => servers[i]!.backend;

  it('forwards writer-port bytes both ways to the active writer', async () => {
    proxy.route({ writers: [b(0)], readers: [b(1), b(2)], severWriter: [], severReader: [] });
    const c = await client(wport);
    assert.equal(c.greeting, 'hello from node1');
    assert.equal(await roundTrip(c.sock, 'ping'), 'ping');
    const open = proxy.stats().writer.node1;
    assert.equal(open?.sessions, 1);
    // 'hello from node1\n' (17 bytes) + the echoed 'ping' went out; 'ping' came in
    assert.deepEqual([open?.bytesIn, open?.bytesOut], [4, 21]);
    c.sock.destroy();
    await c.closed;
    await new Promise((r) => setTimeout(r, 20));
    const closed = proxy.stats().writer.node1;
    assert.deepEqual([closed?.sessions, closed?.bytesIn, closed?.bytesOut], [0, 4, 21]);
  });

  it('severs every writer connection to a demoted writer at once, and sends new ones to the new writer', async () => {
    proxy.route({ writers: [b(0)], readers: [b(1), b(2)], severWriter: [], severReader: [] });
    const c1 = await client(wport);
    const c2 = await client(wport);
    assert.equal(c1.greeting, 'hello from node1');
    const severed = proxy.route({ writers: [b(1)], readers: [b(2)], severWriter: ['node1'], severReader: [] });
    assert.deepEqual(severed.writer, { node1: 2 });
    await Promise.all([c1.closed, c2.closed]);
    const c3 = await client(wport);
    assert.equal(c3.greeting, 'hello from node2');
    c3.sock.destroy();
  });

  it('leaves reader-port connections alone when only the writer changes', async () => {
    proxy.route({ writers: [b(1)], readers: [b(2)], severWriter: [], severReader: [] });
    const r = await client(rport);
    assert.equal(r.greeting, 'hello from node3');
    const severed = proxy.route({ writers: [b(2)], readers: [b(2)], severWriter: ['node2'], severReader: [] });
    assert.deepEqual(severed.reader, {});
    assert.equal(await roundTrip(r.sock, 'still here'), 'still here');
    r.sock.destroy();
  });

  it('drains (keeps) the connections of a node that leaves a pool without being severed', async () => {
    proxy.route({ writers: [b(0)], readers: [b(1)], severWriter: [], severReader: [] });
    const r = await client(rport);
    assert.equal(r.greeting, 'hello from node2');
    const severed = proxy.route({ writers: [b(0)], readers: [b(2)], severWriter: [], severReader: [] });
    assert.deepEqual(severed.reader, {});
    assert.equal(await roundTrip(r.sock, 'draining'), 'draining');
    const next = await client(rport);
    assert.equal(next.greeting, 'hello from node3');
    r.sock.destroy();
    next.sock.destroy();
  });

  it('balances the reader port round robin over the pool', async () => {
    proxy.route({ writers: [b(0)], readers: [b(1), b(2)], severWriter: [], severReader: [] });
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      const c = await client(rport);
      seen.push(c.greeting);
      c.sock.destroy();
    }
    assert.deepEqual(seen.sort(), ['hello from node2', 'hello from node2', 'hello from node3', 'hello from node3']);
  });

  it('holds a client while no writer is eligible and connects it when one appears', async () => {
    proxy.route({ writers: [], readers: [], severWriter: [], severReader: [] });
    const started = Date.now();
    const pending = client(wport);
    setTimeout(() => proxy.route({ writers: [b(2)], readers: [], severWriter: [], severReader: [] }), 150);
    const c = await pending;
    assert.equal(c.greeting, 'hello from node3');
    assert.ok(Date.now() - started >= 140);
    c.sock.destroy();
  });

  it('closes a waiting client after waitForBackendMs and logs why', async () => {
    proxy.route({ writers: [], readers: [], severWriter: [], severReader: [] });
    const sock = net.connect(wport, '127.0.0.1');
    const started = Date.now();
    await new Promise<void>((r) => sock.once('close', () => r()));
    const waited = Date.now() - started;
    assert.ok(waited >= 350, `waited ${waited} ms`);
    assert.ok(logs.some((l) => l.includes('no eligible writer for 400 ms')));
  });

  it('holds a client whose only writer refuses (killed, not yet demoted) until the pool changes', async () => {
    const dead: Backend = { name: 'dead', host: '127.0.0.1', port: 1 };
    proxy.route({ writers: [dead], readers: [], severWriter: [], severReader: [] });
    const pending = client(wport);
    setTimeout(() => proxy.route({ writers: [b(1)], readers: [], severWriter: [], severReader: [] }), 120);
    const c = await pending;
    assert.equal(c.greeting, 'hello from node2');
    c.sock.destroy();
  });

  it('skips a backend that accepts but never greets (frozen) or closes before its greeting (dying)', async () => {
    const held: net.Socket[] = [];
    const silent = net.createServer((sock) => held.push(sock));
    const closing = net.createServer((sock) => sock.destroy());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    await new Promise<void>((r) => closing.listen(0, '127.0.0.1', r));
    const frozen: Backend = { name: 'frozen', host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port };
    const dying: Backend = { name: 'dying', host: '127.0.0.1', port: (closing.address() as net.AddressInfo).port };
    proxy.route({ writers: [b(0)], readers: [frozen, dying, b(2)], severWriter: [], severReader: [] });
    const started = Date.now();
    const c = await client(rport);
    assert.equal(c.greeting, 'hello from node3');
    console.log(`# reader reached past a frozen and a dying backend in ${Date.now() - started} ms`);
    assert.ok(logs.some((l) => l.includes('frozen') && l.includes('did not greet within 500 ms')));
    assert.ok(logs.some((l) => l.includes('dying') && l.includes('closed the connection before its greeting')));
    c.sock.destroy();
    for (const h of held) h.destroy();
    silent.close();
    closing.close();
  });

  it('skips a reader backend that refuses and uses the next', async () => {
    const dead: Backend = { name: 'dead', host: '127.0.0.1', port: 1 };
    proxy.route({ writers: [b(0)], readers: [dead, b(1)], severWriter: [], severReader: [] });
    for (let i = 0; i < 2; i++) {
      const c = await client(rport);
      assert.equal(c.greeting, 'hello from node2');
      c.sock.destroy();
    }
  });
});
