// The built-in proxy (Switchboard's job, the embedded default router): a writer port forwarding to the
// active writer and a reader port balancing over the reader pool. A node that leaves a pool has its
// connections on that port severed at once.
import type { Backend, BackendStats } from './backend-set.js';
import type { ListenerOptions } from './listener.js';
import { ProxyListener } from './listener.js';

export interface BuiltinProxyOptions {
  writer: { host: string; port: number };
  reader?: { host: string; port: number };
  waitForBackendMs: number;
  connectTimeoutMs: number;
  log?: ListenerOptions['log'];
  /** data-path signals of both ports (see ListenerOptions.onSignal) */
  onSignal?: ListenerOptions['onSignal'];
}

export interface ProxyRouting {
  writers: Backend[];
  readers: Backend[];
  /** nodes whose writer-port connections are closed now */
  severWriter: string[];
  /** nodes whose reader-port connections are closed now */
  severReader: string[];
  /** traffic switched off: both ports refuse every new client at once, with this reason */
  refuse?: string;
}

export interface ProxyActual {
  writers: string[];
  readers: string[];
  refusing: boolean;
}

export interface ProxyStats {
  writer: Record<string, BackendStats>;
  reader: Record<string, BackendStats>;
  rejected: number;
}

export class BuiltinProxy {
  readonly writer: ProxyListener;
  readonly reader: ProxyListener | undefined;

  constructor(options: BuiltinProxyOptions) {
    const log = options.log ?? (() => undefined);
    const common = { waitForBackendMs: options.waitForBackendMs, connectTimeoutMs: options.connectTimeoutMs, log, ...(options.onSignal && { onSignal: options.onSignal }) };
    this.writer = new ProxyListener({ role: 'writer', ...options.writer, ...common });
    this.reader = options.reader ? new ProxyListener({ role: 'reader', ...options.reader, ...common }) : undefined;
  }

  async listen(): Promise<{ writer: string; reader?: string }> {
    const w = await this.writer.listen();
    const r = this.reader ? await this.reader.listen() : undefined;
    return { writer: `${w.host}:${w.port}`, ...(r ? { reader: `${r.host}:${r.port}` } : {}) };
  }

  actual(): ProxyActual {
    return {
      writers: this.writer.backends.pool.map((b) => b.name),
      readers: this.reader?.backends.pool.map((b) => b.name) ?? [],
      refusing: this.writer.refusing !== undefined,
    };
  }

  /** Applies the routing; returns how many connections were severed per port and node. */
  route(routing: ProxyRouting): { writer: Record<string, number>; reader: Record<string, number> } {
    this.writer.setRefusing(routing.refuse);
    this.reader?.setRefusing(routing.refuse);
    const writer = this.writer.setBackends(routing.writers, routing.severWriter).severed;
    const reader = this.reader?.setBackends(routing.readers, routing.severReader).severed ?? {};
    return { writer, reader };
  }

  stats(): ProxyStats {
    return {
      writer: this.writer.backends.snapshot(),
      reader: this.reader?.backends.snapshot() ?? {},
      rejected: this.writer.rejected + (this.reader?.rejected ?? 0),
    };
  }

  async close(): Promise<void> {
    await Promise.all([this.writer.close(), this.reader?.close()]);
  }

  async destroy(): Promise<void> {
    await Promise.all([this.writer.destroy(), this.reader?.destroy()]);
  }
}
