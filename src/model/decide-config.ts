// What the decision core needs to know from the operator: the nodes and the routing policy.
// Names follow pxcScheduler's [pxccluster] keys where one exists; the TOML [routing] section maps onto this.
import type { NodeSpec } from './node.js';

/** A node as the decision core sees it: a NodeSpec plus its place in the writer / reader candidate lists. */
export interface DecideNode extends NodeSpec {
  /** listed as a writer candidate (pxcScheduler: present in the 8000+hgW group); default true */
  writerCandidate?: boolean;
  /** listed as a reader (pxcScheduler: present in the 8000+hgR group); default true */
  readerCandidate?: boolean;
}

/** galera: a Galera cluster (wsrep checks, Primary component); replication: one primary with async replicas. */
export type Topology = 'galera' | 'replication';

export interface DecideConfig {
  /**
   * galera (default): wsrep state and the Primary component decide. replication: the writer is the primary
   * (Orchestrator's master when [orchestrator] is set; else the one node that is writable and replicates from no
   * one), readers are replicas whose threads run and whose lag is within maxReplicationLagS; no wsrep checks.
   */
  topology: Topology;
  /** replication topology: a replica further behind than this (Seconds_Behind_Master, s) takes no reads */
  maxReplicationLagS: number;
  /** 0: never promote another node when the writer is lost; 1: promote from the writer candidates (pxcScheduler default 1) */
  activeFailover: 0 | 1;
  /** give the writer role back to a better-ranked node once it has recovered (default false: the writer is sticky) */
  failBack: boolean;
  /** one writer at a time; when false, up to maxNumWriters */
  singlePrimary: boolean;
  /** writers allowed at once when singlePrimary is false */
  maxNumWriters: number;
  /** the writer also serves reads; when no other reader is left it serves them whatever this says */
  writerIsAlsoReader: boolean;
  /** consecutive healthy observations before a node that was out re-enters a pool (0 counts as 1) */
  retryUp: number;
  /** consecutive unhealthy observations before a node is removed, for conditions that may pass (0 counts as 1) */
  retryDown: number;
  /**
   * minimum time (ms) a node that was out must have been healthy before it re-enters any pool. Must outlast
   * the stale Synced/Primary view a frozen node reports after it resumes (about 6 s measured).
   */
  minHoldMs: number;
  /** gmcast.segment of the main site: its nodes are preferred as writers and its last donor stays in service */
  mainSegment: number;
  /** a Donor/Desynced node that does not reject queries may take traffic (Switchboard's available_when_donor) */
  availableWhenDonor: boolean;
  /** a read_only node may stay in the reader pool; read_only never makes a writer */
  availableWhenReadOnly: boolean;
  /** a probe that took longer than this (ms) does not count as a healthy answer (pxcScheduler checkTimeOut) */
  checkTimeoutMs: number;
  /** an observation older than this (ms) at decision time counts as no observation */
  maxObservationAgeMs: number;
  /** the nodes; when empty, the observed nodes are used with equal weights */
  nodes: DecideNode[];
}

export const DEFAULT_DECIDE_CONFIG: DecideConfig = {
  topology: 'galera',
  maxReplicationLagS: 10,
  activeFailover: 1,
  failBack: false,
  singlePrimary: true,
  maxNumWriters: 1,
  writerIsAlsoReader: true,
  retryUp: 2,
  retryDown: 2,
  minHoldMs: 8000,
  mainSegment: 0,
  availableWhenDonor: false,
  availableWhenReadOnly: true,
  checkTimeoutMs: 4000,
  maxObservationAgeMs: 10_000,
  nodes: [],
};
