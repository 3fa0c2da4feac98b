// The one way to hand decide() writers it did not choose itself: a cold start adopting what the routers route
// to (daemon and scheduler mode), and the shared writer record's writer (coordinated instances). decide() keeps
// a previous writer while it is eligible (the sticky rule), so naming the writers in its previous state is all
// it takes; an ineligible one is replaced as on any tick. Pure.
import type { DecideState, NodeTrack } from '../model/decision.js';
import { INITIAL_DECIDE_STATE } from '../model/decision.js';

export interface SeedOptions {
  /** the writer epoch to carry on from */
  epoch: number;
  /** since when these writers hold the role (null: unknown) */
  since?: number | null;
  /** per-node tracks to start from (default: the base state's) */
  nodes?: Record<string, NodeTrack>;
}

/** `base` (or the initial state) with `writers` as the writers in place. */
export function seedWriters(base: DecideState | null, writers: readonly string[], o: SeedOptions): DecideState {
  const b = base ?? INITIAL_DECIDE_STATE;
  return {
    ...b,
    writer: { nodes: [...writers], epoch: o.epoch, since: o.since ?? null, last: writers.length > 0 ? [...writers] : [...b.writer.last] },
    ...(o.nodes ? { nodes: o.nodes } : {}),
  };
}
