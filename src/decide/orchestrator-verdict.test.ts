import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DecideConfig } from '../model/decide-config.js';
import type { DecideResult, DecideState } from '../model/decision.js';
import type { OrchestratorInstance, OrchestratorObservation } from '../model/orchestrator.js';
import { decide } from './decide.js';
import { codesOf, healthyCluster, roleOf, testConfig } from './fixtures.js';
import { assessOrchestrator, mergeVerdicts } from './orchestrator-verdict.js';

const T0 = Date.parse('2026-11-30T12:00:00Z');
const at = (s: number): number => T0 + s * 1000;
const GRACE = { graceMs: 10_000 };

function instance(host: string, port: number, over: Partial<OrchestratorInstance> = {}): OrchestratorInstance {
  return { host, port, downtimed: false, downtimeReason: '', downtimeEnd: '', readOnly: false, lastCheckValid: true, master: null, lagSeconds: null, clusterName: 'c', ...over };
}

/** Orchestrator's view of the test config's nodes: a leader answered at `seenAt` (null: never) */
function orch(config: DecideConfig, pollAt: number, seenAt: number | null, downtimed: string[] = [], reason = 'lost-in-recovery'): OrchestratorObservation {
  return {
    at: pollAt,
    watchingSince: T0,
    leader: seenAt === pollAt ? 'http://orc1:3000' : null,
    leaderSeenAt: seenAt,
    master: null,
    instances: config.nodes.map((n) => instance(n.host.toUpperCase(), n.port, downtimed.includes(n.name) ? { downtimed: true, downtimeReason: reason, downtimeEnd: '2027-11-30 12:00:00' } : {})),
    problems: seenAt === pollAt ? [] : [{ code: 'ORCH_NO_LEADER', message: 'no Orchestrator node answered /api/leader-check as leader' }],
  };
}

function runWith(config: DecideConfig, ticks: { now: number; o: OrchestratorObservation }[]): DecideResult[] {
  let state: DecideState | null = null;
  return ticks.map((t) => {
    const r = decide({ observation: healthyCluster(config, t.now), previous: state, config, now: t.now, orchestrator: { observation: t.o, config: GRACE } });
    state = r.next;
    return r;
  });
}

void test('orchestrator: a downtimed node (matched by host and port) is drained with its reason, the others untouched', () => {
  const config = testConfig();
  const a = assessOrchestrator(orch(config, at(0), at(0), ['node1']), config.nodes, GRACE, at(0));
  assert.deepEqual(a.verdict.downtimed, ['node1']);
  assert.deepEqual(a.downtimes, [{ node: 'node1', reason: 'lost-in-recovery', end: '2027-11-30 12:00:00' }]);
  assert.equal(a.leaderLost, null);
  const [r] = runWith(config, [{ now: at(0), o: orch(config, at(0), at(0), ['node1']) }]) as [DecideResult];
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'offline_soft', reader: 'offline_soft' });
  assert.ok(!r.desired.writers.includes('node1') && !r.desired.readers.includes('node1'));
  assert.ok(r.findings.some((f) => f.code === 'DOWNTIMED' && f.node === 'node1' && f.message.includes('lost-in-recovery')));
});

void test('orchestrator: a downtime that ends lets the node back only after its hold (retryUp and minHoldMs)', () => {
  const config = testConfig({ retryUp: 2, minHoldMs: 8000 });
  const ticks = [0, 2, 4, 6, 8, 10, 12, 14, 16].map((s) => ({ now: at(s), o: orch(config, at(s), at(s), s <= 4 ? ['node1'] : []) }));
  const rs = runWith(config, ticks);
  assert.deepEqual(rs.map((r) => r.desired.readers.includes('node1')), [false, false, false, false, false, false, false, true, true]);
  assert.ok(rs.every((r) => !r.desired.writers.includes('node1')));
});

