// Pure helpers of a scheduler run that the decision core leaves to the runtime:
// - a cold start (no usable state file: first run, the ProxySQL-cluster lock moved to a node with an old or no
//   file, a reboot that emptied the state folder) adopts the writer ProxySQL routes to now, and keeps the nodes
//   ProxySQL holds parked out of service until they pass retryUp and the hold time again;
// - a probe slower than checkTimeOut skips that node for the run (pxcScheduler's semantics): the node is judged
//   on its last good observation from the previous run, once; a second slow probe in a row counts as a failure.
import { seedWriters } from '../decide/seed-state.js';
import type { DecideState, NodeTrack } from '../model/decision.js';
import type { ClusterObservation, NodeObservation } from '../model/observation.js';

export interface CurrentRouting {
  writers: readonly string[];
  parked: readonly string[];
  empty: boolean;
}

/**
 * The state a cold start decides from: the writers ONLINE in ProxySQL's writer hostgroup are the writers of the
 * "previous tick" (decide() keeps a writer while it is eligible, and elects another when it is not); parked nodes
 * were last seen unhealthy now, so they re-enter only after retryUp observations and the hold time. Null when
 * ProxySQL routes nothing yet (a fresh installation: elect by weight). More ONLINE writers than `writerLimit`
 * are no writer to adopt (elect by weight).
 */
export function adoptedState(current: CurrentRouting, nodes: readonly string[], now: number, writerLimit = 1): DecideState | null {
  if (current.empty) return null;
  const known = new Set(nodes);
  const online = current.writers.filter((w) => known.has(w));
  // more writers ONLINE than allowed (seed 000's example lists every node in hgW): nothing to adopt, elect
  const writers = online.length <= writerLimit ? online : [];
  const tracks: Record<string, NodeTrack> = {};
  for (const name of [...current.parked].filter((p) => known.has(p) && !writers.includes(p)).sort()) {
    tracks[name] = {
      inService: false, healthyStreak: 0, unhealthyStreak: 1, healthySince: null, lastHealthyAt: null, lastUnhealthyAt: now,
      writer: 'maintenance', reader: 'maintenance', gcommUuid: null,
    };
  }
  return seedWriters(null, writers, { epoch: 0, nodes: tracks });
}

/** What a run remembers of the previous run's probes (a file beside the state file). */
export interface ProbeMemo {
  version: 1;
  /** per node: the last successful observation, and whether the previous run skipped the node */
  nodes: Record<string, { last: NodeObservation; skipped: boolean }>;
}

export const EMPTY_PROBE_MEMO: ProbeMemo = { version: 1, nodes: {} };

export interface SkipResult {
  /** the observation to decide on */
  observation: ClusterObservation;
  /** nodes whose slow probe was replaced by the previous run's observation */
  skipped: string[];
  /** the memo for the next run */
  memo: ProbeMemo;
}

/**
 * Replaces a timed-out probe (slower than checkTimeOut) by the node's last good observation when the previous run
 * did not skip the node already and that observation is younger than `maxAgeMs`; otherwise the timeout stands.
 */
export function skipSlowProbes(observation: ClusterObservation, previous: ProbeMemo, maxAgeMs: number): SkipResult {
  const memo: ProbeMemo = { version: 1, nodes: {} };
  const skipped: string[] = [];
  const nodes = observation.nodes.map((o) => {
    const prev = Object.hasOwn(previous.nodes, o.node) ? previous.nodes[o.node] : undefined;
    if (o.status) {
      memo.nodes[o.node] = { last: o, skipped: false };
      return o;
    }
    if (o.error?.kind === 'timeout' && prev && !prev.skipped && observation.at - prev.last.at <= maxAgeMs) {
      skipped.push(o.node);
      memo.nodes[o.node] = { last: prev.last, skipped: true };
      return prev.last;
    }
    return o;
  });
  return { observation: { ...observation, nodes }, skipped: skipped.sort(), memo };
}

/** A memo read from disk, or the empty one when it is missing or not ours. */
export function parseProbeMemo(text: string | undefined): ProbeMemo {
  if (text === undefined) return EMPTY_PROBE_MEMO;
  try {
    const m = JSON.parse(text) as ProbeMemo;
    if (m?.version !== 1 || typeof m.nodes !== 'object' || m.nodes === null) return EMPTY_PROBE_MEMO;
    for (const v of Object.values(m.nodes)) if (typeof v?.last?.at !== 'number' || typeof v.last.node !== 'string') return EMPTY_PROBE_MEMO;
    return m;
  } catch {
    return EMPTY_PROBE_MEMO;
  }
}
