// Probes one node, never throwing: every failure becomes a NodeObservation with an error. Each probe
// runs under a hard deadline that destroys the socket, so a frozen node costs at most timeoutMs.
// With reuseConnection, a live session is kept between probes and replaced when it fails; the server ending
// it between probes (its process died) is reported at once to `onSessionLost` (a data-path signal).
import type { NodeSpec } from '../model/node.js';
import type { NodeObservation, NodeStatus, ProbeError } from '../model/observation.js';
import type { ProbePhase, ProbeTarget } from './classify-error.js';
import { classifyError, timeoutError } from './classify-error.js';
import { Deadline, DeadlineExceeded } from './deadline.js';
import { MysqlSession, probeSessionOptions } from './mysql-session.js';
import type { ProbeOptions } from './probe-options.js';
import { GRANTS_RECHECK_MS, readGrants } from './read-grants.js';
import { readNodeStatus } from './read-node-status.js';
import { readReplicationStatus } from './read-replication-status.js';
import { monotonicMs } from '../model/monotonic.js';

const round1 = (ms: number) => Math.round(ms * 10) / 10;

/**
 * A new connection the node accepted and then reset or closed before the login completed (a reset that comes
 * before Node saw the connect complete is reported as `connect ECONNRESET`: a port with no listener gives
 * ECONNREFUSED instead).
 */
function endedBeforeLogin(err: unknown, session: MysqlSession): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return !session.loggedIn && (code === 'ECONNRESET' || code === 'EPIPE' || code === 'PROTOCOL_CONNECTION_LOST');
}

/** A session-level failure (as opposed to a server error for one statement). */
function isFatal(err: unknown): boolean {
  return (err as { fatal?: unknown } | undefined)?.fatal === true;
}

export class NodeProber {
  readonly spec: Readonly<NodeSpec>;
  readonly #options: ProbeOptions;
  #live: MysqlSession | undefined;
  #current: MysqlSession | undefined;
  #inFlight: Promise<NodeObservation> | undefined;
  #closed = false;
  /** when the grants were last read, and whether the last probe failed (the next session is a reconnect) */
  #grantsAt: number | undefined;
  #failed = false;
  /** told when the server ends the kept session between two probes */
  onSessionLost: ((node: string, reset: boolean) => void) | undefined;

  constructor(spec: Readonly<NodeSpec>, options: ProbeOptions) {
    this.spec = spec;
    this.#options = options;
  }