void test('orchestrator: leader lost: within the grace period only a finding; past it every node is fenced (ORCHESTRATOR_LEADER_LOST, EXTERNAL_FENCE); back when a leader answers', () => {
  const config = testConfig({ retryUp: 1, minHoldMs: 0 });
  const seen = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20].map((s) => ({ s, leader: s <= 2 || s >= 18 }));
  let last = at(0);
  const ticks = seen.map(({ s, leader }) => {
    if (leader) last = at(s);
    return { now: at(s), o: orch(config, at(s), last) };
  });
  const rs = runWith(config, ticks);
  // lost from 2 s: fenced once more than 10 s have passed (at 14 s), routed again when the leader is back at 18 s
  assert.deepEqual(rs.map((r) => r.desired.writers.length > 0), [true, true, true, true, true, true, true, false, false, true, true]);
  assert.ok(codesOf(rs[3]!).includes('ORCHESTRATOR_LEADER_LOST'));
  assert.ok(!codesOf(rs[3]!).includes('EXTERNAL_FENCE'));
  const fenced = rs[7]!;
  assert.deepEqual([fenced.desired.writers, fenced.desired.readers], [[], []]);
  assert.ok(codesOf(fenced).includes('EXTERNAL_FENCE') && codesOf(fenced).includes('ORCHESTRATOR_LEADER_LOST'));
  assert.match(fenced.findings.find((f) => f.code === 'ORCHESTRATOR_LEADER_LOST')!.message, /fail closed/);
});

void test('orchestrator: a leader never seen fences every node once the grace period since the warden started has passed', () => {
  const config = testConfig();
  const early = assessOrchestrator(orch(config, at(5), null), config.nodes, GRACE, at(5));
  assert.deepEqual([early.verdict.fenceAll, early.leaderLost?.fenceInMs], [undefined, 5000]);
  const late = assessOrchestrator(orch(config, at(11), null), config.nodes, GRACE, at(11));
  assert.match(late.verdict.fenceAll ?? '', /since the warden started watching/);
});

void test('orchestrator: a source that stopped polling counts as a lost leader once its last answer is older than the grace period', () => {
  const config = testConfig();
  const a = assessOrchestrator(orch(config, at(0), at(0)), config.nodes, GRACE, at(11));
  assert.ok(a.verdict.fenceAll !== undefined);
});

void test('orchestrator: problems of a poll whose leader answered are ORCHESTRATOR_PROBLEM warnings; verdicts merge with the operator\'s', () => {
  const config = testConfig();
  const o = { ...orch(config, at(0), at(0)), problems: [{ code: 'ORCH_MALFORMED' as const, url: 'http://orc1:3000/api/cluster/c', message: 'http://orc1:3000/api/cluster/c: HTTP 200: not the documented shape' }] };
  const [r] = runWith(config, [{ now: at(0), o }]) as [DecideResult];
  assert.ok(r.findings.some((f) => f.code === 'ORCHESTRATOR_PROBLEM' && f.severity === 'warning' && f.message.includes('ORCH_MALFORMED')));
  assert.deepEqual(mergeVerdicts({ downtimed: ['b'], maintenance: ['m'], fenceAll: 'x' }, { downtimed: ['a', 'b'], fenceAll: 'y' }), { downtimed: ['a', 'b'], maintenance: ['m'], fenceAll: 'x; y' });
});

interface Step { dt: number; leader: boolean; downtimed: boolean[] }

const stepsArb = (n: number): fc.Arbitrary<Step[]> => fc.array(fc.record({
  dt: fc.integer({ min: 100, max: 6000 }),
  leader: fc.boolean(),
  downtimed: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
}), { minLength: 1, maxLength: 25 });

void test('orchestrator property: a node Orchestrator lists as downtimed is never routed; past the grace period without a leader nothing is routed', () => {
  const world = fc.integer({ min: 1, max: 5 }).chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 20_000 }), stepsArb(n)));
  fc.assert(fc.property(world, ([n, retryUp, graceMs, steps]) => {
    {
      const config = testConfig({ retryUp, minHoldMs: 1000 }, n);
      let now = T0;
      let seenAt: number | null = null;
      let state: DecideState | null = null;
      let known: boolean[] = new Array<boolean>(n).fill(false);
      for (const s of steps) {
        now += s.dt;
        if (s.leader) {
          seenAt = now;
          known = s.downtimed;
        }
        const names = config.nodes.filter((_, i) => known[i]).map((x) => x.name);
        const o = orch(config, now, seenAt, names);
        const r = decide({ observation: healthyCluster(config, now), previous: state, config, now, orchestrator: { observation: o, config: { graceMs } } });
        state = r.next;
        const routed = [...r.desired.writers, ...r.desired.readers];
        for (const d of names) assert.ok(!routed.includes(d), `${d} is downtimed but routed`);
        if (now - (seenAt ?? T0) > graceMs) assert.deepEqual(routed, [], 'leader lost past the grace period but something is routed');
        if (s.leader) assert.ok(r.findings.every((f) => f.code !== 'EXTERNAL_FENCE'), 'fenced while the leader answers');
      }
    }
  }), { numRuns: 200 });
});
