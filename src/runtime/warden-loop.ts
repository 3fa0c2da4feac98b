// The loop: observe every node in parallel -> decide -> apply to every router -> record the tick.
// A tick never overlaps the previous one; the next starts `intervalMs` after the previous one started
// (or at once when a tick overran). The decision state is handed from tick to tick and persisted.
// A data-path signal runs a tick out of band (`triggered`): the same path, queued behind any tick in flight,
// so that scheduled and triggered ticks never run at the same time.
import { byPriority } from '../decide/conditions.js';
import { decide } from '../decide/decide.js';
import { afterOutcome, planFencing } from '../decide/fencing.js';
import { trafficOffFinding, trafficOffReason, trafficOffRouting } from '../decide/traffic-off.js';
import type { DecideConfig } from '../model/decide-config.js';
import type { DecideState } from '../model/decision.js';
import type { ExternalVerdict } from '../model/external.js';
import type { FencingConfig, FencingOutcome, FencingPlan, FencingState, FencingTickRecord } from '../model/fencing.js';
import type { ClusterObservation } from '../model/observation.js';
import type { ApplyOutcome, DataPathSignal, TickRecord, TickTrigger } from '../model/tick.js';
import type { TrafficRequest, TrafficResult, TrafficState, TrafficSwitch } from '../model/traffic.js';
import { TRAFFIC_ON } from '../model/traffic.js';
import type { OrchestratorObservation, OrchestratorVerdictConfig } from '../model/orchestrator.js';
import type { RouterAdapter } from '../apply/router.js';
import type { WriterCoordinator } from '../coordinate/writer-coordinator.js';
import { seedWriters } from '../decide/seed-state.js';
import { readRouterWriters } from './adopt-writer.js';
import type { TickRecorder } from './tick-recorder.js';
import type { Logger } from './logger.js';
import type { SavedState } from './state-file.js';

export interface StateStore {
  /** null: no usable state (none, or set aside as invalid) */
  loadSaved(): SavedState | null;
  /** writes when what it records changed; may throw (the loop logs it and goes on) */
  saveAll(saved: SavedState): boolean;
}

/** What readiness needs to know about the loop (see readiness.ts). */
export interface LoopHealth {
  /** end of the last tick that completed */
  lastTickAt: number | null;
  /** writers of the last completed tick, and whether every router applied them */
  writers: string[];
  routed: boolean;
  /** set while the last attempt failed (decide threw, a router threw): the error message */
  failing: string | null;
  /** set while the coordination store keeps this instance from routing a writer: why */
  coordination?: string | null;
  /** set while an operator has switched traffic off: why, by whom */
  trafficOff?: string | null;
}

export interface LoopOptions {
  observe: () => Promise<ClusterObservation>;
  decideConfig: DecideConfig;
  routers: readonly RouterAdapter[];
  recorder: TickRecorder;
  intervalMs: number;
  log: Logger;
  state?: StateStore;
  now?: () => number;
  /** how long an operator's switchover request stands before it lapses */
  switchoverTtlMs?: number;
  /** cold start: how long to wait for each router to say which writer it routes to (default 2000) */
  adoptTimeoutMs?: number;
  /** Galera-native fencing: the planner runs after decide(), the executor alongside the routers */
  fencing?: { config: FencingConfig; execute(plan: FencingPlan): Promise<FencingOutcome> };
  /** the shared writer record ([coordination] store): read before each decision, written before each change of writer */
  coordinator?: WriterCoordinator;
  /** [orchestrator]: the source's latest observation, turned into downtime and fence verdicts by decide() */
  orchestrator?: { latest(): OrchestratorObservation; config: OrchestratorVerdictConfig };
  /** hears every recorded tick, scheduled or triggered, before the next one starts (the re-form watch); must not throw */
  onTick?: (record: TickRecord) => void;
}