  /**
   * Probes the node; a call while a probe runs shares that probe. Never rejects. `since`: the moment
   * (monotonicMs()) the probe's deadline counts from, default now; a cluster tick passes its own start, so
   * that timeoutMs bounds the whole tick however long starting hundreds of probes takes.
   */
  probe(since?: number): Promise<NodeObservation> {
    this.#inFlight ??= this.#run(since).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /**
   * Lends the kept session (reuseConnection) for a few statements between probes, e.g. the fencer's evict
   * statement: undefined when there is none usable or a probe is running. While lent, a probe opens its own;
   * `release(true)` keeps it for the next probe if it is still usable, `release(false)` drops it.
   */
  lend(): { session: MysqlSession; release(keep: boolean): void } | undefined {
    const session = this.#live;
    if (session === undefined || !session.usable || this.#inFlight !== undefined || this.#closed) return undefined;
    this.#live = undefined;
    session.onLost(undefined);
    let released = false;
    return {
      session,
      release: (keep) => {
        if (released) return;
        released = true;
        if (keep && session.usable && !this.#closed && this.#live === undefined) {
          this.#live = session;
          session.onLost((reset) => this.onSessionLost?.(this.spec.name, reset));
        } else if (keep) session.close();
        else session.destroy();
      },
    };
  }

  /** Lets a running probe finish, then drops the kept connection (politely). */
  close(): void {
    this.#closed = true;
    this.#live?.close();
    this.#live = undefined;
  }

  /** Drops every connection at once; a running probe ends with an error. */
  destroy(): void {
    this.#closed = true;
    this.#live?.destroy('the prober was destroyed');
    this.#current?.destroy('the prober was destroyed');
    this.#live = undefined;
  }

  /** On a fresh session with fencing on: at start, after every reconnect, and (new connection per probe) every GRANTS_RECHECK_MS. */
  #grantsDue(): boolean {
    if (this.#options.checkGrants !== true) return false;
    if (this.#grantsAt === undefined || this.#failed || this.#options.reuseConnection === true) return true;
    return Date.now() - this.#grantsAt >= GRANTS_RECHECK_MS;
  }

  #open(): MysqlSession {
    const o = this.#options;
    const session = new MysqlSession(this.spec, probeSessionOptions(o, { keepAlive: o.reuseConnection === true }));
    this.#current = session;
    return session;
  }

  async #run(since: number | undefined): Promise<NodeObservation> {
    const { name, host, port } = this.spec;
    const target: ProbeTarget = { node: name, host, port };
    const at = Date.now();
    const started = monotonicMs();
    let phase: ProbePhase = 'connect';
    let session: MysqlSession | undefined;
    const left = since === undefined ? this.#options.timeoutMs : Math.max(1, this.#options.timeoutMs - (started - since));
    const deadline = new Deadline(left, () => session?.destroy());
    const observe = (result: { status: NodeStatus } | { error: ProbeError }): NodeObservation => ({
      node: name,
      host,
      port,
      at,
      latencyMs: round1(monotonicMs() - started),
      ...result,
    });
    const attempt = async (s: MysqlSession): Promise<NodeStatus> => {
      phase = 'connect';
      await deadline.race(s.ready);
      const status = await readNodeStatus(s, deadline, (p) => (phase = p));
      if (this.#options.replication !== true) return status;
      phase = 'replication query';
      return { ...status, replication: await readReplicationStatus(s, deadline) };
    };
    try {
      if (this.#closed) throw Object.assign(new Error('the prober is closed'), { code: 'PROBER_CLOSED' });
      const reused = this.#live?.usable === true;
      this.#live?.onLost(undefined);
      session = reused ? this.#live! : this.#open();
      this.#live = undefined;
      let status: NodeStatus | undefined;
      let fresh = !reused;
      const kept = reused ? session : undefined;
      for (let retries = 0; status === undefined; retries++) {
        try {
          status = await attempt(session);
        } catch (err) {
          // A kept connection may have died since the last probe (wait_timeout, ALL_KILL): retry, fresh. A new
          // connection the node accepted and then ended before the login completed: its process is exiting (the
          // kernel resets what its listening socket had queued) or it turns connections away; retry at once, so
          // that a node that is gone reads as its port does a moment later ('refused'), not as 'unreachable'.
          const again = (session === kept && isFatal(err)) || endedBeforeLogin(err, session);
          if (!again || retries >= (kept ? 2 : 1) || deadline.passed) throw err;
          session.destroy();
          session = this.#open();
          fresh = true;
        }
      }
      if (fresh && this.#grantsDue()) {
        const grants = await readGrants(session, deadline);
        if (grants !== undefined) {
          status = { ...status, grants };
          this.#grantsAt = Date.now();
        }
      }
      this.#failed = false;
      const result = observe({ status });
      if (this.#options.reuseConnection && !this.#closed && session.usable) {
        this.#live = session;
        session.onLost((reset) => this.onSessionLost?.(name, reset));
      } else session.close();
      return result;
    } catch (err) {
      this.#failed = true;
      session?.destroy();
      if (phase === 'connect' && session?.tcpConnected) phase = 'login';
      const error =
        err instanceof DeadlineExceeded
          ? timeoutError(target, phase, this.#options.timeoutMs)
          : classifyError(err, target, phase, this.#options.password.reveal());
      return observe({ error });
    } finally {
      deadline.clear();
      this.#current = undefined;
    }
  }
}

/** Probes one node on a connection of its own, closed afterwards. Never rejects. `since`: as NodeProber.probe. */
export function probeNode(spec: Readonly<NodeSpec>, options: ProbeOptions, since?: number): Promise<NodeObservation> {
  return new NodeProber(spec, { ...options, reuseConnection: false }).probe(since);
}
