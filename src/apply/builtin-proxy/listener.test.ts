import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { ProxyListener } from './listener.js';

/** a loopback port with nothing listening: connecting to it is refused */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('proxy listener: a parked client retried many times', () => {
  it('keeps one close listener on the client however often it retries, and raises no MaxListenersExceeded warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    const logs: string[] = [];
    const l = new ProxyListener({ role: 'writer', host: '127.0.0.1', port: 0, waitForBackendMs: 1500, connectTimeoutMs: 500, refusedRetryMs: 5, log: (_l, m) => logs.push(m) });
    const accepted: net.Socket[] = [];
    // the server side of the client, to count its listeners (the listener keeps its server private)
    (l as unknown as { server: net.Server }).server.on('connection', (s: net.Socket) => accepted.push(s));
    const port = (await l.listen()).port;
    l.setBackends([{ name: 'node1', host: '127.0.0.1', port: await closedPort() }], []);
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => undefined);
    const closed = new Promise<void>((r) => sock.once('close', () => r()));
    try {
      // wait until many refusals have been retried (each retry logs one "refused" line)
      const until = Date.now() + 10_000;
      while (logs.filter((m) => m.includes('refused')).length < 40 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      assert.ok(logs.filter((m) => m.includes('refused')).length >= 40, `expected many retries, got ${logs.length} log lines`);
      const server = accepted[0];
      assert.ok(server, 'the listener accepted the client');
      assert.ok(server.listenerCount('close') <= 3, `close listeners on the parked client: ${server.listenerCount('close')}`);
      await closed;
      assert.ok(logs.some((m) => m.includes('every backend refused for 1500 ms, closing client')), logs.slice(-3).join(' | '));
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(warnings.filter((w) => w === 'MaxListenersExceededWarning'), []);
    } finally {
      process.off('warning', onWarning);
      sock.destroy();
      await l.destroy();
    }
  });
});

describe('proxy listener: traffic switched off', () => {
  it('refuses a new client at once and closes the ones waiting for a backend; accepts again when switched on', async () => {
    const logs: string[] = [];
    // a long wait for a backend: a client closed well before it was refused, not timed out
    const l = new ProxyListener({ role: 'writer', host: '127.0.0.1', port: 0, waitForBackendMs: 60_000, connectTimeoutMs: 500, log: (_l, m) => logs.push(m) });
    const port = (await l.listen()).port;
    const connect = () => {
      const sock = net.connect(port, '127.0.0.1');
      sock.on('error', () => undefined);
      return { sock, closed: new Promise<void>((r) => sock.once('close', () => r())) };
    };
    const parked = connect();
    try {
      await new Promise<void>((r) => parked.sock.once('connect', () => r()));
      l.setRefusing('traffic is disabled by ops: migration');
      await parked.closed;
      const fresh = connect();
      await fresh.closed;
      assert.equal(l.rejected, 2);
      assert.ok(logs.some((m) => m === 'writer port: refusing every client: traffic is disabled by ops: migration'), logs.join(' | '));
      l.setRefusing(undefined);
      const back = connect();
      await new Promise<void>((r) => back.sock.once('connect', () => r()));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(back.sock.destroyed, false, 'a client waits for a backend again');
      back.sock.destroy();
    } finally {
      parked.sock.destroy();
      await l.destroy();
    }
  });
});

/** A backend that accepts and never greets (a process being killed); `die()` closes every connection it took. */
async function dyingBackend(): Promise<{ port: number; accepted: Promise<void>; die(): Promise<void> }> {
  const conns: net.Socket[] = [];
  let onAccept: () => void = () => undefined;
  const accepted = new Promise<void>((r) => (onAccept = r));
  const s = net.createServer((c) => {
    conns.push(c);
    c.on('error', () => undefined);
    onAccept();
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  return {
    port,
    accepted,
    die: async () => {
      for (const c of conns) c.resetAndDestroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

/** A backend that greets every connection with `hello`. */
async function greetingBackend(): Promise<{ port: number; close(): Promise<void> }> {
  const conns: net.Socket[] = [];
  const s = net.createServer((c) => {
    conns.push(c);
    c.on('error', () => undefined);
    c.write('hello');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as net.AddressInfo).port,
    close: async () => {
      for (const c of conns) c.destroy();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}

// docs/data-path.md, "Where the time goes": a client whose connect to the killed writer fails before the pool
// changes must be let through by the route change itself, not by the retry after every backend refused. The
// retry is set to a minute here, far longer than any test runs: a greeting can only come from the release.
describe('proxy listener: a client caught by the writer\'s death is let through by the route change', () => {
  for (const order of ['the dying writer closes, then the pool changes', 'the pool changes, then the dying writer closes'] as const) {
    it(order, async () => {
      const dying = await dyingBackend();
      const live = await greetingBackend();
      const l = new ProxyListener({ role: 'writer', host: '127.0.0.1', port: 0, waitForBackendMs: 60_000, connectTimeoutMs: 60_000, refusedRetryMs: 60_000, log: () => undefined });
      const port = (await l.listen()).port;
      l.setBackends([{ name: 'node1', host: '127.0.0.1', port: dying.port }], []);
      const sock = net.connect(port, '127.0.0.1');
      sock.on('error', () => undefined);
      const greeted = new Promise<string>((r) => sock.once('data', (d) => r(d.toString())));
      try {
        await dying.accepted;
        if (order === 'the dying writer closes, then the pool changes') {
          await dying.die();
          // the client is parked once its connect to node1 failed ('every backend refused')
          const waiting = (l as unknown as { waiting: Map<unknown, unknown> }).waiting;
          while (waiting.size === 0) await new Promise((r) => setTimeout(r, 5));
          l.setBackends([{ name: 'node2', host: '127.0.0.1', port: live.port }], ['node1']);
        } else {
          l.setBackends([{ name: 'node2', host: '127.0.0.1', port: live.port }], ['node1']);
          await dying.die();
        }
        assert.equal(await greeted, 'hello');
      } finally {
        sock.destroy();
        await l.destroy();
        await live.close();
      }
    });
  }
});

describe('proxy listener: a connect waiting for the greeting of a backend that left the pool', () => {
  it('is given up when the route moves: the client lands on the new writer, and no data-path signal is raised', async () => {
    // node1 accepts and never greets nor closes (frozen, or killed but its sockets not yet closed); the greeting
    // timeout is a minute, so only giving the connect up can bring the client to node2
    const frozen = await dyingBackend();
    const live = await greetingBackend();
    const signals: string[] = [];
    const l = new ProxyListener({
      role: 'writer', host: '127.0.0.1', port: 0, waitForBackendMs: 60_000, connectTimeoutMs: 60_000, refusedRetryMs: 60_000, log: () => undefined,
      onSignal: (node, kind) => signals.push(`${node} ${kind}`),
    });
    const port = (await l.listen()).port;
    l.setBackends([{ name: 'node1', host: '127.0.0.1', port: frozen.port }], []);
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', () => undefined);
    const greeted = new Promise<string>((r) => sock.once('data', (d) => r(d.toString())));
    try {
      await frozen.accepted;
      // no writer for a moment, then node2: the client waits for the pool, then is let through
      l.setBackends([], ['node1']);
      l.setBackends([{ name: 'node2', host: '127.0.0.1', port: live.port }], ['node1']);
      assert.equal(await greeted, 'hello');
      assert.deepEqual(signals, []);
      assert.equal(l.backends.statsOf('node2').sessions, 1);
    } finally {
      sock.destroy();
      await l.destroy();
      await live.close();
      await frozen.die();
    }
  });
});
