// The re-form watch ([run] reformWatchMs, docs/data-path.md): while the latest tick routes no writer and a
// reachable node is outside a Synced Primary component (a killed writer's survivors waiting for Galera's
// suspect timeout), poll those nodes' Galera view on kept sessions, one small statement every few ms, and
// signal the first change (router `galera`, kind `view-change`): the daemon runs a triggered tick at once
// (WardenLoop.triggered, queued like every tick). A signal is never a verdict: only that tick's probes feed
// decide(). After a signal the watch polls no more until a tick that started after it has ended (one signal per
// change, at most one triggered tick of its own queued); it stops, closing its sessions, as soon as a tick
// routes a writer again or no reachable node is outside a Synced Primary, and when the warden stops.
import { WSREP_STATE } from '../model/observation.js';
import type { DataPathSignal, ReformWatchCounters, TickRecord } from '../model/tick.js';
import { parseIndex, parseInteger, toVariableMap } from '../observe/parse-status.js';
import type { TriggerTimers } from './data-path-trigger.js';

/** The three values of a node's Galera view the watch compares. */
export interface GaleraView {
  clusterStatus: string;
  /** wsrep_cluster_conf_id; -1 outside a Primary component */
  confId: number;
  localState: number;
}

/** One kept session of the watch (MysqlSession in the daemon; a fake in the unit tests). */
export interface WatchSession {
  /** resolves once logged in */
  ready: Promise<void>;
  query(sql: string): Promise<unknown[]>;
  close(): void;
  destroy(): void;
}

export interface ReformWatchOptions {
  /** poll period, ms (> 0) */
  everyMs: number;
  /** opens a kept session to node `name` */
  open(name: string): WatchSession;
  /** the data-path trigger's signal() */
  signal(s: DataPathSignal): void;
  timers?: TriggerTimers;
  /** epoch ms for the signal's `at` */
  epochNow?: () => number;
  log?: (level: 'info' | 'debug', msg: string, fields?: Record<string, unknown>) => void;
}

/** One statement, three rows: what the watch reads per node per poll. */
export const VIEW_QUERY = "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_cluster_conf_id','wsrep_local_state')";

/** The rows of VIEW_QUERY as a view, parsed as the probe parses them (parseNodeStatus). */
export function viewOfRows(rows: readonly unknown[]): GaleraView {
  const m = toVariableMap(rows);
  return { clusterStatus: m.get('wsrep_cluster_status') || 'Disconnected', confId: parseIndex(m.get('wsrep_cluster_conf_id')), localState: parseInteger(m.get('wsrep_local_state')) };
}

const sameView = (a: GaleraView, b: GaleraView) => a.clusterStatus === b.clusterStatus && a.confId === b.confId && a.localState === b.localState;
const showView = (v: GaleraView) => `${v.clusterStatus} conf_id ${v.confId} local_state ${v.localState}`;

/**
 * The nodes to watch after tick `t`, with the view its probes saw: every reachable Galera node, but only while
 * the tick routes no writer (and traffic is not switched off: then no writer is routed by choice) and at least
 * one of them is outside a Synced Primary component, that is while a change of Galera's view is what the
 * decision waits for. Empty: the watch is idle.
 */
export function reformWatchTargets(t: TickRecord): Map<string, GaleraView> {
  const out = new Map<string, GaleraView>();
  if (t.desired.writers.length > 0 || t.desired.trafficOff !== undefined) return out;
  let waiting = false;
  for (const n of t.observation.nodes) {
    const s = n.status;
    if (!s || !s.wsrepOn) continue;
    out.set(n.node, { clusterStatus: s.clusterStatus, confId: s.clusterConfId, localState: s.localState });
    if (s.clusterStatus !== 'Primary' || s.localState !== WSREP_STATE.SYNCED) waiting = true;
  }
  return waiting ? out : new Map<string, GaleraView>();
}

interface Watched {
  /** the view the last tick saw, or the last change signalled since */
  baseline: GaleraView;
  session: WatchSession | undefined;
  inFlight: boolean;
}

