// Turns data-path signals (a router saw a reset, a refused connect, a missing greeting) into out-of-band
// ticks, without letting a storm of them become a storm of probes. Per node: at most one triggered tick in
// flight; signals that arrive while it runs are absorbed by it; a signal that arrives after it ended but
// within `floorMs` of its start waits for the floor's end, and all such signals then start one tick together.
// A signal is only a reason to probe now: the tick's probes and decide() judge the node.
import type { DataPathSignal, TriggerCounters } from '../model/tick.js';

export interface TriggerTimers {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export interface DataPathTriggerOptions {
  /** the least time between the starts of two triggered ticks for one node */
  floorMs: number;
  /** runs one triggered tick for `node`; `coalesced`: later signals of the node it absorbed so far */
  run(node: string, signals: DataPathSignal[], coalesced: () => number): Promise<void>;
  timers?: TriggerTimers;
}

interface NodeState {
  inFlight: boolean;
  /** start of the last triggered tick of this node */
  lastStart: number;
  /** signals waiting for the floor to pass */
  waiting: DataPathSignal[];
  timer: unknown;
  /** signals absorbed by the tick in flight */
  absorbed: number;
}

const REAL_TIMERS: TriggerTimers = {
  now: () => performance.now(),
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class DataPathTrigger {
  private readonly nodes = new Map<string, NodeState>();
  private readonly timers: TriggerTimers;
  private stopped = false;
  readonly counters: TriggerCounters = { signals: 0, ticks: 0, coalesced: 0 };

  constructor(private readonly o: DataPathTriggerOptions) {
    this.timers = o.timers ?? REAL_TIMERS;
  }

  signal(s: DataPathSignal): void {
    if (this.stopped) return;
    this.counters.signals++;
    const st = this.state(s.node);
    if (st.inFlight) {
      st.absorbed++;
      this.counters.coalesced++;
      return;
    }
    if (st.timer !== undefined) {
      st.waiting.push(s);
      this.counters.coalesced++;
      return;
    }
    const wait = st.lastStart + this.o.floorMs - this.timers.now();
    if (wait > 0) {
      st.waiting.push(s);
      st.timer = this.timers.set(() => this.fire(s.node), wait);
      return;
    }
    this.start(s.node, [s]);
  }

  /** No more triggered ticks; pending ones are dropped. */
  stop(): void {
    this.stopped = true;
    for (const st of this.nodes.values()) {
      if (st.timer !== undefined) this.timers.clear(st.timer);
      st.timer = undefined;
      st.waiting = [];
    }
  }

  private state(node: string): NodeState {
    let st = this.nodes.get(node);
    if (!st) this.nodes.set(node, (st = { inFlight: false, lastStart: -Infinity, waiting: [], timer: undefined, absorbed: 0 }));
    return st;
  }

  private fire(node: string): void {
    const st = this.state(node);
    st.timer = undefined;
    const signals = st.waiting;
    st.waiting = [];
    if (!this.stopped && signals.length > 0) this.start(node, signals);
  }

  private start(node: string, signals: DataPathSignal[]): void {
    const st = this.state(node);
    st.inFlight = true;
    st.absorbed = 0;
    st.lastStart = this.timers.now();
    this.counters.ticks++;
    void this.o.run(node, signals.slice(0, 8), () => st.absorbed + Math.max(0, signals.length - 8))
      .catch(() => undefined)
      .finally(() => {
        st.inFlight = false;
      });
  }
}
