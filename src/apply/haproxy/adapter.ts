// HAProxy as a router adapter, driven through its runtime API: read `show servers state` -> pure plan ->
// `set server` / `shutdown sessions server` in order (old writer out before the new one is ready) -> read back
// and verify. When a command fails, the state commands already sent are undone in reverse order (the new
// writer leaves ready before the old one returns), so a failed apply never leaves two writers ready.
import type { DesiredRouting } from '../../model/decision.js';
import type { ApplyOutcome, DataPathSignal } from '../../model/tick.js';
import { watchHaproxyErrors } from './error-watch.js';
import type { RouterAdapter } from '../router.js';
import type { HaproxyBackends, HaproxyCommand } from './plan.js';
import { compareTarget, planHaproxy } from './plan.js';
import type { ServerState, SocketAddress } from './runtime-client.js';
import { HaproxyError, RuntimeClient } from './runtime-client.js';

/** The runtime API calls the adapter uses; RuntimeClient, or a test double that fails on cue. */
export interface HaproxyRuntime {
  readonly address: string;
  serversState(backend: string): Promise<ServerState[]>;
  setState(backend: string, server: string, state: 'ready' | 'drain' | 'maint'): Promise<void>;
  shutdownSessions(backend: string, server: string): Promise<void>;
  setHealth?(backend: string, server: string, health: 'up' | 'down'): Promise<void>;
}

export interface HaproxyAdapterOptions {
  socket: SocketAddress;
  backends: HaproxyBackends;
  /** one runtime API command, connect to close */
  timeoutMs?: number;
  /** injected for tests; default a RuntimeClient on `socket` */
  runtime?: HaproxyRuntime;
  /** data-path signals: poll `show stat` this often for error counters that went up (0: never; docs/data-path.md) */
  signalPollMs?: number;
  /**
   * the writer backend's servers are checked against this instance's `/writer/<node>` (the dead-man switch of
   * `[haproxy] wardenCheck`): a server readied as writer gets `health up` at once instead of waiting for `rise`
   */
  forceWriterHealth?: boolean;
}

export class HaproxyAdapter implements RouterAdapter {
  readonly name = 'haproxy';
  readonly runtime: HaproxyRuntime;
  #closed = false;

  constructor(private readonly o: HaproxyAdapterOptions) {
    if (o.backends.writer === o.backends.reader) throw new TypeError(`HAProxy writer and reader backends must differ (both "${o.backends.writer}")`);
    this.runtime = o.runtime ?? new RuntimeClient({ socket: o.socket, timeoutMs: o.timeoutMs ?? 2000 });
  }

  /** Polls HAProxy's per-server error counters (econ, srv_abrt, chkfail); nothing when signalPollMs is 0 or the runtime cannot send. */
  watchDataPath(sink: (s: DataPathSignal) => void): () => void {
    const pollMs = this.o.signalPollMs ?? 0;
    const rt = this.runtime as Partial<RuntimeClient>;
    if (pollMs <= 0 || typeof rt.send !== 'function') return () => undefined;
    const backends = [this.o.backends.writer, ...(this.o.backends.reader ? [this.o.backends.reader] : [])];
    return watchHaproxyErrors({ send: (c) => rt.send!.call(this.runtime, c), backends, pollMs, sink });
  }

  /** Every server of the managed backends as HAProxy reports it. */
  async servers(): Promise<ServerState[]> {
    const out = await this.runtime.serversState(this.o.backends.writer);
    if (this.o.backends.reader) out.push(...(await this.runtime.serversState(this.o.backends.reader)));
    return out;
  }

  async apply(desired: DesiredRouting): Promise<ApplyOutcome> {
    const started = performance.now();
    const outcome = (o: Omit<ApplyOutcome, 'router' | 'durationMs'>): ApplyOutcome => ({ router: this.name, durationMs: performance.now() - started, ...o });
    const done: Extract<HaproxyCommand, { kind: 'state' }>[] = [];
    let actions: string[] = [];
    try {
      if (this.#closed) throw new HaproxyError('E_HAPROXY_CONNECT', `HAProxy ${this.runtime.address}: adapter is closed`);
      const plan = planHaproxy(desired, await this.servers(), this.o.backends);
      actions = plan.actions;
      if (plan.noop) return outcome({ ok: true, changed: false, actions: [] });
      for (const c of plan.commands) {
        if (c.kind === 'state') {
          await this.runtime.setState(c.backend, c.server, c.state);
          done.push(c);
        } else {
          await this.runtime.shutdownSessions(c.backend, c.server);
        }
      }
      if (this.o.forceWriterHealth && this.runtime.setHealth) {
        for (const c of plan.commands) if (c.kind === 'state' && c.state === 'ready' && c.backend === this.o.backends.writer) await this.runtime.setHealth(c.backend, c.server, 'up');
      }
      const mismatch = compareTarget(await this.servers(), plan.target);
      if (mismatch.length > 0) throw new HaproxyError('E_HAPROXY_VERIFY', `HAProxy ${this.runtime.address}: show servers state does not match after apply: ${mismatch.join('; ')}`);
      return outcome({ ok: true, changed: true, actions });
    } catch (err) {
      const e = err instanceof HaproxyError ? err : new HaproxyError('E_HAPROXY_COMMAND', `HAProxy ${this.runtime.address}: ${(err as Error).message}`, { cause: err });
      const undone = await this.#undo(done);
      return outcome({ ok: false, changed: false, actions: [...actions, ...undone], error: { code: e.code, message: e.message } });
    }
  }

  /** Best effort: the state commands sent, reversed (promotions are undone before demotions). */
  async #undo(done: readonly Extract<HaproxyCommand, { kind: 'state' }>[]): Promise<string[]> {
    const lines: string[] = [];
    for (const c of [...done].reverse()) {
      try {
        await this.runtime.setState(c.backend, c.server, c.from);
        lines.push(`undone: ${c.backend}/${c.server} back to ${c.from}`);
      } catch (err) {
        lines.push(`undo failed: ${c.backend}/${c.server}: ${(err as Error).message}`);
        // a later undo would re-admit an old writer while the new one may still be ready: stop here
        break;
      }
    }
    return lines;
  }

  /**
   * The servers ready in the writer backend, by name (= node name); null when HAProxy cannot be read, or when
   * every one of several servers is ready (a HAProxy nobody has driven yet names no writer).
   */
  async currentWriters(): Promise<string[] | null> {
    try {
      const s = await this.runtime.serversState(this.o.backends.writer);
      const ready = s.filter((x) => x.admin === 'ready').map((x) => x.server).sort();
      return s.length > 1 && ready.length === s.length ? null : ready;
    } catch {
      return null;
    }
  }

  /** Nothing is held between applies (one connection per command). */
  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