const REAL_TIMERS: TriggerTimers = {
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class ReformWatch {
  private readonly nodes = new Map<string, Watched>();
  private readonly timers: TriggerTimers;
  private timer: unknown;
  /** a signal went out: no polls until a tick that started after it has ended */
  private paused = false;
  /** epoch ms of the last signal */
  private signalledAt = -Infinity;
  private stopped = false;
  readonly counters: ReformWatchCounters = { starts: 0, polls: 0, signals: 0, sessions: 0 };

  constructor(private readonly o: ReformWatchOptions) {
    if (!(o.everyMs > 0)) throw new RangeError(`reformWatchMs: expected a positive number of milliseconds, got ${o.everyMs}`);
    this.timers = o.timers ?? REAL_TIMERS;
  }

  /** nodes watched now (sorted) */
  watching(): string[] {
    return [...this.nodes.keys()].sort();
  }

  /** After every tick (scheduled or triggered): start, re-aim or stop the watch on what the tick saw. */
  update(t: TickRecord): void {
    if (this.stopped) return;
    const targets = reformWatchTargets(t);
    const wasIdle = this.nodes.size === 0;
    for (const [name, w] of this.nodes) if (!targets.has(name)) this.drop(name, w);
    for (const [name, view] of targets) {
      const w = this.nodes.get(name);
      if (w) w.baseline = view;
      else this.nodes.set(name, { baseline: view, session: undefined, inFlight: false });
    }
    // a tick that started before the signal (it was in flight) does not answer it: stay paused for the one it runs
    if (t.at >= this.signalledAt) this.paused = false;
    if (this.nodes.size === 0) {
      this.clearTimer();
      if (!wasIdle) this.o.log?.('info', 'Galera re-form watch stopped', { seq: t.seq, writers: t.desired.writers });
      return;
    }
    if (wasIdle) {
      this.counters.starts++;
      this.o.log?.('info', `no writer routed and a node outside a Synced Primary: watching ${this.watching().join(', ')} for a Galera view change every ${this.o.everyMs} ms`, { seq: t.seq, nodes: Object.fromEntries(targets) });
    }
    // a session that failed is opened again here only: at most once per tick
    for (const [name, w] of this.nodes) if (!w.session) this.openSession(name, w);
    this.arm();
  }

  /** No more polls or signals; every session closed. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.clearTimer();
    for (const [name, w] of this.nodes) this.drop(name, w);
  }

  private openSession(name: string, w: Watched): void {
    let s: WatchSession;
    try {
      s = this.o.open(name);
    } catch {
      return;
    }
    this.counters.sessions++;
    w.session = s;
    s.ready.catch(() => this.lose(w, s));
  }

  /** A session that failed is dropped; the next tick's update() opens another. */
  private lose(w: Watched, s: WatchSession): void {
    s.destroy();
    if (w.session === s) w.session = undefined;
  }

  private drop(name: string, w: Watched): void {
    this.nodes.delete(name);
    const s = w.session;
    w.session = undefined;
    s?.close();
  }

  private arm(): void {
    if (this.timer !== undefined || this.paused || this.stopped || this.nodes.size === 0) return;
    this.timer = this.timers.set(() => {
      this.timer = undefined;
      this.pollAll();
      this.arm();
    }, this.o.everyMs);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clear(this.timer);
    this.timer = undefined;
  }

  /** One statement per watched node with a session and none in flight. */
  private pollAll(): void {
    if (this.paused || this.stopped) return;
    for (const [name, w] of this.nodes) {
      const s = w.session;
      if (!s || w.inFlight) continue;
      w.inFlight = true;
      this.counters.polls++;
      s.ready
        .then(() => s.query(VIEW_QUERY))
        .then(
          (rows) => this.seen(name, w, s, viewOfRows(rows)),
          () => this.lose(w, s),
        )
        .finally(() => {
          w.inFlight = false;
        });
    }
  }

  private seen(name: string, w: Watched, s: WatchSession, view: GaleraView): void {
    // stopped, paused by another node's change, or this node no longer watched (or on another session)
    if (this.stopped || this.paused || this.nodes.get(name) !== w || w.session !== s) return;
    if (sameView(view, w.baseline)) return;
    const from = w.baseline;
    w.baseline = view;
    this.paused = true;
    this.clearTimer();
    this.counters.signals++;
    this.signalledAt = (this.o.epochNow ?? Date.now)();
    const detail = `${showView(from)} -> ${showView(view)}`;
    this.o.log?.('info', `Galera view change on ${name}: ${detail}: ticking now`, { node: name });
    this.o.signal({ router: 'galera', node: name, kind: 'view-change', at: this.signalledAt, detail });
  }
}
