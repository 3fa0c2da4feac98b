// Properties of decide() over random clusters and random sequences of ticks. The generator knows what it broke on
// each node, so the properties check decide() against that ground truth, not against decide's own reasoning.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { DecideResult, DecideState } from '../model/decision.js';
import type { ExternalVerdict } from '../model/external.js';
import type { NodeObservation, NodeStatus } from '../model/observation.js';
import { decide } from './decide.js';
import { writerLimit } from './election.js';
import { failed, nonPrimaryStatus, observation, seen, syncedStatus, testConfig } from './fixtures.js';
import type { Tick } from './fixtures.js';

const FAULTS = ['refused', 'timeout', 'nonPrimary', 'stale', 'maint', 'reject', 'donorRejects', 'donor', 'desync', 'readOnly', 'notSynced', 'tableAccess', 'slow'] as const;
type Fault = 'healthy' | (typeof FAULTS)[number];
/** faults whose effect never depends on other nodes (no donor sparing, no lone stale claimer) */
const PLAIN_FAULTS = FAULTS.filter((f) => f !== 'donor' && f !== 'desync' && f !== 'stale');
const OUT_OF_VIEW = new Set<Fault>(['refused', 'timeout', 'nonPrimary', 'stale']);

interface TickSpec {
  dt: number;
  faults: Fault[];
  downtimed: boolean[];
  switchoverTo: number | null;
}

interface World {
  config: DecideConfig;
  /** gmcast.segment per node (the main segment is 0) */
  segments: number[];
  ticks: TickSpec[];
}

const faultArb = (faults: readonly Fault[]): fc.Arbitrary<Fault> =>
  fc.oneof({ weight: 6, arbitrary: fc.constant<Fault>('healthy') }, { weight: 4, arbitrary: fc.constantFrom(...faults) });

function worldArb(opts: { faults?: readonly Fault[]; switchover?: boolean; failBack?: boolean } = {}): fc.Arbitrary<World> {
  return fc.integer({ min: 1, max: 5 }).chain((n) => fc.record({
    config: fc.record({
      activeFailover: fc.constantFrom<0 | 1>(0, 1),
      failBack: opts.failBack === undefined ? fc.boolean() : fc.constant(opts.failBack),
      singlePrimary: fc.boolean(),
      maxNumWriters: fc.integer({ min: 1, max: 3 }),
      writerIsAlsoReader: fc.boolean(),
      retryUp: fc.integer({ min: 0, max: 3 }),
      retryDown: fc.integer({ min: 0, max: 3 }),
      minHoldMs: fc.integer({ min: 0, max: 10_000 }),
      availableWhenReadOnly: fc.boolean(),
      weights: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
      writerCandidates: fc.array(fc.constantFrom(true, true, true, false), { minLength: n, maxLength: n }),
    }).map((c) => testConfig({
      activeFailover: c.activeFailover, failBack: c.failBack, singlePrimary: c.singlePrimary, maxNumWriters: c.maxNumWriters,
      writerIsAlsoReader: c.writerIsAlsoReader, retryUp: c.retryUp, retryDown: c.retryDown, minHoldMs: c.minHoldMs,
      availableWhenReadOnly: c.availableWhenReadOnly, mainSegment: 0,
      nodes: Array.from({ length: n }, (_, i): DecideNode => ({
        name: `node${i + 1}`, host: `10.0.0.1${i + 1}`, port: 3306, weight: c.weights[i] ?? 0, writerCandidate: c.writerCandidates[i] ?? true,
      })),
    })),
    segments: fc.array(fc.constantFrom(0, 0, 1), { minLength: n, maxLength: n }),
    ticks: fc.array(fc.record({
      dt: fc.integer({ min: 500, max: 4000 }),
      faults: fc.array(faultArb(opts.faults ?? FAULTS), { minLength: n, maxLength: n }),
      downtimed: fc.array(fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }), { minLength: n, maxLength: n }),
      switchoverTo: opts.switchover ? fc.option(fc.integer({ min: 0, max: n - 1 }), { freq: 8 }) : fc.constant(null),
    }), { minLength: 1, maxLength: 30 }),
  }));
}

