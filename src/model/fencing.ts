// Galera-native fencing: evicting a dead or frozen member (evs.evict) so that the survivors stop stalling
// commits at once, instead of after evs.suspect_timeout. Types and constants only; the planner is
// src/decide/fencing.ts (pure), the executor src/apply/galera-fencer.ts. Plain JSON throughout.
import type { Finding } from './decision.js';

/** off: never evict; dead: only a member whose port refuses (process gone); unresponsive: probe timeouts too. */
export type FencingMode = 'off' | 'dead' | 'unresponsive';

export interface FencingConfig {
  mode: FencingMode;
  /** at most one eviction per window (ms) */
  windowMs: number;
  /** unresponsive mode: the node must have timed out for this long (ms, from its first timed-out observation) */
  confirmMs: number;
  /** unresponsive mode: a causal read on a survivor that takes longer than this means the group has lost the node too */
  groupCheckTimeoutMs: number;
  /** connect + statement deadline for evict / clear statements (ms) */
  actionTimeoutMs: number;
  /** argv of a command that restarts an evicted node that resumed; {node} {host} {port} {uuid} are replaced */
  restartHook?: string[];
  /** a resumed evicted node is restarted once it has been seen so for this long (ms) */
  restartAfterMs: number;
  /** the hook is killed after this long (ms) */
  restartTimeoutMs: number;
}

export const DEFAULT_FENCING_CONFIG: FencingConfig = {
  mode: 'off',
  windowMs: 60_000,
  confirmMs: 0,
  groupCheckTimeoutMs: 150,
  actionTimeoutMs: 1000,
  restartAfterMs: 2000,
  restartTimeoutMs: 300_000,
};

/** Stable codes of fencing decisions and findings. */
export const FENCING_CODE = {
  /** a member was evicted */
  EVICTED: 'FENCE_EVICTED',
  /** an eviction was planned but the executor did not carry it out (check or statement failed, survivors in contact) */
  EVICT_ABORTED: 'FENCE_EVICT_ABORTED',
  /** a candidate for eviction was spared by a safety rule (the rule's code is in the message and the record) */
  SPARED: 'FENCE_SPARED',
  /** an evicted member resumed: Disconnected (or stale) and never rejoins by itself; it needs a restart */
  NEEDS_RESTART: 'FENCE_NEEDS_RESTART',
  /** the restart hook ran for a node */
  RESTARTED: 'FENCE_RESTARTED',
  /** a survivor keeps evicted ids that are stale: it is cleared */
  EVICT_LIST_CLEARED: 'FENCE_EVICT_LIST_CLEARED',
  /** a survivor keeps evicted ids that cannot be cleared yet (unknown, or the evicted process may still live) */
  EVICT_LIST_KEPT: 'FENCE_EVICT_LIST_KEPT',
  /** the probe account lacks a privilege fencing needs: no eviction can work */
  INOPERATIVE: 'FENCE_INOPERATIVE',
} as const;

/** Why a candidate was not evicted: one code per safety rule. */
export type SpareCode =
  | 'NO_PRIMARY' // decide() trusts no Primary component (split brain, no quorum)
  | 'NO_MAJORITY' // the reachable survivors are not a majority of the last view
  | 'NOT_ALONE' // unresponsive: another member of the view cannot be reached, so a group stall proves nothing
  | 'LAST_WRITER_CANDIDATE' // no other fit writer candidate among the survivors
  | 'WINDOW' // an eviction happened less than windowMs ago
  | 'NOT_SEEN_SERVING' // not seen serving since its last start (starting, joining, SST/IST), or its id is unknown
  | 'JOINING' // the survivors list a new incarnation of the node (it restarted and is joining)
  | 'NOT_IN_VIEW' // the survivors' view no longer holds it: nothing to evict
  | 'NO_MEMBER_LIST' // the survivors' member list (mysql.wsrep_cluster_members) cannot be read: ids unknown
  | 'CONFIRMING' // unresponsive: not yet timed out for confirmMs
  | 'EVICTING' // it was evicted from the view the survivors still show: the view change is under way
  | 'MODE'; // the failure does not count in this mode (a timeout under `dead`, auth/tls/unreachable always)

export interface Spared {
  node: string;
  code: SpareCode;
  message: string;
}

export interface EvictionPlan {
  node: string;
  /** the gcomm uuid to evict */
  uuid: string;
  reason: 'dead' | 'unresponsive';
  /** survivors to send the statement to, in order of preference (the first that answers does it) */
  via: string[];
  /** unresponsive: run a causal read on `via[0]` and evict only if it stalls (the group has lost the node too) */
  groupCheck: boolean;
  /** facts that justify it, one sentence each */
  evidence: string[];
  /** the survivors' view it is evicted from */
  view: GroupView;
}

