// The table of node conditions: for every code, how bad it is, how fast the decision acts on it and where the node
// is parked while it holds. One row per code; docs/decision-table.md mirrors it.
import type { Severity } from '../model/decision.js';
import type { ConditionCode } from '../model/reasons.js';

/**
 * - unsafe: the node is not a safe member of the Primary component; traffic there may be lost or split.
 *   Acts at once and removes even the last writer.
 * - intent: the node, an operator or an external authority asks for the node to be taken out. Acts at once and
 *   removes even the last writer (an external verdict wins over a healthy probe).
 * - failing: the node cannot be used or probed; this may pass. Waits retryDown observations unless `immediate`;
 *   the last writer is kept when nothing can replace it.
 * - degraded: a member that is not fully synced. Waits retryDown observations; the last writer is kept.
 */
export type ConditionClass = 'unsafe' | 'intent' | 'failing' | 'degraded';

/** Where a node waits while it is out of a pool. */
export type Parking = 'offline_soft' | 'offline_hard' | 'maintenance';

export interface ConditionInfo {
  klass: ConditionClass;
  parking: Parking;
  /** removal on the first observation instead of after retryDown consecutive ones */
  immediate: boolean;
  /** higher is more important; orders reasons and findings */
  priority: number;
  severity: Severity;
}

const row = (klass: ConditionClass, parking: Parking, immediate: boolean, priority: number, severity: Severity): ConditionInfo => ({
  klass, parking, immediate, priority, severity,
});

export const CONDITIONS: Readonly<Record<ConditionCode, ConditionInfo>> = {
  SPLIT_BRAIN: row('unsafe', 'maintenance', true, 700, 'critical'),
  STALE_VIEW: row('unsafe', 'maintenance', true, 690, 'critical'),
  NOT_PRIMARY: row('unsafe', 'maintenance', true, 680, 'error'),
  WSREP_OFF: row('unsafe', 'maintenance', true, 670, 'error'),
  NOT_CONNECTED: row('unsafe', 'maintenance', true, 660, 'error'),
  NOT_READY: row('unsafe', 'maintenance', true, 650, 'error'),
  PRIMARY_AMBIGUOUS: row('unsafe', 'offline_soft', true, 645, 'critical'),
  REPLICA_WRITABLE: row('unsafe', 'offline_soft', true, 644, 'error'),
  NOT_TOPOLOGY_PRIMARY: row('unsafe', 'offline_soft', true, 643, 'error'),
  WRONG_MASTER: row('unsafe', 'offline_soft', true, 642, 'error'),
  EXTERNAL_FENCE: row('intent', 'offline_soft', true, 640, 'critical'),
  DOWNTIMED: row('intent', 'offline_soft', true, 630, 'warning'),
  OPERATOR_MAINTENANCE: row('intent', 'offline_soft', true, 620, 'warning'),
  PROBE_REFUSED: row('failing', 'offline_hard', true, 610, 'error'),
  EXCLUDED_BY_PEERS: row('failing', 'offline_hard', true, 600, 'error'),
  PROBE_TIMEOUT: row('failing', 'offline_hard', false, 590, 'error'),
  // busy / shutting down: the process is alive and answers, so never at once (a connection storm would follow each
  // new writer) and never fencing evidence; out of a pool, its working sessions drain instead of being cut
  NODE_SHUTTING_DOWN: row('failing', 'offline_soft', false, 589, 'error'),
  NODE_BUSY: row('failing', 'offline_soft', false, 588, 'error'),
  PROBE_UNREACHABLE: row('failing', 'offline_hard', false, 580, 'error'),
  PROBE_AUTH: row('failing', 'offline_hard', false, 570, 'error'),
  PROBE_TLS: row('failing', 'offline_hard', false, 570, 'error'),
  PROBE_FAILED: row('failing', 'offline_hard', false, 560, 'error'),
  NOT_OBSERVED: row('failing', 'offline_hard', false, 550, 'error'),
  OBSERVATION_STALE: row('failing', 'offline_hard', false, 540, 'error'),
  PROBE_SLOW: row('failing', 'offline_hard', false, 530, 'warning'),
  REJECT_QUERIES: row('intent', 'maintenance', true, 520, 'warning'),
  DONOR_REJECTS: row('intent', 'maintenance', true, 510, 'warning'),
  MAINT_MODE: row('intent', 'offline_soft', true, 500, 'warning'),
  TABLE_ACCESS: row('failing', 'offline_soft', false, 490, 'error'),
  VIEW_UNCONFIRMED: row('failing', 'offline_soft', false, 480, 'error'),
  VIEW_LAGGING: row('failing', 'offline_soft', false, 470, 'warning'),
  REPLICATION_UNKNOWN: row('failing', 'offline_soft', false, 465, 'error'),
  REPLICATION_STOPPED: row('failing', 'offline_soft', false, 460, 'error'),
  REPLICATION_LAGGING: row('degraded', 'offline_soft', false, 410, 'warning'),
  NOT_SYNCED: row('degraded', 'offline_soft', false, 400, 'warning'),
  DONOR: row('degraded', 'offline_soft', false, 390, 'warning'),
  DESYNCED: row('degraded', 'offline_soft', false, 380, 'warning'),
  READ_ONLY: row('intent', 'offline_soft', true, 300, 'info'),
  REPLICA: row('intent', 'offline_soft', true, 295, 'info'),
};

/**
 * A condition found on a node in this tick. `blocks` says what it keeps the node from:
 * node (every pool), writer (the writer role only, e.g. read_only) or none (reported only, e.g. an allowed donor).
 */
export interface Condition {
  code: ConditionCode;
  message: string;
  blocks: 'node' | 'writer' | 'none';
}

export function infoOf(code: ConditionCode): ConditionInfo {
  return CONDITIONS[code];
}

/** Most important first; ties by code so that the order never depends on discovery order. */
export function byPriority(a: { code: string; priority: number }, b: { code: string; priority: number }): number {
  return b.priority - a.priority || compareText(a.code, b.code);
}

export function sortConditions(conditions: readonly Condition[]): Condition[] {
  return [...conditions].sort((a, b) => byPriority(
    { code: a.code, priority: CONDITIONS[a.code].priority },
    { code: b.code, priority: CONDITIONS[b.code].priority },
  ));
}

const PARKING_RANK: Record<Parking, number> = { offline_hard: 3, maintenance: 2, offline_soft: 1 };

/** The parking of the gravest blocking condition, or undefined when nothing blocks. */
export function parkingOf(conditions: readonly Condition[], scope: 'node' | 'writer'): Parking | undefined {
  let best: Parking | undefined;
  for (const c of conditions) {
    if (c.blocks === 'none' || (scope === 'node' && c.blocks !== 'node')) continue;
    const p = CONDITIONS[c.code].parking;
    if (best === undefined || PARKING_RANK[p] > PARKING_RANK[best]) best = p;
  }
  return best;
}

/** Locale-independent string order, so that every instance sorts alike. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