/** Observations for the generated faults; the Primary view is every node not out of it, its id moves when it changes. */
function materialise(world: World): { ticks: Tick[]; primarySets: string[][] } {
  const nodes = world.config.nodes;
  let now = 10_000_000;
  let confId = 1;
  let members = '';
  const ticks: Tick[] = [];
  const primarySets: string[][] = [];
  for (const t of world.ticks) {
    now += t.dt;
    const inView = nodes.filter((_, i) => !OUT_OF_VIEW.has(t.faults[i] ?? 'healthy'));
    const key = inView.map((n) => n.name).join();
    if (key !== members) { confId += 2; members = key; }
    const view = { confId, members: inView };
    const obs = nodes.map((n, i): NodeObservation => {
      const f = t.faults[i] ?? 'healthy';
      const st = (over: Partial<NodeStatus>, v = view): NodeStatus => syncedStatus(n, v, { segment: world.segments[i] ?? 0, ...over });
      switch (f) {
        case 'healthy': return seen(n, now, st({}));
        case 'refused': return failed(n, now, 'refused');
        case 'timeout': return failed(n, now, 'timeout');
        case 'nonPrimary': return seen(n, now, nonPrimaryStatus(n));
        case 'stale': return seen(n, now, st({}, { confId: confId - 1, members: [...inView, n] }));
        case 'maint': return seen(n, now, st({ pxcMaintMode: 'MAINTENANCE' }));
        case 'reject': return seen(n, now, st({ rejectQueries: 'ALL' }));
        case 'donorRejects': return seen(n, now, st({ localState: 2, localStateComment: 'Donor/Desynced', donorRejectsQueries: true }));
        case 'donor': return seen(n, now, st({ localState: 2, localStateComment: 'Donor/Desynced' }));
        case 'desync': return seen(n, now, st({ localState: 2, localStateComment: 'Donor/Desynced', desync: true }));
        case 'readOnly': return seen(n, now, st({ readOnly: true }));
        case 'notSynced': return seen(n, now, st({ localState: 3, localStateComment: 'Joined' }));
        case 'tableAccess': return seen(n, now, st({ tableAccess: { ok: false, errno: 1146, message: 'no such table' } }));
        case 'slow': return seen(n, now, st({}), 5000);
      }
    });
    const downtimed = nodes.filter((_, i) => t.downtimed[i]).map((n) => n.name);
    const external: ExternalVerdict = {};
    if (downtimed.length > 0) external.downtimed = downtimed;
    if (t.switchoverTo !== null) external.switchoverTo = nodes[t.switchoverTo]?.name ?? 'node1';
    ticks.push({ now, observation: observation(now, obs), ...(Object.keys(external).length > 0 && { external }) });
    primarySets.push(inView.map((n) => n.name));
  }
  return { ticks, primarySets };
}

function runAll(config: DecideConfig, ticks: readonly Tick[], previous: DecideState | null = null): DecideResult[] {
  const out: DecideResult[] = [];
  let state = previous;
  for (const t of ticks) {
    const r = decide({ observation: t.observation, previous: state, config, now: t.now, ...(t.external && { external: t.external }) });
    out.push(r);
    state = r.next;
  }
  return out;
}

function freeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) freeze((v as Record<string, unknown>)[k]);
    Object.freeze(v);
  }
  return v;
}

const HARD = new Set<Fault>(['nonPrimary', 'maint', 'reject', 'donorRejects', 'readOnly']);
const RUNS = { numRuns: Number(process.env.FC_RUNS ?? 300) };

void test('property: never a writer outside the eligible set; a newly elected writer is healthy', () => {
  fc.assert(fc.property(worldArb({ switchover: true }), (world) => {
    const { ticks, primarySets } = materialise(world);
    const rs = runAll(world.config, ticks);
    rs.forEach((r, t) => {
      const spec = world.ticks[t] as TickSpec;
      const before = t > 0 ? (rs[t - 1] as DecideResult).desired.writers : [];
      for (const w of r.desired.writers) {
        const i = world.config.nodes.findIndex((n) => n.name === w);
        const fault = spec.faults[i] ?? 'healthy';
        const lonelyStale = fault === 'stale' && (primarySets[t] ?? []).length === 0;
        assert.notEqual(world.config.nodes[i]?.writerCandidate, false, `${w} is not a writer candidate`);
        assert.ok(!HARD.has(fault) && !(fault === 'stale' && !lonelyStale), `tick ${t}: writer ${w} is ${fault}`);
        assert.ok(!spec.downtimed[i], `tick ${t}: writer ${w} is downtimed`);
        if (!before.includes(w)) assert.ok(['healthy', 'donor', 'desync'].includes(fault) || lonelyStale, `tick ${t}: ${w} newly elected while ${fault}`);
      }
    });
  }), RUNS);
});

void test('property: never more writers than allowed', () => {
  fc.assert(fc.property(worldArb({ switchover: true }), (world) => {
    const limit = writerLimit(world.config);
    for (const r of runAll(world.config, materialise(world).ticks)) {
      assert.ok(r.desired.writers.length <= limit);
      assert.equal(new Set(r.desired.writers).size, r.desired.writers.length);
    }
  }), RUNS);
});

void test('property: the same input gives the same output, whatever the order of nodes and observations', () => {
  fc.assert(fc.property(worldArb({ switchover: true }), fc.integer({ min: 0, max: 1000 }), (world, seed) => {
    const { ticks } = materialise(world);
    const rs = runAll(world.config, ticks);
    const rot = <T>(a: readonly T[]): T[] => (a.length === 0 ? [] : [...a.slice(seed % a.length), ...a.slice(0, seed % a.length)].reverse());
    const config = { ...world.config, nodes: rot(world.config.nodes) };
    let state: DecideState | null = null;
    ticks.forEach((t, i) => {
      const input = { observation: { ...t.observation, nodes: rot(t.observation.nodes) }, previous: state === null ? null : JSON.parse(JSON.stringify(state)) as DecideState, config, now: t.now, ...(t.external && { external: t.external }) };
      const again = decide(input);
      assert.deepStrictEqual(again, rs[i]);
      assert.deepStrictEqual(decide(freeze(structuredClone(input))), again, 'same call twice, on a frozen input: decide never mutates it');
      state = again.next;
    });
  }), { numRuns: 150 });
});