export class WardenLoop {
  private state: DecideState | null;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** every tick, scheduled or triggered, runs through this queue: one at a time */
  private queue: Promise<unknown> = Promise.resolve();
  /** what the next scheduled run is: the interval's tick, or one at once after an eviction */
  private nextBy: 'schedule' | 'again' = 'schedule';
  private stopped = true;
  private readonly maintenance = new Set<string>();
  /** `basis`: the record's writers when it was asked for (coordinated only) */
  private switchover: { node: string; until: number; basis?: string[] } | undefined;
  private readonly now: () => number;
  private fencingState: FencingState | null = null;
  /** an eviction changed the view: tick again at once to route on the new one */
  private tickAgain = false;
  /** no saved state: read the routers' writers before the first decision */
  private coldStart: boolean;
  private readonly healthState: LoopHealth = { lastTickAt: null, writers: [], routed: false, failing: null, coordination: null, trafficOff: null };
  /** the traffic switch without a coordination store (with one, the record's rules) */
  private localTraffic: TrafficSwitch;
  /** no writer routed: a tick when the first node's re-entry hold runs out (wakeAtHoldEnd) */
  private holdTimer: NodeJS.Timeout | undefined;
  /** the last inoperative reason logged, so that the error is logged when it appears or changes, not every tick */
  private fencingInoperative: string | null = null;

  constructor(private readonly o: LoopOptions) {
    this.now = o.now ?? Date.now;
    const saved = o.state?.loadSaved() ?? null;
    this.state = saved?.state ?? null;
    for (const m of saved?.maintenance ?? []) this.maintenance.add(m);
    this.localTraffic = saved?.traffic ?? TRAFFIC_ON;
    o.coordinator?.setLocalMarks(this.maintenanceMarks());
    this.coldStart = saved === null;
  }

