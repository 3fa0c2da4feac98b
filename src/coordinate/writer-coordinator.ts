// The loop's side of the shared writer record. Each tick: sync() reads the record (and writes queued
// maintenance requests); seed() hands decide() the record's writer and epoch as its previous writer, so that a
// restarted instance, or one that sees another instance's newer epoch, keeps that writer while it is eligible;
// settle() records a change of writer by compare-and-set before anything is routed (a lost race re-reads,
// re-decides and routes the winner's writer), and fails closed when the store does not answer: the last known
// writer is kept only while it stays eligible and for at most the lease, then no writer is routed.
import type { DecideResult, DecideState, Finding } from '../model/decision.js';
import { seedWriters } from '../decide/seed-state.js';
import type { ExternalVerdict } from '../model/external.js';
import type { TrafficRequest, TrafficResult, TrafficSwitch } from '../model/traffic.js';
import { TRAFFIC_ON } from '../model/traffic.js';
import type { StoreFailure, WriterRecord, WriterRecordChange } from '../model/writer-record.js';
import { applyMarks, constrainWriters, coordinationFinding, eligibleWriter, sameList, withEpoch } from './constrain-writers.js';
import type { WriterStore } from './writer-store.js';

export interface CoordinatorLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
}

export interface CoordinatorOptions {
  store: WriterStore;
  /** this instance, in the record's setBy */
  instanceId: string;
  /** how long after the store last answered the last known writer may still be routed */
  leaseMs: number;
  log: CoordinatorLog;
  /** maintenance marks from the state file: used until the store has a record */
  maintenance?: readonly string[];
  /**
   * what a previous process knew (a scheduler run starts a process per run): the record and when the store last
   * answered, so that the lease rule holds across runs exactly as across the ticks of a daemon
   */
  last?: { record: WriterRecord | null; contactAt: number | null; hold?: HandoverHold | null };
  /**
   * After the record's writer moves away from a writer this instance knew, route no writer for this long, so
   * that every other instance has dropped the old writer before anyone routes the new one (no two nodes take
   * writes at once). 0 or absent: route the new writer at once.
   */
  handoverMs?: number;
  /**
   * After the store answers again following a failure, move the record's writer nowhere for this long: this
   * instance's view of the nodes is still settling (a node it was cut off from needs retryUp and minHoldMs to
   * be in service again), while the other instances kept routing a writer they see healthy. Meanwhile the
   * record's writer is routed once eligible here, else none. 0 or absent: no such wait.
   */
  rejoinMs?: number;
  /**
   * The rejoin wait ends early, once this long has passed since the store answered again, when no node is
   * recovering in this instance's view (healthy again but not yet in service): its view has settled. Default 0.
   */
  rejoinSettleMs?: number;
}

export interface CoordinationStatus {
  store: string;
  /** the record as last seen (null: none yet, or never read) */
  record: WriterRecord | null;
  /** the last time the store answered (epoch ms), null: never */
  contactAt: number | null;
  /** set while the store fails */
  failing: StoreFailure | null;
}

/** A handover under way: from `until` on the record's new writer may be routed. */
export interface HandoverHold {
  until: number;
  from: string[];
  to: string[];
  epoch: number;
}

export const COORDINATION_UNAVAILABLE = 'COORDINATION_UNAVAILABLE';
export const COORDINATION_CONFLICT = 'COORDINATION_CONFLICT';
export const COORDINATION_HANDOVER = 'COORDINATION_HANDOVER';
export const COORDINATION_REJOINING = 'COORDINATION_REJOINING';

export class WriterCoordinator {
  private known: WriterRecord | null = null;
  private contactAt: number | null = null;
  private failing: StoreFailure | null = null;
  private localMarks: string[];
  private pending: { node: string; on: boolean }[] = [];
  /** the writer moved: no writer is routed before `until` */
  private hold: HandoverHold | null = null;
  /** the store answered again after a failure: the record's writer is moved nowhere before `until` */
  private rejoin: { until: number; settledAfter: number; failedFor: number } | null = null;
  /** when the store started failing (null: it answers) */
  private failingSince: number | null = null;

  constructor(private readonly o: CoordinatorOptions) {
    this.localMarks = [...(o.maintenance ?? [])].sort();
    this.known = o.last?.record ?? null;
    this.contactAt = o.last?.contactAt ?? null;
    this.hold = o.last?.hold ?? null;
  }

  /** the handover under way (a scheduler run hands it to the next run), null: none */
  handoverHold(): HandoverHold | null {
    return this.hold ? { ...this.hold, from: [...this.hold.from], to: [...this.hold.to] } : null;
  }

  status(): CoordinationStatus {
    return { store: this.o.store.kind, record: this.known, contactAt: this.contactAt, failing: this.failing };
  }

