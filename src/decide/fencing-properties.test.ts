// Properties of the fencing planner over random runs of ticks (nodes that serve, refuse, time out, leave the
// Primary component, restart with a new id, turn read_only; executors that fail or find the group in contact):
// never an eviction without a majority, never the last writer candidate, never two within the window, never
// a node not seen serving since its last start; and, with survivors whose view changes only some ticks later
// (a view change under way), never the same id twice from one view.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FencingMode } from '../model/fencing.js';
import type { NodeLook } from './fencing-fixtures.js';
import { FencingSim, clusterAt, decideConfigFor, fencingConfig } from './fencing-fixtures.js';
import { gcommUuid } from './fixtures.js';

type Move = 'serving' | 'refused' | 'timeout' | 'nonPrimary' | 'restart' | 'readOnly';

interface World {
  n: number;
  mode: Exclude<FencingMode, 'off'>;
  windowMs: number;
  confirmMs: number;
  candidates: boolean[];
  /** the survivors' view changes only on ticks that say so (a view change takes several ticks) */
  lagging: boolean;
  ticks: { dt: number; moves: Move[]; groupAnswers: boolean; evictFails: boolean; viewChange: boolean }[];
}

const moveArb: fc.Arbitrary<Move> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Move>('serving') },
  { weight: 4, arbitrary: fc.constantFrom<Move>('refused', 'timeout', 'nonPrimary', 'restart', 'readOnly') },
);

/** Deaths that last, short windows and views that change some ticks after an eviction. */
const lagMoveArb: fc.Arbitrary<Move> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Move>('serving') },
  { weight: 4, arbitrary: fc.constant<Move>('refused') },
  { weight: 1, arbitrary: fc.constantFrom<Move>('timeout', 'restart') },
);

const worldArb = (lag = false): fc.Arbitrary<World> => fc.integer({ min: 3, max: 5 }).chain((n) => fc.record({
  n: fc.constant(n),
  mode: fc.constantFrom<World['mode']>('dead', 'unresponsive'),
  windowMs: lag ? fc.integer({ min: 0, max: 3000 }) : fc.integer({ min: 0, max: 60_000 }),
  confirmMs: fc.integer({ min: 0, max: 2000 }),
  candidates: lag ? fc.constant(Array.from({ length: n }, () => true)) : fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  lagging: lag ? fc.constant(true) : fc.boolean(),
  ticks: fc.array(fc.record({
    dt: lag ? fc.integer({ min: 50, max: 2000 }) : fc.integer({ min: 50, max: 20_000 }),
    moves: fc.array(lag ? lagMoveArb : moveArb, { minLength: n, maxLength: n }),
    groupAnswers: fc.boolean(),
    evictFails: fc.boolean(),
    viewChange: fc.boolean(),
  }), { minLength: 2, maxLength: 14 }),
}));

test('property: fencing never evicts without a majority, never the last writer candidate, never twice within the window, never a node not seen serving since its start, never an id twice from one view', () => {
  // fast-check prints the counterexample; the failed assertion's own message is printed here
  fc.assert(fc.property(worldArb(), (w) => {
    try {
      check(w);
    } catch (e) {
      console.log(`# ${(e as Error).message.slice(0, 400)}`);
      throw e;
    }
  }), { numRuns: 400 });
});

test('property: while the survivors still show the view a member was evicted from (the view change is under way), it is not evicted again', () => {
  fc.assert(fc.property(worldArb(true), (w) => {
    try {
      check(w);
    } catch (e) {
      console.log(`# ${(e as Error).message.slice(0, 400)}`);
      throw e;
    }
  }), { numRuns: 300 });
});

function check(w: World): void {
  const base = decideConfigFor(w.n);
  const config = { ...base, nodes: base.nodes.map((node, i) => ({ ...node, writerCandidate: w.candidates[i] ?? true })) };
  const sim = new FencingSim(config, fencingConfig({ mode: w.mode, windowMs: w.windowMs, confirmMs: w.confirmMs }));
  const names = config.nodes.map((x) => x.name);
  const incarnation = new Map(names.map((x) => [x, 1]));
  /** name -> incarnation seen serving (oracle: serving look, current incarnation) */
  const servedInc = new Map<string, number>();
  const evictedUuids = new Set<string>();
  /** `${uuid}@${confId}` of every eviction done */
  const evictedFrom = new Set<string>();
  let confId = 2;
  let members: [string, number][] = [];
  let lastDone: number | null = null;
  let ms = 0;
  for (const [ti, t] of w.ticks.entries()) {
    ms += t.dt;
    const looks: Record<string, NodeLook> = {};
    for (const [i, name] of names.entries()) {
      const m = ti === 0 ? 'serving' : (t.moves[i] ?? 'serving');
      if (m === 'restart') incarnation.set(name, incarnation.get(name)! + 1);
      const inc = incarnation.get(name)!;
      looks[name] = m === 'refused' || m === 'timeout' ? { kind: m }
        : m === 'nonPrimary' ? { kind: 'nonPrimary', incarnation: inc }
          : { kind: 'serving', incarnation: inc, ...(m === 'readOnly' ? { over: { readOnly: true } } : {}) };
    }
    if (ti === 0 || !w.lagging || t.viewChange) {
      confId++;
      members = names.map((x) => [x, incarnation.get(x)!] as [string, number]).filter(([x, i]) => !evictedUuids.has(gcommUuid(x, i)));
    }
    const r = sim.tick(clusterAt(config, 1_000_000 + ms, looks, { confId, members }), { groupAnswers: t.groupAnswers, evictFails: t.evictFails });
    const e = r.plan.evict;
    if (e) {
      const primaryLooks = members.filter(([x]) => looks[x]!.kind === 'serving');
      assert.ok(primaryLooks.length * 2 > members.length, `evicted ${e.node} with ${primaryLooks.length} Primary members of ${members.length}: ${JSON.stringify(looks)} ${JSON.stringify(members)} ${e.evidence.join(" | ")}`);
      const writers = primaryLooks.filter(([x]) => x !== e.node && config.nodes.find((d) => d.name === x)?.writerCandidate !== false
        && !(looks[x]!.kind === 'serving' && (looks[x] as { over?: { readOnly?: boolean } }).over?.readOnly));
      assert.ok(writers.length > 0, `evicted ${e.node}, the last writer candidate`);
      const inc = incarnation.get(e.node)!;
      assert.equal(servedInc.get(e.node), inc, `evicted ${e.node} (incarnation ${inc}) not seen serving since its start`);
      assert.equal(e.uuid, gcommUuid(e.node, inc));
    }
    if (r.outcome.evict?.done) {
      if (lastDone !== null) assert.ok(ms - lastDone >= w.windowMs, `two evictions ${ms - lastDone} ms apart, window ${w.windowMs}`);
      lastDone = ms;
      evictedUuids.add(r.outcome.evict.uuid);
      const key = `${r.outcome.evict.uuid}@${confId}`;
      assert.ok(!evictedFrom.has(key), `${r.outcome.evict.node} (id ${r.outcome.evict.uuid}) evicted twice from view ${confId}`);
      evictedFrom.add(key);
    }
    // the oracle learns after the tick, as the planner does: a node serving now may be evicted later
    for (const name of names) if (looks[name]!.kind === 'serving' && r.decision.desired.primary?.nodes.includes(name)) servedInc.set(name, incarnation.get(name)!);
  }
}
