import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { AdminSession } from './admin-session.js';
import type { ProxySqlError } from '../apply/proxysql/admin-client.js';

/** A "wedged" admin interface: accepts TCP, never says a word (what a SIGSTOPped ProxySQL does). */
async function wedgedServer(): Promise<{ port: number; accepted: () => number; open: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    accepted: () => accepted,
    open: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const codeOf = (e: unknown): string => (e as ProxySqlError).code;

describe('AdminSession against a wedged admin interface', () => {
  const servers: Array<{ close: () => Promise<void> }> = [];
  after(async () => { for (const s of servers) await s.close(); });

  it('a call fails with E_PROXYSQL_TIMEOUT by its deadline and leaves no socket open', async () => {
    const w = await wedgedServer();
    servers.push(w);
    const s = new AdminSession({ host: '127.0.0.1', port: w.port, user: 'admin', password: 'admin', backoffMinMs: 50 });
    await assert.rejects(s.query('SELECT 1', 300), (e) => codeOf(e) === 'E_PROXYSQL_TIMEOUT');
    assert.equal(s.state.connected, false);
    assert.equal(s.state.failures, 1);
    // the server sees the socket closed once the client destroyed it
    for (let i = 0; i < 100 && w.open() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(w.open(), 0);
    s.destroy();
  });

  it('a burst of calls opens one connection, fails the rest in line or at once, and never queues more than maxWaiting', async () => {
    const w = await wedgedServer();
    servers.push(w);
    const s = new AdminSession({ host: '127.0.0.1', port: w.port, user: 'admin', password: 'admin', backoffMinMs: 60_000, backoffMaxMs: 60_000, maxWaiting: 4 });
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => s.query('SELECT 1', 400)));
    assert.ok(results.every((r) => r.status === 'rejected'));
    const codes = results.map((r) => codeOf((r).reason));
    // 16 refused at once (line full), 4 admitted: the first times out on the wire; the 3 behind it either time
    // out in line or, if the first failed just before, are refused by the backoff
    assert.ok(codes.every((c) => c === 'E_PROXYSQL_TIMEOUT' || c === 'E_PROXYSQL_CONNECT'), codes.join());
    assert.ok(codes.filter((c) => c === 'E_PROXYSQL_TIMEOUT').length >= 17, codes.join());
    assert.equal(w.accepted(), 1);
    assert.equal(s.state.waiting, 0);
    // within the backoff the next call fails at once without touching the network
    await assert.rejects(s.query('SELECT 1', 5000), (e) => codeOf(e) === 'E_PROXYSQL_CONNECT' && /next attempt in/.test((e as Error).message));
    assert.equal(w.accepted(), 1);
    s.resetBackoff();
    await assert.rejects(s.query('SELECT 1', 200), (e) => codeOf(e) === 'E_PROXYSQL_TIMEOUT');
    assert.equal(w.accepted(), 2);
    s.destroy();
  });

  it('a refused port fails with E_PROXYSQL_CONNECT every time, counts failures, opens nothing; a closed session refuses', async () => {
    const w = await wedgedServer();
    const port = w.port;
    await w.close(); // nothing listens there now
    const s = new AdminSession({ host: '127.0.0.1', port, user: 'admin', password: 'admin', backoffMinMs: 1, backoffMaxMs: 4 });
    for (let i = 0; i < 6; i++) {
      await assert.rejects(s.query('SELECT 1', 1000), (e) => codeOf(e) === 'E_PROXYSQL_CONNECT');
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(s.state.failures, 6);
    assert.equal(s.state.connects, 0);
    s.destroy();
    await assert.rejects(s.query('SELECT 1'), /session closed/);
  });
});