void test('property: decisions and states are plain JSON', () => {
  fc.assert(fc.property(worldArb({ switchover: true }), (world) => {
    for (const r of runAll(world.config, materialise(world).ticks)) assert.deepStrictEqual(JSON.parse(JSON.stringify(r)), r);
  }), { numRuns: 100 });
});

void test('property: no change when nothing changes: a repeated observation settles and then stays put', () => {
  fc.assert(fc.property(worldArb({ switchover: false }), (world) => {
    const { ticks } = materialise(world);
    const rs = runAll(world.config, ticks);
    const last = ticks[ticks.length - 1] as Tick;
    const step = 1000;
    const settle = world.config.retryUp + world.config.retryDown + Math.ceil(world.config.minHoldMs / step) + 4;
    const repeat = Array.from({ length: settle + 2 }, (_, k): Tick => {
      const now = last.now + (k + 1) * step;
      return { ...last, now, observation: { at: now, nodes: last.observation.nodes.map((o) => ({ ...o, at: now })) } };
    });
    const more = runAll(world.config, repeat, (rs[rs.length - 1] as DecideResult).next);
    const [a, b] = more.slice(-2) as [DecideResult, DecideResult];
    assert.deepStrictEqual({ ...b.desired, at: 0 }, { ...a.desired, at: 0 });
    assert.deepEqual(b.changes, []);
    assert.deepStrictEqual(b.next.writer, a.next.writer);
  }), RUNS);
});

void test('property: no fail-back unless configured: without failBack or switchover, a writer is replaced only when it is unhealthy', () => {
  fc.assert(fc.property(worldArb({ switchover: false, failBack: false }), (world) => {
    const rs = runAll(world.config, materialise(world).ticks);
    rs.forEach((r, t) => {
      if (t === 0) return;
      const spec = world.ticks[t] as TickSpec;
      for (const w of (rs[t - 1] as DecideResult).desired.writers) {
        if (r.desired.writers.includes(w)) continue;
        const i = world.config.nodes.findIndex((n) => n.name === w);
        assert.ok((spec.faults[i] ?? 'healthy') !== 'healthy' || spec.downtimed[i], `tick ${t}: healthy writer ${w} replaced by ${r.desired.writers.join()}`);
      }
    });
  }), RUNS);
});

void test('property: no node re-enters a pool before retryUp healthy observations and minHoldMs', () => {
  fc.assert(fc.property(worldArb({ faults: PLAIN_FAULTS, switchover: true }), (world) => {
    const { ticks } = materialise(world);
    const rs = runAll(world.config, ticks);
    const c = world.config;
    c.nodes.forEach((n, i) => {
      let everUnhealthy = false;
      let streak = 0;
      let streakStart = 0;
      let wasInPool = false;
      rs.forEach((r, t) => {
        const spec = world.ticks[t] as TickSpec;
        const fault = spec.faults[i] ?? 'healthy';
        const healthy = !spec.downtimed[i] && (fault === 'healthy' || (fault === 'readOnly' && c.availableWhenReadOnly));
        const now = (ticks[t] as Tick).now;
        if (healthy) {
          if (streak === 0) streakStart = now;
          streak += 1;
        } else {
          streak = 0;
        }
        const inPool = r.desired.writers.includes(n.name) || r.desired.readers.includes(n.name);
        if (inPool && !wasInPool && everUnhealthy) {
          assert.ok(streak >= Math.max(1, c.retryUp), `tick ${t}: ${n.name} re-entered after ${streak} healthy observations (retryUp=${c.retryUp})`);
          assert.ok(now - streakStart >= c.minHoldMs, `tick ${t}: ${n.name} re-entered after ${now - streakStart} ms (minHoldMs=${c.minHoldMs})`);
        }
        if (!healthy) everUnhealthy = true;
        wasInPool = inPool;
      });
    });
  }), RUNS);
});

void test('property: the epoch grows by one exactly when the writer set changes', () => {
  fc.assert(fc.property(worldArb({ switchover: true }), (world) => {
    let writers: string[] = [];
    let epoch = 0;
    for (const r of runAll(world.config, materialise(world).ticks)) {
      const changed: boolean = [...writers].sort().join() !== [...r.desired.writers].sort().join();
      assert.equal(r.desired.epoch, epoch + (changed ? 1 : 0));
      writers = r.desired.writers;
      epoch = r.desired.epoch;
    }
  }), RUNS);
});