/** A view of the group: the cluster state uuid and the view number (wsrep_cluster_conf_id). */
export interface GroupView {
  stateUuid: string;
  confId: number;
}

export interface ClearPlan {
  /** the survivor whose wsrep_evs_evict_list is cleared */
  node: string;
  /** the stale ids it holds */
  uuids: string[];
  why: string;
}

export interface RestartPlan {
  node: string;
  uuid: string;
  why: string;
}

export interface FencingPlan {
  /** whether the probe account's grants let fencing work */
  operative: FencingOperative;
  evict?: EvictionPlan;
  clear: ClearPlan[];
  restart?: RestartPlan;
  spared: Spared[];
  findings: Finding[];
}

/** Can fencing work with the probe account's grants (SHOW GRANTS, read at start and after every reconnect)? */
export interface FencingOperative {
  /** null: not known yet (no node's grants read) */
  operative: boolean | null;
  /** why it is inoperative (or unknown), with the GRANT statements to run; null when operative */
  reason: string | null;
  missing: { node: string; privilege: string; grant: string }[];
}

/** What the planner remembers about one node between ticks. */
export interface FencingNodeTrack {
  /** gcomm uuid of the incarnation last seen (its own report) */
  uuid: string | null;
  /** the uuid with which it was last seen serving (Synced, Primary, ready): the incarnation we may evict */
  servedUuid: string | null;
  /** its wsrep node name as the survivors' member list gives it, learned while it served */
  memberName: string | null;
  /** uuids this node has had, newest last (to attribute evict-list entries) */
  pastUuids: string[];
  /** first observation time of the current run of failed probes (refused / timeout), else null */
  failingSince: number | null;
  /** first time it was seen resumed after an eviction (needs a restart), else null */
  resumedEvictedSince: number | null;
  /** the probe account's SHOW GRANTS on this node as last read (on a fresh session), null before */
  grants?: string[] | null;
}

export interface EvictionRecord {
  node: string;
  /** the gcomm uuid evicted */
  uuid: string;
  at: number;
  reason: 'dead' | 'unresponsive';
  /** the survivor that took the statement */
  via: string | null;
  /** the survivors' view it was evicted from: while they still show it, the view change is under way */
  view: GroupView | null;
}

export interface FencingState {
  version: 1;
  nodes: Record<string, FencingNodeTrack>;
  lastEvictionAt: number | null;
  /** evictions done (newest last, bounded) */
  evictions: EvictionRecord[];
  /** uuids the restart hook already ran for */
  restarted: string[];
  totals: FencingTotals;
}

export interface FencingTotals {
  evictions: number;
  evictionsDead: number;
  evictionsUnresponsive: number;
  aborted: number;
  cleared: number;
  restarts: number;
}

export const INITIAL_FENCING_STATE: FencingState = {
  version: 1,
  nodes: {},
  lastEvictionAt: null,
  evictions: [],
  restarted: [],
  totals: { evictions: 0, evictionsDead: 0, evictionsUnresponsive: 0, aborted: 0, cleared: 0, restarts: 0 },
};

/** What the executor did with one plan. */
export interface FencingOutcome {
  evict?: {
    node: string;
    uuid: string;
    reason: 'dead' | 'unresponsive';
    /** the statement was accepted by a survivor */
    done: boolean;
    /** the survivor that took it */
    via?: string;
    /** unresponsive: the causal read stalled (true) or answered (false: the survivors are in contact) */
    groupStalled?: boolean;
    groupCheckMs?: number;
    durationMs: number;
    error?: string;
  };
  cleared: { node: string; ok: boolean; error?: string }[];
  restart?: { node: string; uuid: string; started: boolean; error?: string };
  /** restart hooks that finished since the last outcome */
  restartsFinished: { node: string; uuid: string; ok: boolean; exitCode: number | null; durationMs: number; output: string }[];
}

/** The fencing part of a tick record. */
export interface FencingTickRecord {
  mode: FencingMode;
  plan: { operative: FencingOperative; evict?: EvictionPlan; clear: ClearPlan[]; restart?: RestartPlan; spared: Spared[] };
  outcome: FencingOutcome;
  totals: FencingTotals;
  /** evictions done since start (newest last, bounded) */
  evictions: EvictionRecord[];
}