  /** the marks kept in the state file: in force until the store has a record */
  setLocalMarks(marks: readonly string[]): void {
    this.localMarks = [...marks].sort();
  }

  /** a record has been read (the cold start need not ask the routers) */
  hasRecord(): boolean {
    return this.known !== null;
  }

  /** The marks in force: the record's (or the local ones before there is a record), with queued requests applied. */
  maintenance(): string[] {
    return applyMarks(this.known?.maintenance ?? this.localMarks, this.pending);
  }

  /** An operator's request; written to the record on the next sync. */
  requestMaintenance(node: string, on: boolean): void {
    this.pending.push({ node, on });
  }

  /**
   * The external verdicts the record imposes: its maintenance marks. (Its traffic switch is not a verdict: the
   * decision goes on as usual and the loop routes nothing while traffic is off, see decide/traffic-off.ts.)
   */
  external(base: ExternalVerdict): ExternalVerdict {
    const v: ExternalVerdict = { ...base };
    const marks = this.maintenance();
    if (marks.length > 0) v.maintenance = marks;
    else delete v.maintenance;
    return v;
  }

  /** The record's traffic switch as last seen (on while there is no record; kept while the store fails). */
  traffic(): TrafficSwitch {
    const k = this.known;
    if (!k) return TRAFFIC_ON;
    return { trafficEnabled: k.trafficEnabled, message: k.message, setBy: k.trafficSetBy ?? (k.trafficEnabled ? '' : k.setBy), setAt: k.trafficSetAt ?? (k.trafficEnabled ? null : k.setAt) };
  }

  /**
   * An operator sets the traffic switch: written to the record now (read, then compare-and-set, re-read on a lost
   * race), so that every instance applies it on its next tick. Never throws: a store failure is an outcome.
   */
  async setTraffic(req: TrafficRequest, now: number): Promise<TrafficResult> {
    const unavailable = (e: StoreFailure): TrafficResult => {
      this.fail(e, now);
      return { ok: false, code: COORDINATION_UNAVAILABLE, message: `the traffic switch is kept in the coordination record and the store did not take it (${e.code}): ${e.message}` };
    };
    const r = await this.o.store.read();
    if (!r.ok) return unavailable(r.error);
    this.answered(now, r.record);
    for (let attempt = 0; attempt < 3; attempt++) {
      const w = await this.o.store.compareAndSet(this.known?.epoch ?? 0, this.change(now, {
        trafficEnabled: req.trafficEnabled, message: req.message, trafficSetBy: `${req.by} via ${this.o.instanceId}`, trafficSetAt: now,
      }));
      if (w.error) return unavailable(w.error);
      this.answered(now, w.ok ? w.record : w.current);
      if (w.ok) {
        this.o.log.info({ epoch: w.record.epoch, trafficEnabled: req.trafficEnabled, by: req.by }, `coordination record: traffic ${req.trafficEnabled ? 'enabled' : 'disabled'} at epoch ${w.record.epoch}${req.message ? `: ${req.message}` : ''}`);
        return { ok: true, traffic: { ...this.traffic(), scope: 'record' } };
      }
    }
    return { ok: false, code: COORDINATION_CONFLICT, message: 'the coordination record changed under this request three times in a row; try again' };
  }

  private change(now: number, over: Partial<WriterRecordChange>): WriterRecordChange {
    const k = this.known;
    return {
      writers: k?.writers ?? [], setBy: this.o.instanceId, setAt: now, maintenance: k?.maintenance ?? this.localMarks,
      trafficEnabled: k?.trafficEnabled ?? true, message: k?.message ?? '',
      ...(k?.trafficSetBy !== undefined ? { trafficSetBy: k.trafficSetBy } : {}),
      ...(k?.trafficSetAt !== undefined ? { trafficSetAt: k.trafficSetAt } : {}),
      ...over,
    };
  }

  private fail(error: StoreFailure, now: number): void {
    if (this.failing?.code !== error.code || this.failing.message !== error.message) this.o.log.error({ code: error.code, attempts: error.attempts }, `coordination store: ${error.message}`);
    this.failing = error;
    this.failingSince ??= now;
  }

