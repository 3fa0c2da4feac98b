// Timers under a test's control, for the code that takes a TriggerTimers (the data-path trigger, the re-form
// watch): `advance(ms)` runs what falls due, in order, letting promises settle after each.
import type { TriggerTimers } from '../data-path-trigger.js';

/** Lets the microtasks and immediates queued by a timer's callback run (a few rounds). */
export const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise<void>((r) => setImmediate(r));
};

export class ManualTimers implements TriggerTimers {
  t = 0;
  private seq = 0;
  /** what is set and not yet run or cleared, by handle */
  readonly due = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  set(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.due.set(id, { at: this.t + ms, fn });
    return id;
  }
  clear(handle: unknown): void {
    this.due.delete(handle as number);
  }
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      const next = [...this.due.entries()].filter(([, d]) => d.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!next) break;
      this.due.delete(next[0]);
      this.t = next[1].at;
      next[1].fn();
      await flush();
    }
    this.t = end;
    await flush();
  }
}
