// What the Orchestrator source observed: which Orchestrator node leads, and what the leader says about the
// instances of the cluster (downtimes, master, read_only). Plain data: the decision core turns it into external
// verdicts (src/decide/orchestrator-verdict.ts), the report shows it.

/** Why one Orchestrator call did not give a usable answer. Stable codes; the message names the URL. */
export const ORCHESTRATOR_PROBLEM = {
  /** no answer within the hard timeout (connect, headers and body together) */
  ORCH_TIMEOUT: 'ORCH_TIMEOUT',
  /** connection refused, reset, DNS failure */
  ORCH_UNREACHABLE: 'ORCH_UNREACHABLE',
  /** the TLS handshake failed (certificate, identity) */
  ORCH_TLS: 'ORCH_TLS',
  /** 401: basic auth refused */
  ORCH_AUTH: 'ORCH_AUTH',
  /** a status the endpoint does not document (e.g. 502 from a follower whose leader is gone) */
  ORCH_HTTP_STATUS: 'ORCH_HTTP_STATUS',
  /** the answer is not JSON or not the documented shape */
  ORCH_MALFORMED: 'ORCH_MALFORMED',
  /** Orchestrator answered with its error object ({"Code":"ERROR","Message":...}) */
  ORCH_API_ERROR: 'ORCH_API_ERROR',
  /** no configured Orchestrator node answered /api/leader-check as the leader */
  ORCH_NO_LEADER: 'ORCH_NO_LEADER',
} as const;

export type OrchestratorProblemCode = (typeof ORCHESTRATOR_PROBLEM)[keyof typeof ORCHESTRATOR_PROBLEM];

export interface OrchestratorProblem {
  code: OrchestratorProblemCode;
  /** the Orchestrator URL (and path) that failed, when one did */
  url?: string;
  message: string;
}

export interface InstanceKey {
  host: string;
  port: number;
}

/** One MySQL/MariaDB instance as Orchestrator's leader describes it. */
export interface OrchestratorInstance extends InstanceKey {
  /** Orchestrator's IsDowntimed: a downtime is in force */
  downtimed: boolean;
  /** DowntimeReason, e.g. "lost-in-recovery"; "" when none */
  downtimeReason: string;
  /** DowntimeEndTimestamp as Orchestrator prints it ("2027-11-30 13:57:03", Orchestrator's local time); "" when none */
  downtimeEnd: string;
  readOnly: boolean;
  /** IsLastCheckValid: Orchestrator's last probe of the instance succeeded */
  lastCheckValid: boolean;
  /** the master it replicates from; null for a master (MasterKey {"Hostname":"","Port":0}) */
  master: InstanceKey | null;
  /** ReplicationLagSeconds when valid, else null */
  lagSeconds: number | null;
  clusterName: string;
}

export interface OrchestratorObservation {
  /** when this poll ended (epoch ms) */
  at: number;
  /** when the source started watching: the grace period of a leader never seen counts from here */
  watchingSince: number;
  /** the URL that answered as raft leader in this poll; null when none did */
  leader: string | null;
  /**
   * the last time a leader answered /api/leader-check AND gave the downtimed list (so the downtimes are fresh);
   * null: never since watchingSince
   */
  leaderSeenAt: number | null;
  /** the cluster's master per the leader (/api/master/:clusterHint); null when unknown */
  master: InstanceKey | null;
  /** what the leader last said about the instances; kept from the last good poll when a poll fails */
  instances: OrchestratorInstance[];
  /** what went wrong in this poll (empty when everything answered) */
  problems: OrchestratorProblem[];
}

/** How the decision core uses the observation ([orchestrator] section). */
export interface OrchestratorVerdictConfig {
  /** how long no Orchestrator node may answer as leader before every node is fenced */
  graceMs: number;
}