  private answered(now: number, record: WriterRecord | null): void {
    if (this.failing) {
      const rejoin = this.o.rejoinMs ?? 0;
      const failedFor = now - (this.failingSince ?? now);
      this.o.log.info({ store: this.o.store.kind, failedForMs: failedFor, rejoinMs: rejoin }, rejoin > 0
        ? `coordination store answers again after ${failedFor} ms; moving the record's writer nowhere for ${rejoin} ms (rejoin)`
        : 'coordination store answers again');
      if (rejoin > 0) this.rejoin = { until: now + rejoin, settledAfter: now + Math.min(rejoin, this.o.rejoinSettleMs ?? 0), failedFor };
    }
    this.failing = null;
    this.failingSince = null;
    this.contactAt = now;
    const k = this.known;
    const handover = this.o.handoverMs ?? 0;
    if (handover > 0 && record && k && k.writers.length > 0 && !sameList(k.writers, record.writers)) {
      this.hold = { until: now + handover, from: [...k.writers], to: [...record.writers], epoch: record.epoch };
      this.o.log.info({ from: k.writers, to: record.writers, epoch: record.epoch, handoverMs: handover }, `coordination record: the writer moved from [${k.writers.join(', ')}] to [${record.writers.join(', ')}]; routing no writer for ${handover} ms (handover)`);
    }
    if (record && (!k || record.epoch !== k.epoch) && record.setBy !== this.o.instanceId) {
      this.o.log.info({ epoch: record.epoch, writers: record.writers, setBy: record.setBy, maintenance: record.maintenance }, `coordination record epoch ${record.epoch} by ${record.setBy}: writers [${record.writers.join(', ')}]`);
    }
    this.known = record;
  }

  /** Reads the record; writes queued maintenance requests. Never throws. */
  async sync(now: number): Promise<void> {
    const r = await this.o.store.read();
    if (!r.ok) return this.fail(r.error, now);
    this.answered(now, r.record);
    for (let attempt = 0; attempt < 2 && this.pending.length > 0; attempt++) {
      const marks = this.maintenance();
      if (this.known && sameList(marks, this.known.maintenance)) {
        this.pending = [];
        break;
      }
      const w = await this.o.store.compareAndSet(this.known?.epoch ?? 0, this.change(now, { maintenance: marks }));
      if (w.error) return this.fail(w.error, now);
      this.answered(now, w.ok ? w.record : w.current);
      if (w.ok) {
        this.pending = [];
        this.localMarks = marks;
      }
    }
  }

  /** decide()'s previous state with the record's writer and epoch (unchanged while there is no record). */
  seed(previous: DecideState | null): DecideState | null {
    const k = this.known;
    if (!k) return previous;
    const same = sameList(previous?.writer.nodes ?? [], k.writers);
    return seedWriters(previous, k.writers, { epoch: k.epoch, since: same ? (previous?.writer.since ?? null) : k.setAt });
  }

  /**
   * Makes the decision agree with the record: records a change of writer by compare-and-set (at most two tries
   * per tick), or fails closed. `redecide` runs decide() again from a previous state (after a lost race).
   */
  async settle(result: DecideResult, previous: DecideState | null, now: number, redecide: (previous: DecideState | null) => DecideResult): Promise<{ result: DecideResult; findings: Finding[] }> {
    return this.handover(await this.settleRecord(result, previous, now, redecide), previous, now);
  }

  /**
   * During a handover (the writer just moved) nothing is routed as writer, and the old writer's connections are
   * severed. No handover when the old writers are outside the Primary component this instance observes, and
   * that component is fully accounted for (its size equals the configured nodes reporting it): they cannot
   * commit anything, whoever still routes them.
   */
  private handover(s: { result: DecideResult; findings: Finding[] }, previous: DecideState | null, now: number): { result: DecideResult; findings: Finding[] } {
    const h = this.hold;
    if (h && now >= h.until) this.hold = null;
    const p = s.result.desired.primary;
    if (this.hold && p && p.size === p.nodes.length && this.hold.from.every((w) => !p.nodes.includes(w))) {
      this.o.log.info({ from: this.hold.from, primary: p.nodes }, `coordination: no handover: the old writer ${this.hold.from.join(', ')} is outside the Primary component [${p.nodes.join(', ')}] and cannot commit`);
      this.hold = null;
    }
    if (!this.hold || s.result.desired.writers.length === 0) return s;
    const message = `the writer moved from ${h!.from.join(', ')} to ${h!.to.join(', ') || 'none'} at epoch ${h!.epoch}: routing no writer for ${h!.until - now} ms more, until every instance has dropped the old one (coordination.handoverMs)`;
    const f = coordinationFinding(COORDINATION_HANDOVER, 'warning', 590, message);
    return { result: constrainWriters(s.result, [], s.result.desired.epoch, previous, { code: COORDINATION_HANDOVER, message }, now), findings: [...s.findings, f] };
  }

