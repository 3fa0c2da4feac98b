// The output of the decision core and the state it hands itself for the next tick. Plain JSON: no Maps, no
// Dates, no undefined values; optional keys are left out rather than set to undefined.
import type { DecideConfig } from './decide-config.js';
import type { ExternalVerdict } from './external.js';
import type { OrchestratorObservation, OrchestratorVerdictConfig } from './orchestrator.js';
import type { ClusterObservation } from './observation.js';
import type { Reason } from './reasons.js';

/**
 * A node's place in the writer hostgroup pair (hgW, 8000+hgW, 9000+hgW in ProxySQL terms):
 * - writer: ONLINE in hgW, takes writes
 * - backup: a healthy writer candidate that is not the writer (8000+hgW only; takes no writes)
 * - offline_soft: no new connections, existing ones drain (OFFLINE_SOFT)
 * - offline_hard: no traffic, connections severed (OFFLINE_HARD)
 * - maintenance: moved out of the pool (9000+hgW), connections severed
 * - none: not a writer candidate
 */
export type WriterRole = 'writer' | 'backup' | 'offline_soft' | 'offline_hard' | 'maintenance' | 'none';

/** A node's place in the reader hostgroup pair; `backup`: healthy but kept out (a writer when writerIsAlsoReader is off). */
export type ReaderRole = 'reader' | 'backup' | 'offline_soft' | 'offline_hard' | 'maintenance' | 'none';

/** What a proxy does with the node's existing connections on one endpoint. */
export type ConnectionAction = 'keep' | 'drain' | 'sever';

export interface NodeDecision {
  node: string;
  host: string;
  port: number;
  writer: WriterRole;
  reader: ReaderRole;
  writerConnections: ConnectionAction;
  readerConnections: ConnectionAction;
  /** admitted to the pools by the hysteresis (healthy long enough, or not yet removed) */
  inService: boolean;
  /** conditions and decision notes that explain the roles, most important first; empty when all is well */
  reasons: Reason[];
}

/** The Primary component as the cross-check of all reachable nodes established it. */
export interface PrimaryComponent {
  stateUuid: string;
  confId: number;
  /** wsrep_cluster_size of the view */
  size: number;
  /** configured nodes that report this component (directly, or an older view of it that still holds them) */
  nodes: string[];
}

export interface DesiredRouting {
  /** the decision time (epoch ms) */
  at: number;
  /** increments on every change of the writer set: a fencing token for the apply step */
  epoch: number;
  /** active writers, the first is the main one; at most 1 under singlePrimary, else maxNumWriters */
  writers: string[];
  /** the reader pool, sorted by name */
  readers: string[];
  /** one entry per configured node, sorted by name */
  nodes: NodeDecision[];
  primary: PrimaryComponent | null;
  /**
   * set (to the operator's reason) while traffic is switched off: no writer, no reader, every connection severed;
   * the built-in proxy also refuses new clients at once instead of holding them for a backend
   */
  trafficOff?: string;
}

export type Severity = 'critical' | 'error' | 'warning' | 'info';

/** A named, prioritised problem or notable fact, for a node or for the cluster. */
export interface Finding {
  code: string;
  severity: Severity;
  /** higher comes first */
  priority: number;
  scope: 'cluster' | 'node';
  /** set when scope is node */
  node?: string;
  message: string;
}

/** One routing change of one node, with the codes that caused it: the audit log's line. */
export interface RoleChange {
  node: string;
  pool: 'writer' | 'reader';
  /** null when the node had no role before (first decision, new node) */
  from: WriterRole | ReaderRole | null;
  to: WriterRole | ReaderRole;
  reasons: string[];
  /** e.g. "node1 writer: writer -> maintenance (NOT_PRIMARY)" */
  message: string;
}

/** What the decision core remembers about one node between ticks. */
export interface NodeTrack {
  inService: boolean;
  /** consecutive observations in which the node was fit for traffic */
  healthyStreak: number;
  /** consecutive observations in which it was not */
  unhealthyStreak: number;
  /** decision time of the first observation of the current healthy streak */
  healthySince: number | null;
  lastHealthyAt: number | null;
  lastUnhealthyAt: number | null;
  /** roles decided on the last tick, to report changes */
  writer: WriterRole | null;
  reader: ReaderRole | null;
  /** wsrep_gcomm_uuid last seen, to recognise the node in peers' member lists while it cannot be probed */
  gcommUuid: string | null;
}

export interface WriterTrack {
  /** the active writers as decided on the last tick */
  nodes: string[];
  epoch: number;
  /** decision time of the last change of `nodes` */
  since: number | null;
  /** the last non-empty writer set: with activeFailover=0 only these may take the role back */
  last: string[];
}

export interface DecideState {
  version: 1;
  /** decision time of the tick that produced this state */
  at: number | null;
  writer: WriterTrack;
  /** per configured node, keys sorted by name */
  nodes: Record<string, NodeTrack>;
}

export const INITIAL_DECIDE_STATE: DecideState = {
  version: 1,
  at: null,
  writer: { nodes: [], epoch: 0, since: null, last: [] },
  nodes: {},
};

export interface DecideInput {
  observation: ClusterObservation;
  /** the `next` of the previous tick; absent or null on the first tick */
  previous?: DecideState | null;
  config: DecideConfig;
  /** decision time, epoch ms: the only clock the decision core knows */
  now: number;
  external?: ExternalVerdict;
  /** the Orchestrator source's latest observation ([orchestrator]): turned into downtime and fence verdicts */
  orchestrator?: { observation: OrchestratorObservation; config: OrchestratorVerdictConfig };
}

export interface DecideResult {
  desired: DesiredRouting;
  /** pass back as `previous` on the next tick */
  next: DecideState;
  /** most important first */
  findings: Finding[];
  /** role changes against the previous tick, sorted by node then pool */
  changes: RoleChange[];
}