  /**
   * One full tick (rejects only on a bug: decide() or a router throwing; the loop logs it and goes on).
   * Waits for the tick in flight, if any: ticks never overlap.
   */
  tick(trigger: () => TickTrigger = () => ({ by: 'schedule' })): Promise<TickRecord> {
    return this.enqueue(() => this.guardedTick(trigger));
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * A tick out of band for a data-path signal of `node` (DataPathTrigger calls it; never concurrently with
   * another tick). Probes as a tick does and decides through decide() and the fencing planner: the signal is
   * recorded as the tick's trigger, never used as evidence. Nothing while the loop is stopped.
   */
  async triggered(node: string, signals: DataPathSignal[], coalesced: () => number = () => 0): Promise<TickRecord | undefined> {
    if (this.stopped) return undefined;
    const first = signals[0];
    this.o.log.info({ node, router: first?.router, kind: first?.kind, detail: first?.detail, signals: signals.length }, `data-path signal from ${node} (${first?.kind ?? '?'}): probing now`);
    let record: TickRecord | undefined;
    try {
      // stopped while queued: skipped
      record = await this.enqueue(async () => (this.stopped ? undefined : this.guardedTick(() => ({ by: 'data-path', node, signals, coalesced: coalesced() }))));
    } catch (err) {
      this.o.log.error({ err: (err as Error).stack }, 'triggered tick failed');
    }
    // an eviction in this tick: the scheduled tick runs at once, on the new view
    if (this.tickAgain && !this.stopped && this.timer !== undefined) {
      this.tickAgain = false;
      this.schedule(0, 'again');
    }
    return record;
  }

  private async guardedTick(trigger: () => TickTrigger): Promise<TickRecord> {
    try {
      const record = await this.tickOnce(trigger);
      const h = this.healthState;
      h.lastTickAt = this.now();
      h.writers = record.desired.writers;
      h.routed = record.desired.writers.length > 0 && record.applied.every((a) => a.ok);
      h.failing = null;
      h.coordination = record.desired.writers.length === 0 ? (record.findings.find((f) => f.code === 'COORDINATION_UNAVAILABLE' || f.code === 'COORDINATION_CONFLICT' || f.code === 'COORDINATION_HANDOVER' || f.code === 'COORDINATION_REJOINING')?.message ?? null) : null;
      h.trafficOff = record.desired.trafficOff ?? null;
      return record;
    } catch (err) {
      this.healthState.failing = (err as Error).message;
      throw err;
    }
  }

  health(): Readonly<LoopHealth> {
    return this.healthState;
  }

  /** Cold start: the writer the routers route to becomes the previous writer of the first decision. */
  private async adopt(): Promise<void> {
    this.coldStart = false;
    if (this.state !== null || this.o.routers.length === 0) return;
    const read = await readRouterWriters(this.o.routers, this.o.decideConfig.nodes, this.o.adoptTimeoutMs ?? 2000);
    if (read.conflict) this.o.log.warn({ routers: read.said }, `cold start: not adopting a writer: ${read.conflict}; electing one`);
    else if (read.writers.length > 0) {
      // nothing known but the writers in place
      this.state = seedWriters(null, read.writers, { epoch: 1 });
      this.o.log.info({ routers: read.said, writers: read.writers }, `cold start: adopting the writer in place (${read.writers.join(', ')}) while it is eligible`);
    } else this.o.log.info({ routers: read.said }, 'cold start: no router routes to a writer; electing one');
  }

  private async tickOnce(trigger: () => TickTrigger): Promise<TickRecord> {
    const started = this.now();
    const observation = await this.o.observe();
    const coord = this.o.coordinator;
    if (coord) await coord.sync(this.now());
    // the shared record names the writer: a restarted instance follows it, not the routers
    if (this.coldStart && coord?.hasRecord()) this.coldStart = false;
    if (this.coldStart) await this.adopt();
    const now = this.now();
    const previous = coord ? coord.seed(this.state) : this.state;
    const orc = this.o.orchestrator;
    const orchestrator = orc ? { orchestrator: { observation: orc.latest(), config: orc.config } } : {};
    const decideFrom = (p: DecideState | null) => decide({ observation, previous: p, config: this.o.decideConfig, now, external: this.external(now), ...orchestrator });
    let result = decideFrom(previous);
    let coordinationFindings: TickRecord['findings'] = [];
    if (coord) {
      // the record changes first: nothing is routed that the record does not name
      const settled = await coord.settle(result, previous, now, decideFrom);
      result = settled.result;
      coordinationFindings = settled.findings;
    }
    // traffic switched off: the decision stands (same writer when it comes back on), nothing is routed
    const traffic = this.traffic();
    const off = traffic.trafficEnabled ? undefined : trafficOffReason(traffic, traffic.scope);
    const routed = off === undefined ? result.desired : trafficOffRouting(result.desired, off);
    const fencing = this.planFencing(observation, result.desired, now);
    const [applied, fenced] = await Promise.all([
      Promise.all<Promise<ApplyOutcome>>(this.o.routers.map((r) => r.apply(routed))),
      fencing ? this.runFencing(fencing.plan, fencing.next, now) : Promise.resolve(undefined),
    ]);
    this.state = result.next;
    this.persist();
    if (this.switchover && result.desired.writers.includes(this.switchover.node)) this.switchover = undefined;
    const record: TickRecord = {
      seq: ++this.seq,
      at: started,
      durationMs: this.now() - started,
      observation,
      desired: routed,
      findings: [...result.findings, ...coordinationFindings, ...(fenced?.findings ?? []), ...(off === undefined ? [] : [trafficOffFinding(off)])].sort(byPriority),
      changes: result.changes,
      applied,
      ...(fenced ? { fencing: fenced.record } : {}),
      trigger: trigger(),
    };
    this.o.recorder.record(record, record.durationMs > this.o.intervalMs);
    this.logTick(record);
    if (!this.stopped) {
      this.wakeAtHoldEnd(record);
      this.o.onTick?.(record);
    }
    return record;
  }

  /**
   * While a tick routes no writer, a node kept out only by its re-entry hold ([routing] minHoldMs, counted from
   * its first healthy observation) is let in by the first tick after the hold runs out: run that tick when it
   * does, not up to an interval later. One timer, set again after every tick; the schedule is not moved. A node
   * that still misses retryUp observations then waits for the schedule as before.
   */
  private wakeAtHoldEnd(record: TickRecord): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    const hold = this.o.decideConfig.minHoldMs;
    const decidedAt = this.state?.at;
    if (hold <= 0 || !this.state || decidedAt === null || decidedAt === undefined || record.desired.writers.length > 0 || record.desired.trafficOff !== undefined) return;
    // the tick at the hold's end adds one healthy observation: enough only for a node at most one short of retryUp
    const streak = Math.max(1, this.o.decideConfig.retryUp) - 1;
    let first: { node: string; at: number } | undefined;
    for (const [node, t] of Object.entries(this.state.nodes)) {
      if (t.inService || t.healthySince === null || t.healthyStreak < streak) continue;
      // measured against this tick's decision time: a hold that ends between the decision and now ticks at once
      const at = t.healthySince + hold;
      if (at > decidedAt && (!first || at < first.at)) first = { node, at };
    }
    if (!first || first.at - decidedAt > this.o.intervalMs) return;
    const node = first.node;
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      if (this.stopped) return;
      this.enqueue(async () => (this.stopped ? undefined : this.guardedTick(() => ({ by: 'hold-end', node })))).catch((err: unknown) => this.o.log.error({ err: (err as Error).stack }, 'tick failed'));
    }, Math.max(0, first.at - this.now()));
  }

  private planFencing(observation: ClusterObservation, desired: TickRecord['desired'], now: number) {
    const f = this.o.fencing;
    if (!f || f.config.mode === 'off') return undefined;
    return planFencing({ observation, desired, previous: this.fencingState, config: f.config, nodes: this.o.decideConfig.nodes, now });
  }

  /** Runs the fencing plan (the executor never throws) and records what it did. */
  private async runFencing(plan: FencingPlan, next: FencingState, now: number): Promise<{ findings: TickRecord['findings']; record: FencingTickRecord }> {
    const f = this.o.fencing!;
    this.logOperative(plan);
    const outcome = await f.execute(plan);
    const after = afterOutcome(next, outcome, now, plan);
    this.fencingState = after.next;
    if (outcome.evict?.done) this.tickAgain = true;
    const { findings: _f, ...planRecord } = plan;
    return { findings: [...plan.findings, ...after.findings], record: { mode: f.config.mode, plan: planRecord, outcome, totals: after.next.totals, evictions: after.next.evictions } };
  }

  /** Fencing that cannot work says so: an error naming the missing privilege and the GRANT to run. */
  private logOperative(plan: FencingPlan): void {
    const op = plan.operative;
    if (op.operative === false && op.reason !== this.fencingInoperative) {
      this.o.log.error({ code: 'FENCE_INOPERATIVE', missing: op.missing }, `fencing is inoperative: ${op.reason}`);
    } else if (op.operative === true && this.fencingInoperative !== null) {
      this.o.log.info({}, 'fencing is operative: the probe account has the privileges it needs');
    }
    this.fencingInoperative = op.operative === false ? op.reason : null;
  }

  private external(now: number): ExternalVerdict {
    const v: ExternalVerdict = {};
    if (this.maintenance.size > 0) v.maintenance = [...this.maintenance].sort();
    this.lapseSwitchover();
    if (this.switchover && this.switchover.until > now) v.switchoverTo = this.switchover.node;
    else this.switchover = undefined;
    return this.o.coordinator ? this.o.coordinator.external(v) : v;
  }

  private logTick(t: TickRecord): void {
    // the tick's timeline (docs/data-path.md, "Where the time goes"): only at [run] logLevel = "debug"
    if (this.o.log.isLevelEnabled('debug')) this.o.log.debug(tickTimeline(t), `tick ${t.seq} (${t.trigger?.by ?? 'schedule'}) ${Math.round(t.durationMs)} ms`);
    for (const c of t.changes) this.o.log.info({ node: c.node, pool: c.pool, from: c.from, to: c.to, reasons: c.reasons, epoch: t.desired.epoch }, c.message);
    for (const a of t.applied) {
      if (a.error) this.o.log.error({ router: a.router, code: a.error.code }, a.error.message);
      else if (a.changed) this.o.log.info({ router: a.router, severed: a.severed, ms: Math.round(a.durationMs) }, a.actions.join('; '));
    }
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.running = this.scheduled('schedule');
  }

  private async scheduled(by: 'schedule' | 'again'): Promise<void> {
    const started = this.now();
    try {
      await this.tick(() => ({ by }));
    } catch (err) {
      this.o.log.error({ err: (err as Error).stack }, 'tick failed');
    }
    if (this.stopped) return;
    const again = this.tickAgain;
    this.tickAgain = false;
    this.schedule(again ? 0 : Math.max(0, this.o.intervalMs - (this.now() - started)), again ? 'again' : 'schedule');
  }

  private schedule(wait: number, by: 'schedule' | 'again'): void {
    if (this.timer) clearTimeout(this.timer);
    this.nextBy = by;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.scheduled(this.nextBy);
    }, wait);
  }

  /**
   * An operator's command changed what is routed: tick now, or right after the scheduled tick in flight (a
   * triggered tick in flight is followed by the queued one at once anyway).
   */
  private wake(): void {
    if (this.stopped) return;
    if (this.timer === undefined) this.tickAgain = true;
    else this.schedule(0, 'again');
  }

  /** Stops scheduling ticks and waits for the ones in flight or queued. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    await this.running;
    await this.queue;
  }

  private persist(): void {
    if (!this.o.state || this.state === null) return;
    try {
      this.o.state.saveAll({ state: this.state, maintenance: this.maintenanceMarks(), ...(this.o.coordinator ? {} : { traffic: this.localTraffic }) });
    } catch (err) {
      this.o.log.error({ err: (err as Error).message }, 'could not save the decision state');
    }
  }

  /** The mark is saved at once (when there is a state to save it with), so a restart keeps it. */
  setMaintenance(node: string, on: boolean): void {
    // coordinated: the mark goes through the shared record (written on the next tick), the record's marks rule
    this.o.coordinator?.requestMaintenance(node, on);
    if (on) this.maintenance.add(node);
    else this.maintenance.delete(node);
    this.persist();
  }

  maintenanceMarks(): string[] {
    if (this.o.coordinator) return this.o.coordinator.maintenance();
    return [...this.maintenance].sort();
  }

  /** Switchboard's traffic switch: the coordination record's, or this instance's own without a store. */
  traffic(): TrafficState {
    if (this.o.coordinator) return { ...this.o.coordinator.traffic(), scope: 'record' };
    return { ...this.localTraffic, scope: 'local' };
  }

  /** Sets the switch (in the record when coordinated: every instance follows), then ticks at once to apply it. */
  async setTraffic(req: TrafficRequest): Promise<TrafficResult> {
    const now = this.now();
    if (this.o.coordinator) {
      const r = await this.o.coordinator.setTraffic(req, now);
      if (r.ok) this.wake();
      return r;
    }
    this.localTraffic = { trafficEnabled: req.trafficEnabled, message: req.message, setBy: req.by, setAt: now };
    this.o.log.info({ trafficEnabled: req.trafficEnabled, by: req.by }, `traffic ${req.trafficEnabled ? 'enabled' : 'disabled'} on this instance${req.message ? `: ${req.message}` : ''}`);
    this.persist();
    this.wake();
    return { ok: true, traffic: this.traffic() };
  }

  requestSwitchover(node: string): void {
    const basis = this.o.coordinator?.status().record?.writers;
    this.switchover = { node, until: this.now() + (this.o.switchoverTtlMs ?? 10_000), ...(basis && { basis: [...basis] }) };
  }

  /**
   * Coordinated: a switchover asked for while the record named writers W lapses when another change moved the
   * record's writer away from W first (two operators racing through two instances: the first change wins, the
   * second is not applied on top of it).
   */
  private lapseSwitchover(): void {
    const s = this.switchover;
    const record = this.o.coordinator?.status().record;
    if (!s?.basis || !record) return;
    const w = record.writers;
    if (w.length === s.basis.length && w.every((x, i) => x === s.basis![i])) return;
    if (w.includes(s.node)) return;
    this.o.log.warn({ node: s.node, epoch: record.epoch, writers: w, setBy: record.setBy }, `switchover to ${s.node} dropped: the writer record moved to [${w.join(', ')}] (epoch ${record.epoch} by ${record.setBy}) since it was asked for`);
    this.switchover = undefined;
  }
}

/** Where a tick spent its time, ms from its start: each probe, the fencing action, each router's apply. */
export function tickTimeline(t: TickRecord): Record<string, unknown> {
  const tr = t.trigger ?? { by: 'schedule' };
  const f = t.fencing?.outcome.evict;
  return {
    seq: t.seq,
    at: t.at,
    by: tr.by,
    ...(tr.by === 'data-path' ? { signalNode: tr.node, signalAt: tr.signals[0]?.at, signalKind: tr.signals[0]?.kind, coalesced: tr.coalesced } : {}),
    probes: t.observation.nodes.map((n) => ({ node: n.node, startMs: n.at - t.at, ms: Math.round(n.latencyMs), ...(n.error ? { error: n.error.kind } : {}) })),
    ...(f ? { evict: { node: f.node, done: f.done, via: f.via, ms: Math.round(f.durationMs) } } : {}),
    applied: t.applied.map((a) => ({ router: a.router, changed: a.changed, ms: Math.round(a.durationMs) })),
    writers: t.desired.writers,
    ms: Math.round(t.durationMs),
  };
}
