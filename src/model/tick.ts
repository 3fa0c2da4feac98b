// One tick of the loop as recorded: what was observed, what was decided and why, what was applied.
// The report layer (API, metrics, dashboard) reads only these records, never the probes.
import type { DesiredRouting, Finding, RoleChange } from './decision.js';
import type { FencingTickRecord } from './fencing.js';
import type { ClusterObservation } from './observation.js';
import type { TrafficRequest, TrafficResult, TrafficState } from './traffic.js';

/** What one router adapter did with a decision. */
export interface ApplyOutcome {
  router: string;
  /** the router's state matches the decision after this apply (read back and verified) */
  ok: boolean;
  /** something was changed on the router */
  changed: boolean;
  durationMs: number;
  /** connections severed per node, when the router severs (built-in proxy) */
  severed?: Record<string, number>;
  /** human-readable steps taken, e.g. "writer pool: node1 -> node2" */
  actions: string[];
  error?: { code: string; message: string };
}

export interface TickRecord {
  seq: number;
  /** epoch ms when the tick started (also the decision time) */
  at: number;
  durationMs: number;
  observation: ClusterObservation;
  desired: DesiredRouting;
  findings: Finding[];
  changes: RoleChange[];
  applied: ApplyOutcome[];
  /** Galera-native fencing this tick (absent when [fencing] mode is off): plan, outcome, running totals */
  fencing?: FencingTickRecord;
  /** what started this tick: the schedule, or data-path signals (absent in records of older versions: the schedule) */
  trigger?: TickTrigger;
}

/**
 * What a router saw on its data path that may mean a node died: a bridge reset (`reset`) or closed by the
 * server side (`closed`), a connect refused (`refused`) or failing otherwise (`connect-error`), a greeting
 * that never came (`no-greeting`); HAProxy's error counters of a server that went up (`counters`, polled); a
 * change of a node's Galera view seen by the re-form watch (`view-change`, router `galera`). A hint to probe
 * the node now, never a verdict on it.
 */
export type DataPathSignalKind = 'reset' | 'closed' | 'refused' | 'connect-error' | 'no-greeting' | 'counters' | 'view-change';

export interface DataPathSignal {
  /** the router that saw it ("builtin", "haproxy"), "probe": a kept probe session ([probe] reuseConnection) ended by the server, or "galera": the re-form watch ([run] reformWatchMs) */
  router: string;
  node: string;
  kind: DataPathSignalKind;
  /** epoch ms */
  at: number;
  detail?: string;
}

/**
 * `schedule`: the interval's tick; `data-path`: run out of band on a node's data-path signal (the first
 * signals that started it; `coalesced` counts the later ones of the same node it absorbed); `again`: at once
 * after an eviction changed the view; `hold-end`: while no writer is routed, at the moment `node`'s re-entry hold
 * ([routing] minHoldMs) runs out, rather than at the next scheduled tick.
 */
export type TickTrigger =
  | { by: 'schedule' }
  | { by: 'again' }
  | { by: 'hold-end'; node: string }
  | { by: 'data-path'; node: string; signals: DataPathSignal[]; coalesced: number };

/** Session and byte counters of one node on one proxy port. */
export interface EndpointStats {
  sessions: number;
  totalSessions: number;
  bytesIn: number;
  bytesOut: number;
}

/** Live counters of the built-in proxy, for the API and metrics. */
export interface ProxyStatsSnapshot {
  writer: Record<string, EndpointStats>;
  reader: Record<string, EndpointStats>;
  /** clients closed because no backend became eligible in time */
  rejected: number;
  /** listen addresses, host:port */
  endpoints: { writer?: string; reader?: string };
}

/** Cumulative loop counters. */
export interface LoopCounters {
  ticks: number;
  /** writer-set changes (epoch bumps) seen since start */
  failovers: number;
  applyErrors: number;
  /** the last tick took longer than the interval */
  overruns: number;
}

/** [run] dataPathTrigger's counters since start. */
export interface TriggerCounters {
  signals: number;
  /** triggered ticks started */
  ticks: number;
  /** signals that started no tick of their own */
  coalesced: number;
}

/** [run] reformWatchMs: the re-form watch's counters since start. */
export interface ReformWatchCounters {
  /** times the watch went from idle to watching */
  starts: number;
  /** statements sent */
  polls: number;
  /** signals sent (one per change seen) */
  signals: number;
  /** sessions opened */
  sessions: number;
}

/** What started out-of-band ticks (for /metrics); a part is absent while it is off. */
export interface SignalCounters {
  dataPath?: TriggerCounters;
  reformWatch?: ReformWatchCounters;
}

/** Result of an operator command from the API. */
export interface CommandResult {
  ok: boolean;
  message: string;
}

/** Whether an instance can route (the health port's /ready): a writer routed and fresh ticks, else why not. */
export type Readiness =
  | { ready: true; writers: string[] }
  | { ready: false; reason: 'draining' | 'no writer' | 'ticks failing' | 'ticks stale' | 'coordination unavailable' | 'traffic disabled'; detail: string; decided?: string[] };

/**
 * A tick of the history: the record without the observation (every node's probe result; about 1 MB at 300
 * nodes), which only the latest tick keeps.
 */
export type HistoryTick = Omit<TickRecord, 'observation'>;

/** What the report layer may read and ask; implemented by the runtime. */
export interface ReportSource {
  clusterName: string;
  /** [cluster] topology; absent: galera */
  topology?: 'galera' | 'replication';
  startedAt: number;
  latest(): TickRecord | undefined;
  /** recent ticks that changed something (role changes or findings changed), newest last */
  history(limit: number): HistoryTick[];
  counters(): LoopCounters;
  /** the data-path trigger's and the re-form watch's counters; absent where there are none */
  signalCounters?(): SignalCounters;
  proxyStats(): ProxyStatsSnapshot | undefined;
  /** operator commands: a switchover request and maintenance marks */
  switchover(node: string): CommandResult;
  setMaintenance(node: string, on: boolean): CommandResult;
  /** nodes an operator has marked for maintenance */
  maintenanceMarks(): string[];
  /** what the health port's /ready answers now; absent where there is no such check */
  readiness?(): Readiness | null;
  /** Switchboard's traffic switch (GET /v0/cluster); absent where there is none */
  traffic?(): TrafficState;
  /** PATCH /v0/cluster: through the coordination record when a store is configured */
  setTraffic?(request: TrafficRequest): Promise<TrafficResult>;
}
