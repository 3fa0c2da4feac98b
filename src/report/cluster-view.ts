// The JSON of GET /api/cluster and GET /api/decisions: what the loop decides now, and the audit log of
// the ticks that changed something. Pure: built from the ReportSource's records, plain JSON out.
import type { Finding, PrimaryComponent, RoleChange } from '../model/decision.js';
import type { ApplyOutcome, HistoryTick, LoopCounters, Readiness, ReportSource, TickTrigger } from '../model/tick.js';
import type { EvictionRecord, FencingMode } from '../model/fencing.js';
import type { TrafficState } from '../model/traffic.js';

export interface LastTickView {
  seq: number;
  at: number;
  durationMs: number;
  /** server time minus the tick's time: a client compares it, not its own clock, to tell staleness */
  ageMs: number;
  /** what started the tick: the schedule, a data-path signal (node, router, kind), or a re-run after an eviction */
  trigger: TickTrigger;
}

export interface ClusterView {
  name: string;
  /** galera: `primary` is the Primary component; replication: there is none (the writer is the primary) */
  topology: 'galera' | 'replication';
  startedAt: number;
  /** server time of this answer, epoch ms */
  now: number;
  epoch: number | null;
  writers: string[];
  readers: string[];
  primary: PrimaryComponent | null;
  findings: Finding[];
  counters: LoopCounters;
  maintenance: string[];
  lastTick: LastTickView | null;
  applied: ApplyOutcome[];
  proxy: { endpoints: { writer?: string; reader?: string }; rejected: number } | null;
  /** what the health port's /ready answers now (null without the built-in proxy's health port) */
  readiness: Readiness | null;
  /** Galera-native fencing: null when [fencing] mode is off */
  fencing: FencingView | null;
  /** Switchboard's traffic switch (null where the source has none) */
  traffic: TrafficState | null;
}

export interface FencingView {
  mode: FencingMode;
  /** the probe account's grants let fencing work; null: not known yet */
  operative: boolean | null;
  /** why not (the missing privilege and the GRANT to run); null when operative */
  inoperativeReason: string | null;
  /** evictions done since start (node, gcomm uuid, reason, via, at, view), newest last */
  evictions: EvictionRecord[];
}

export function clusterView(source: ReportSource, now: number): ClusterView {
  const tick = source.latest();
  const stats = source.proxyStats();
  return {
    name: source.clusterName,
    topology: source.topology ?? 'galera',
    startedAt: source.startedAt,
    now,
    epoch: tick?.desired.epoch ?? null,
    writers: tick?.desired.writers ?? [],
    readers: tick?.desired.readers ?? [],
    primary: tick?.desired.primary ?? null,
    findings: tick?.findings ?? [],
    counters: source.counters(),
    maintenance: source.maintenanceMarks(),
    lastTick: tick === undefined ? null : { seq: tick.seq, at: tick.at, durationMs: tick.durationMs, ageMs: Math.max(0, now - tick.at), trigger: triggerOf(tick) },
    applied: tick?.applied ?? [],
    proxy: stats === undefined ? null : { endpoints: stats.endpoints, rejected: stats.rejected },
    readiness: source.readiness?.() ?? null,
    traffic: source.traffic?.() ?? null,
    fencing: tick?.fencing === undefined ? null : {
      mode: tick.fencing.mode, operative: tick.fencing.plan.operative.operative, inoperativeReason: tick.fencing.plan.operative.reason, evictions: tick.fencing.evictions,
    },
  };
}

export interface DecisionView {
  seq: number;
  at: number;
  /** how long the tick took, apply included: its routing was in force from at + durationMs */
  durationMs: number;
  epoch: number;
  writers: string[];
  readers: string[];
  changes: RoleChange[];
  findings: Finding[];
  /** routers that failed to apply this decision, with their error */
  applyErrors: { router: string; code: string; message: string }[];
  /** what started the tick that decided it (a data-path signal: which node, router and kind) */
  trigger: TickTrigger;
}

const triggerOf = (tick: HistoryTick): TickTrigger => tick.trigger ?? { by: 'schedule' };

export function decisionView(tick: HistoryTick): DecisionView {
  return {
    seq: tick.seq,
    at: tick.at,
    durationMs: tick.durationMs,
    epoch: tick.desired.epoch,
    writers: tick.desired.writers,
    readers: tick.desired.readers,
    changes: tick.changes,
    findings: tick.findings,
    applyErrors: tick.applied
      .filter((a) => !a.ok)
      .map((a) => ({ router: a.router, code: a.error?.code ?? 'E_APPLY', message: a.error?.message ?? `${a.router}: apply not verified` })),
    trigger: triggerOf(tick),
  };
}

/** The last `limit` ticks that changed something, newest first. */
export function decisionsView(source: ReportSource, limit: number): DecisionView[] {
  return source.history(limit).slice(-limit).reverse().map(decisionView);
}
