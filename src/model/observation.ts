// What a probe saw on one node at one moment. Pure data: serialisable to JSON, no secrets.
import type { ReplicationStatus } from './replication.js';

/** Why a probe could not read a node's state (or why the node refuses work). */
export type ProbeErrorKind =
  | 'refused' // TCP connection refused: nothing listens (process gone, or starting)
  | 'timeout' // connect, login or query did not finish within the hard timeout (frozen node)
  | 'busy' // the server is up and answers, but turns the connection away: too many connections, account limits
  | 'shutdown' // the server answered "shutdown in progress" (errno 1053): going away, or (MySQL/PXC) our session was killed
  | 'auth' // credentials rejected
  | 'tls' // TLS handshake or server identity check failed
  | 'unreachable' // no route, host down, DNS failure, reset during connect
  | 'protocol' // the server answered something that is not a usable reply
  | 'query' // a status query failed for a reason other than the above
  | 'unknown';

/**
 * MySQL / MariaDB errnos of a server that is up but turns a connection away, with the short phrase shown for
 * them ("busy: too many connections"). None of them says anything about the process being gone.
 */
export const BUSY_ERRNOS: Readonly<Record<number, string>> = {
  1040: 'too many connections', // ER_CON_COUNT_ERROR: max_connections (and the one extra SUPER slot) taken
  1203: 'too many connections for the account', // ER_TOO_MANY_USER_CONNECTIONS: max_user_connections
  1226: 'account resource limit reached', // ER_USER_LIMIT_REACHED: MAX_USER_CONNECTIONS / MAX_CONNECTIONS_PER_HOUR / ...
};

/** ER_SERVER_SHUTDOWN: "Server shutdown in progress". */
export const SHUTDOWN_ERRNO = 1053;

/** wsrep_local_state values (Galera's node state machine). */
export const WSREP_STATE = {
  JOINING: 1,
  DONOR_DESYNCED: 2,
  JOINED: 3,
  SYNCED: 4,
} as const;

export type RejectQueries = 'NONE' | 'ALL' | 'ALL_KILL';
export type PxcMaintMode = 'DISABLED' | 'SHUTDOWN' | 'MAINTENANCE';

export interface ClusterMember {
  /** gcomm uuid of the member */
  uuid: string;
  name: string;
  /** incoming (client) address as the member advertises it, host:port */
  address: string;
}

export interface TableAccess {
  ok: boolean;
  errno?: number;
  message?: string;
}

/** The Galera-relevant state of a node, read from SHOW GLOBAL STATUS / VARIABLES. */
export interface NodeStatus {
  /** wsrep_local_state: 1 Joining, 2 Donor/Desynced, 3 Joined, 4 Synced (0 when unknown) */
  localState: number;
  /** wsrep_local_state_comment, e.g. "Synced", "Donor/Desynced", "Initialized" */
  localStateComment: string;
  /** wsrep_cluster_status: "Primary", "non-Primary" or "Disconnected" */
  clusterStatus: string;
  /** wsrep_ready */
  ready: boolean;
  /** wsrep_connected */
  connected: boolean;
  /** wsrep_reject_queries (NONE when empty or absent) */
  rejectQueries: RejectQueries;
  /** wsrep_sst_donor_rejects_queries */
  donorRejectsQueries: boolean;
  /** wsrep_desync */
  desync: boolean;
  /** pxc_maint_mode; absent on MariaDB, which counts as DISABLED */
  pxcMaintMode: PxcMaintMode;
  /** read_only */
  readOnly: boolean;
  /** gmcast.segment from wsrep_provider_options (0 when absent) */
  segment: number;
  /** wsrep_local_index (reshuffles on every membership change) */
  localIndex: number;
  /** wsrep_local_recv_queue */
  recvQueue: number;
  /** wsrep_cluster_size */
  clusterSize: number;
  /** wsrep_cluster_conf_id: view number */
  clusterConfId: number;
  /** wsrep_cluster_state_uuid */
  clusterStateUuid: string;
  /** wsrep_gcomm_uuid: this member's id in the group (changes on every restart) */
  gcommUuid: string;
  /** wsrep_incoming_addresses, split on commas */
  incomingAddresses: string[];
  /** wsrep_evs_delayed: members this node has seen as delayed (raw entries) */
  evsDelayed: string[];
  /** wsrep_evs_evict_list: members this node has evicted */
  evsEvictList: string[];
  /** wsrep_on: false for a server that does not run Galera */
  wsrepOn: boolean;
  /** a cheap read of a real table: refused with 1047 under reject_queries or without Primary */
  tableAccess: TableAccess;
  /** mysql.wsrep_cluster_members when the server has it (MariaDB 10.4+), else undefined */
  members?: ClusterMember[];
  /** server version string */
  version: string;
  /** replication topology only: read_only, the replication threads, lag and master (SHOW SLAVE STATUS) */
  replication?: ReplicationStatus;
  /** the probe account's SHOW GRANTS, read on a fresh session when fencing is on (else undefined) */
  grants?: string[];
}

export interface ProbeError {
  kind: ProbeErrorKind;
  /** human sentence naming the node and host:port; never contains a secret */
  message: string;
  errno?: number;
  code?: string;
}

export interface NodeObservation {
  /** the node's configured name */
  node: string;
  host: string;
  port: number;
  /** epoch ms when the probe started */
  at: number;
  /** time the probe took, ms */
  latencyMs: number;
  /** present when the node's state could be read */
  status?: NodeStatus;
  /** present when the probe failed; exactly one of status / error is set */
  error?: ProbeError;
}

export interface ClusterObservation {
  /** epoch ms of the tick */
  at: number;
  nodes: NodeObservation[];
}
