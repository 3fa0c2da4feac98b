// The audit log of the loop: the last tick, and a longer history of the ticks that changed something
// (role changes, a new set of findings, an apply that acted or failed). The report layer reads it. Only the
// last tick is kept whole: a tick holds every node's observation (about 1 MB at 300 nodes), which nothing reads
// but of the latest tick; the history keeps the rest of each record (issue 16: RSS of a 300-node loop, where
// flapping slow nodes make most ticks notable).
import type { HistoryTick, LoopCounters, TickRecord } from '../model/tick.js';

export interface RecorderOptions {
  /** ticks kept that changed something */
  history: number;
}

const findingKey = (t: TickRecord) => t.findings.map((f) => `${f.code}:${f.node ?? ''}`).sort().join('|');

export class TickRecorder {
  private last: TickRecord | undefined;
  private readonly notable: HistoryTick[] = [];
  private readonly totals: LoopCounters = { ticks: 0, failovers: 0, applyErrors: 0, overruns: 0 };
  /** the writers of the last tick that routed traffic: switching traffic off and on is no fail-over */
  private lastWriters: string | undefined;

  constructor(private readonly options: RecorderOptions = { history: 500 }) {}

  record(tick: TickRecord, overran: boolean): void {
    const prev = this.latest();
    this.totals.ticks++;
    if (overran) this.totals.overruns++;
    if (tick.applied.some((a) => !a.ok)) this.totals.applyErrors++;
    // the writer set, not the epoch: with a coordination store the epoch also moves on maintenance marks
    if (tick.desired.trafficOff === undefined) {
      const writers = tick.desired.writers.join('\u0000');
      if (this.lastWriters !== undefined && writers !== this.lastWriters) this.totals.failovers++;
      this.lastWriters = writers;
    }
    const notable =
      !prev ||
      tick.changes.length > 0 ||
      tick.desired.epoch !== prev.desired.epoch ||
      findingKey(tick) !== findingKey(prev) ||
      tick.applied.some((a) => a.changed || !a.ok);
    this.last = tick;
    if (notable) {
      const { observation: _observation, ...kept } = tick;
      push(this.notable, kept, this.options.history);
    }
  }

  latest(): TickRecord | undefined {
    return this.last;
  }

  /** Ticks that changed something, oldest first, at most `limit`. */
  history(limit: number): HistoryTick[] {
    return this.notable.slice(Math.max(0, this.notable.length - limit));
  }

  counters(): LoopCounters {
    return { ...this.totals };
  }
}

function push<T>(list: T[], item: T, max: number): void {
  list.push(item);
  if (list.length > max) list.splice(0, list.length - max);
}