  private async settleRecord(result: DecideResult, previous: DecideState | null, now: number, redecide: (previous: DecideState | null) => DecideResult): Promise<{ result: DecideResult; findings: Finding[] }> {
    if (this.failing) return this.failClosed(result, previous, now);
    let cur = result;
    let prev = previous;
    for (let attempt = 0; attempt < 2; attempt++) {
      const k = this.known;
      const want = cur.desired.writers;
      if (k ? sameList(want, k.writers) : want.length === 0) return { result: withEpoch(cur, k?.epoch ?? 0), findings: [] };
      if (this.rejoin && (now >= this.rejoin.until || (now >= this.rejoin.settledAfter && !recovering(cur)))) {
        if (now < this.rejoin.until) this.o.log.info({ afterMs: now - this.rejoin.until + (this.o.rejoinMs ?? 0) }, 'coordination: this instance\'s view of the nodes has settled after the store came back; the record\'s writer may move again');
        this.rejoin = null;
      }
      if (this.rejoin && k && k.writers.length > 0) return this.rejoining(cur, prev, now, k, this.rejoin);
      const w = await this.o.store.compareAndSet(k?.epoch ?? 0, this.change(now, { writers: [...want], maintenance: this.maintenance() }));
      if (w.error) {
        this.fail(w.error, now);
        return this.failClosed(cur, prev, now);
      }
      if (w.ok) {
        this.answered(now, w.record);
        this.o.log.info({ epoch: w.record.epoch, writers: want }, `coordination record: writers [${want.join(', ')}] at epoch ${w.record.epoch}`);
        return { result: withEpoch(cur, w.record.epoch), findings: [] };
      }
      this.answered(now, w.current);
      this.o.log.warn({ wanted: want, epoch: w.current?.epoch, writers: w.current?.writers, setBy: w.current?.setBy }, 'coordination record: another instance changed the writer first; re-deciding from its record');
      prev = this.seed(previous);
      cur = redecide(prev);
    }
    const k = this.known;
    if (k && sameList(cur.desired.writers, k.writers)) return { result: withEpoch(cur, k.epoch), findings: [] };
    const msg = 'the writer record changed under this instance twice in one tick: routing no writer until the next tick';
    const f = coordinationFinding(COORDINATION_CONFLICT, 'error', 955, msg);
    return { result: constrainWriters(cur, [], k?.epoch ?? 0, previous, { code: COORDINATION_CONFLICT, message: msg }, now), findings: [f] };
  }

  /** Just back in touch with the store: route the record's writer if eligible here, else none; never move it. */
  private rejoining(result: DecideResult, previous: DecideState | null, now: number, k: WriterRecord, r: { until: number; failedFor: number }): { result: DecideResult; findings: Finding[] } {
    const keep = k.writers.every((w) => eligibleWriter(result.desired, w)) ? k.writers : [];
    const message = `the coordination store answers again after ${r.failedFor} ms without it; for ${r.until - now} ms more this instance moves the recorded writer ${k.writers.join(', ')} nowhere (its view of the nodes is still settling, coordination.rejoinMs)${keep.length > 0 ? '' : ' and routes no writer: it does not see that writer eligible yet'}`;
    const f = coordinationFinding(COORDINATION_REJOINING, 'warning', 595, message);
    return { result: constrainWriters(result, keep, k.epoch, previous, { code: COORDINATION_REJOINING, message }, now), findings: [f] };
  }

  /** The store cannot be read or written: keep the last known writer while eligible and within the lease, else none. */
  private failClosed(result: DecideResult, previous: DecideState | null, now: number): { result: DecideResult; findings: Finding[] } {
    const k = this.known;
    const why = `${this.failing?.code ?? 'COORD_STORE_UNAVAILABLE'}: ${this.failing?.message ?? 'no answer'}`;
    const left = this.contactAt === null ? -1 : this.contactAt + this.o.leaseMs - now;
    const keep = k !== null && left >= 0 && k.writers.length > 0 && k.writers.every((w) => eligibleWriter(result.desired, w)) ? k.writers : [];
    const message = keep.length > 0
      ? `coordination store unavailable (${why}); keeping the recorded writer ${keep.join(', ')} for at most ${left} ms more (lease)`
      : `coordination store unavailable (${why}); routing no writer until it answers (${k === null ? 'no record known' : left < 0 ? 'lease expired' : 'the recorded writer is not eligible'})`;
    const f = coordinationFinding(COORDINATION_UNAVAILABLE, keep.length > 0 ? 'warning' : 'critical', keep.length > 0 ? 600 : 960, message);
    return { result: constrainWriters(result, keep, k?.epoch ?? 0, previous, { code: COORDINATION_UNAVAILABLE, message }, now), findings: [f] };
  }
}

/** a node is healthy again in this instance's view but not yet in service (retryUp, minHoldMs) */
const recovering = (r: DecideResult): boolean => Object.values(r.next.nodes).some((t) => !t.inService && t.healthyStreak > 0);
