// Reason codes: stable, machine-readable names for why a node is or is not fit for traffic.
// Every code has a sentence built next to it where it is found; the code never changes meaning.

export const NODE_REASON = {
  PROBE_REFUSED: 'PROBE_REFUSED',
  PROBE_TIMEOUT: 'PROBE_TIMEOUT',
  /** the server is up but turns connections away (too many connections, account limits) */
  NODE_BUSY: 'NODE_BUSY',
  /** the server answered "shutdown in progress" (errno 1053) */
  NODE_SHUTTING_DOWN: 'NODE_SHUTTING_DOWN',
  PROBE_AUTH: 'PROBE_AUTH',
  PROBE_TLS: 'PROBE_TLS',
  PROBE_UNREACHABLE: 'PROBE_UNREACHABLE',
  PROBE_FAILED: 'PROBE_FAILED',
  WSREP_OFF: 'WSREP_OFF',
  NOT_PRIMARY: 'NOT_PRIMARY',
  NOT_READY: 'NOT_READY',
  NOT_CONNECTED: 'NOT_CONNECTED',
  NOT_SYNCED: 'NOT_SYNCED',
  DONOR: 'DONOR',
  DONOR_REJECTS: 'DONOR_REJECTS',
  DESYNCED: 'DESYNCED',
  REJECT_QUERIES: 'REJECT_QUERIES',
  MAINT_MODE: 'MAINT_MODE',
  READ_ONLY: 'READ_ONLY',
  TABLE_ACCESS: 'TABLE_ACCESS',
} as const;

export type NodeReasonCode = (typeof NODE_REASON)[keyof typeof NODE_REASON];

export interface Reason<C extends string = string> {
  code: C;
  /** one sentence a person understands, naming the node */
  message: string;
}

// Node conditions that the decision core finds beyond one node's own report: the membership cross-check,
// probe timing, and verdicts from outside (Orchestrator, an operator).
export const VIEW_REASON = {
  /** the node reports Primary, but a newer Primary view that its peers report does not contain it */
  STALE_VIEW: 'STALE_VIEW',
  /** the node reports a Primary component that competes with another one (different history or no majority) */
  SPLIT_BRAIN: 'SPLIT_BRAIN',
  /** the node reports an older view of the Primary component and its membership in the newer one cannot be told */
  VIEW_LAGGING: 'VIEW_LAGGING',
  /** the node's Primary view is denied by most of the members it names (they report non-Primary) */
  VIEW_UNCONFIRMED: 'VIEW_UNCONFIRMED',
  /** the node cannot be probed and the Primary component's members confirm it is not one of them */
  EXCLUDED_BY_PEERS: 'EXCLUDED_BY_PEERS',
  /** the probe answered, but later than the check timeout */
  PROBE_SLOW: 'PROBE_SLOW',
  /** the observation is older than the allowed age at decision time */
  OBSERVATION_STALE: 'OBSERVATION_STALE',
  /** the node is configured but the tick has no observation of it */
  NOT_OBSERVED: 'NOT_OBSERVED',
  /** an external authority (Orchestrator) has downtimed the node */
  DOWNTIMED: 'DOWNTIMED',
  /** an operator has marked the node for maintenance */
  OPERATOR_MAINTENANCE: 'OPERATOR_MAINTENANCE',
  /** an external verdict fences every node (e.g. Orchestrator's raft leader cannot be reached) */
  EXTERNAL_FENCE: 'EXTERNAL_FENCE',
} as const;

export type ViewReasonCode = (typeof VIEW_REASON)[keyof typeof VIEW_REASON];

// Node conditions of a replication topology ([cluster] topology = "replication"): what the node's replication
// state says, read against the topology's primary (Orchestrator's master, or the one writable non-replica).
export const REPLICATION_REASON = {
  /** the probe did not read the node's replication state */
  REPLICATION_UNKNOWN: 'REPLICATION_UNKNOWN',
  /** the node replicates from another one: a replica never takes writes */
  REPLICA: 'REPLICA',
  /** a replica with read_only=OFF: writes there would diverge from the primary */
  REPLICA_WRITABLE: 'REPLICA_WRITABLE',
  /** a replica whose IO or SQL thread is not running */
  REPLICATION_STOPPED: 'REPLICATION_STOPPED',
  /** a replica further behind than maxReplicationLagS (or whose lag is unknown) */
  REPLICATION_LAGGING: 'REPLICATION_LAGGING',
  /** a replica that replicates from a node other than the primary */
  WRONG_MASTER: 'WRONG_MASTER',
  /** replicates from no one and is not the primary (e.g. an old primary after a promotion) */
  NOT_TOPOLOGY_PRIMARY: 'NOT_TOPOLOGY_PRIMARY',
  /** two or more nodes are writable and replicate from no one, and Orchestrator names no master */
  PRIMARY_AMBIGUOUS: 'PRIMARY_AMBIGUOUS',
} as const;

export type ReplicationReasonCode = (typeof REPLICATION_REASON)[keyof typeof REPLICATION_REASON];

/** Everything that can count against a node in a decision. */
export type ConditionCode = NodeReasonCode | ViewReasonCode | ReplicationReasonCode;

// Decision codes: why a role changed, or what the decision had to work around.
export const DECISION_REASON = {
  WRITER_ELECTED: 'WRITER_ELECTED',
  FAILOVER: 'FAILOVER',
  FAIL_BACK: 'FAIL_BACK',
  SWITCHOVER: 'SWITCHOVER',
  SWITCHOVER_REJECTED: 'SWITCHOVER_REJECTED',
  WRITER_KEPT_NO_REPLACEMENT: 'WRITER_KEPT_NO_REPLACEMENT',
  WRITER_RETAINED: 'WRITER_RETAINED',
  NO_WRITER: 'NO_WRITER',
  TOO_FEW_WRITERS: 'TOO_FEW_WRITERS',
  NO_BACKUP_WRITER: 'NO_BACKUP_WRITER',
  NO_READERS: 'NO_READERS',
  WRITER_SERVES_READS: 'WRITER_SERVES_READS',
  RETRY_DOWN_PENDING: 'RETRY_DOWN_PENDING',
  HOLD_PENDING: 'HOLD_PENDING',
  ADMITTED: 'ADMITTED',
  DONOR_KEPT_LAST_IN_SEGMENT: 'DONOR_KEPT_LAST_IN_SEGMENT',
  DONOR_ALLOWED: 'DONOR_ALLOWED',
  NO_PRIMARY_COMPONENT: 'NO_PRIMARY_COMPONENT',
  UNKNOWN_NODE: 'UNKNOWN_NODE',
  CLOCK_BACKWARDS: 'CLOCK_BACKWARDS',
} as const;

export type DecisionReasonCode = (typeof DECISION_REASON)[keyof typeof DECISION_REASON];
