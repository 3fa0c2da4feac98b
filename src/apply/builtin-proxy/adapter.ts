// The built-in proxy as a router adapter: the pools it routes to follow the decision, and the
// connections of a node the decision severs are closed in the same step.
import type { DesiredRouting } from '../../model/decision.js';
import type { ApplyOutcome, DataPathSignal, ProxyStatsSnapshot } from '../../model/tick.js';
import type { RouterAdapter } from '../router.js';
import type { BuiltinProxyOptions } from './builtin-proxy.js';
import { BuiltinProxy } from './builtin-proxy.js';
import { planProxy } from './plan.js';

export class BuiltinProxyAdapter implements RouterAdapter {
  readonly name = 'builtin';
  readonly proxy: BuiltinProxy;
  private endpoints: { writer?: string; reader?: string } = {};
  private sink: ((s: DataPathSignal) => void) | undefined;

  constructor(options: Omit<BuiltinProxyOptions, 'onSignal'>) {
    this.proxy = new BuiltinProxy({ ...options, onSignal: (node, kind, detail) => this.sink?.({ router: this.name, node, kind, at: Date.now(), detail }) });
  }

  /** Data-path signals as they happen (a bridge reset or closed by the server, a refused connect, no greeting). */
  watchDataPath(sink: (s: DataPathSignal) => void): () => void {
    this.sink = sink;
    return () => {
      if (this.sink === sink) this.sink = undefined;
    };
  }

  async listen(): Promise<{ writer: string; reader?: string }> {
    this.endpoints = await this.proxy.listen();
    return this.endpoints as { writer: string; reader?: string };
  }

  async apply(desired: DesiredRouting): Promise<ApplyOutcome> {
    const started = performance.now();
    try {
      const actual = this.proxy.actual();
      const stats = this.proxy.stats();
      const connected = (port: 'writer' | 'reader', node: string) => (stats[port][node]?.sessions ?? 0) > 0;
      const plan = planProxy(actual, desired, connected);
      if (plan.noop) return { router: this.name, ok: true, changed: false, durationMs: performance.now() - started, actions: [] };
      const severed = this.proxy.route(plan);
      const after = this.proxy.actual();
      const ok = after.writers.join() === desired.writers.join() && after.readers.join() === desired.readers.join() && after.refusing === (desired.trafficOff !== undefined);
      const merged: Record<string, number> = {};
      for (const [k, v] of [...Object.entries(severed.writer), ...Object.entries(severed.reader)]) merged[k] = (merged[k] ?? 0) + v;
      return { router: this.name, ok, changed: true, durationMs: performance.now() - started, severed: merged, actions: plan.actions };
    } catch (err) {
      return {
        router: this.name, ok: false, changed: false, durationMs: performance.now() - started, actions: [],
        error: { code: 'E_APPLY_BUILTIN', message: `built-in proxy: ${(err as Error).message}` },
      };
    }
  }

  /** The writer pool as routed now: empty when the process just started, since the proxy keeps no state across restarts. */
  async currentWriters(): Promise<string[]> {
    return [...this.proxy.actual().writers];
  }

  stats(): ProxyStatsSnapshot {
    return { ...this.proxy.stats(), endpoints: this.endpoints };
  }

  async close(): Promise<void> {
    await this.proxy.close();
  }

  async destroy(): Promise<void> {
    await this.proxy.destroy();
  }
}
