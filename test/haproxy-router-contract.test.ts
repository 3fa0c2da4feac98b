// The shared router contract, run against a real HAProxy driven through its runtime API (no sandbox: the
// servers point at closed loopback ports and have no checks; only the admin states matter here).
import { describe, it } from 'node:test';
import { HaproxyAdapter } from '../src/apply/haproxy/adapter.js';
import type { HaproxyRuntime } from '../src/apply/haproxy/adapter.js';
import { RuntimeClient } from '../src/apply/haproxy/runtime-client.js';
import { HaproxyError } from '../src/apply/haproxy/runtime-client.js';
import type { DesiredRouting } from '../src/model/decision.js';
import { routerContract } from '../src/apply/router-contract.js';
import { haproxyMissing, startHaproxy } from './support/haproxy-process.js';

const missing = haproxyMissing();
const B = { writer: 'galera_writer', reader: 'galera_reader' };
const nodes = ['node1', 'node2', 'node3'].map((name, i) => ({ name, host: '127.0.0.1', port: 30191 + i }));

const cfg = (socket: string): string => [
  'global', `  stats socket ${socket} level admin`,
  'defaults', '  mode tcp', '  timeout connect 2s', '  timeout client 30s', '  timeout server 30s',
  ...[B.writer, B.reader].flatMap((be) => [`backend ${be}`, ...nodes.map((n) => `  server ${n.name} ${n.host}:${n.port}`)]),
  '',
].join('\n');

/** A runtime that fails the next `set server` after the first one, once. */
class FaultyRuntime implements HaproxyRuntime {
  failAfter: number | undefined;
  constructor(private readonly inner: RuntimeClient) {}
  get address(): string { return this.inner.address; }
  serversState(b: string) { return this.inner.serversState(b); }
  shutdownSessions(b: string, s: string) { return this.inner.shutdownSessions(b, s); }
  async setState(b: string, s: string, st: 'ready' | 'drain' | 'maint'): Promise<void> {
    if (this.failAfter !== undefined && this.failAfter-- === 0) {
      this.failAfter = undefined;
      throw new HaproxyError('E_HAPROXY_TIMEOUT', `HAProxy ${this.address}: injected timeout on set server ${b}/${s}`);
    }
    await this.inner.setState(b, s, st);
  }
}

if (missing) {
  describe('router contract: HAProxy', () => { it('needs HAProxy', (t) => t.skip(missing)); });
} else {
  routerContract('HAProxy (real, runtime API)', async () => {
    const hx = await startHaproxy(cfg);
    const runtime = new FaultyRuntime(new RuntimeClient({ socket: { path: hx.socket }, timeoutMs: 2000 }));
    const adapter = new HaproxyAdapter({ socket: { path: hx.socket }, backends: B, runtime });
    const ready = async (be: string) => (await adapter.servers()).filter((s) => s.backend === be && s.admin === 'ready').map((s) => s.server);
    return {
      adapter,
      nodes,
      actual: async () => ({ writers: await ready(B.writer), readers: await ready(B.reader) }),
      breakNextApply: (d: DesiredRouting) => {
        runtime.failAfter = 1; // the first set server passes, the second fails: the adapter must undo the first
        return d;
      },
      close: async () => {
        await adapter.destroy();
        await hx.stop();
      },
    };
  });
}
