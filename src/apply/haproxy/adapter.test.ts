import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routing } from '../router-contract.js';
import { HaproxyAdapter } from './adapter.js';
import type { HaproxyRuntime } from './adapter.js';
import type { AdminState, ServerState } from './runtime-client.js';

const B = { writer: 'w', reader: 'r' };
const nodes = ['n1', 'n2', 'n3'].map((name) => ({ name, host: '127.0.0.1', port: 3306 }));

/** In-memory HAProxy; `ignore` drops set server commands silently (a runtime that does not take them). */
class MemoryRuntime implements HaproxyRuntime {
  readonly address = 'memory';
  ignore = false;
  readonly sent: string[] = [];
  constructor(readonly states: ServerState[]) {}
  serversState(b: string): Promise<ServerState[]> {
    return Promise.resolve(this.states.filter((s) => s.backend === b).map((s) => ({ ...s })));
  }
  setState(b: string, srv: string, st: AdminState): Promise<void> {
    this.sent.push(`${b}/${srv} ${st}`);
    const s = this.states.find((x) => x.backend === b && x.server === srv);
    if (s && !this.ignore) s.admin = st;
    return Promise.resolve();
  }
  shutdownSessions(b: string, srv: string): Promise<void> {
    this.sent.push(`${b}/${srv} shutdown`);
    return Promise.resolve();
  }
  setHealth(b: string, srv: string, h: 'up' | 'down'): Promise<void> {
    this.sent.push(`${b}/${srv} health ${h}`);
    return Promise.resolve();
  }
}
const fresh = (): ServerState[] => ['w', 'r'].flatMap((backend) => ['n1', 'n2', 'n3'].map((server) => ({ backend, server, address: '127.0.0.1', port: 3306, opState: 2, adminFlags: 0, admin: 'ready' })));

describe('HaproxyAdapter', () => {
  it('forceWriterHealth: a server readied in the writer backend is forced health up after it is ready, nothing else is', async () => {
    const rt = new MemoryRuntime(fresh());
    const a = new HaproxyAdapter({ socket: { path: '/nonexistent' }, backends: B, runtime: rt, forceWriterHealth: true });
    assert.equal((await a.apply(routing(nodes, { writers: ['n2'], readers: ['n1', 'n2', 'n3'] }))).ok, true);
    assert.deepEqual(rt.sent.filter((x) => x.includes('health')), []);
    assert.equal((await a.apply(routing(nodes, { writers: ['n3'], readers: ['n1', 'n2', 'n3'] }))).ok, true);
    const health = rt.sent.indexOf('w/n3 health up');
    assert.ok(health > rt.sent.indexOf('w/n3 ready') && rt.sent.indexOf('w/n3 ready') >= 0, rt.sent.join('; '));
    assert.deepEqual(rt.sent.filter((x) => x.includes('health')), ['w/n3 health up']);
    const plain = new MemoryRuntime(fresh());
    await new HaproxyAdapter({ socket: { path: '/nonexistent' }, backends: B, runtime: plain }).apply(routing(nodes, { writers: ['n1'], readers: ['n1'] }));
    await new HaproxyAdapter({ socket: { path: '/nonexistent' }, backends: B, runtime: plain }).apply(routing(nodes, { writers: ['n2'], readers: ['n1'] }));
    assert.deepEqual(plain.sent.filter((x) => x.includes('health')), []);
  });

  it('currentWriters: none known on a HAProxy nobody drove (all ready), the ready ones once driven', async () => {
    const rt = new MemoryRuntime(fresh());
    const a = new HaproxyAdapter({ socket: { path: '/nonexistent' }, backends: B, runtime: rt });
    assert.equal(await a.currentWriters(), null);
    const out = await a.apply(routing(nodes, { writers: ['n2'], readers: ['n1', 'n2', 'n3'] }));
    assert.equal(out.ok, true);
    assert.deepEqual(await a.currentWriters(), ['n2']);
  });
  it('a runtime that does not take the commands fails verification with E_HAPROXY_VERIFY', async () => {
    const rt = new MemoryRuntime(fresh());
    rt.ignore = true;
    const a = new HaproxyAdapter({ socket: { path: '/nonexistent' }, backends: B, runtime: rt });
    const out = await a.apply(routing(nodes, { writers: ['n1'], readers: ['n1'] }));
    assert.equal(out.ok, false);
    assert.equal(out.error?.code, 'E_HAPROXY_VERIFY');
    assert.match(out.error?.message ?? '', /w\/n2: ready, expected maint/);
  });
  it('an unreachable socket is an outcome with E_HAPROXY_CONNECT, not a throw', async () => {
    const a = new HaproxyAdapter({ socket: { path: '/nonexistent/admin.sock' }, backends: B });
    const out = await a.apply(routing(nodes, { writers: ['n1'], readers: ['n1'] }));
    assert.equal(out.ok, false);
    assert.equal(out.error?.code, 'E_HAPROXY_CONNECT');
    assert.equal(await a.currentWriters(), null);
  });
});
