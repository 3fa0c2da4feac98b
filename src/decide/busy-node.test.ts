// A busy node is not a dead one: a server that answers "Too many connections" (or "shutdown in progress") is alive.
// decide() counts it against retryDown like a timeout, never at once like a refused port, and fencing never takes
// it as evidence, in any mode, however long it lasts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideNode } from '../model/decide-config.js';
import type { DecideResult } from '../model/decision.js';
import type { NodeObservation, ProbeErrorKind } from '../model/observation.js';
import { CONDITIONS } from './conditions.js';
import type { FencingSim as Sim } from './fencing-fixtures.js';
import { FencingSim, clusterAt, decideConfigFor, fencingConfig } from './fencing-fixtures.js';
import { fenceableFailure } from './fencing-tracks.js';
import type { Tick } from './fixtures.js';
import { codesOf, healthyCluster, observation, roleOf, run, seen, syncedStatus, testConfig } from './fixtures.js';
import { assessNode, probeErrorLabel } from './node-health.js';

const T0 = 2_000_000;
const at = (s: number): number => T0 + s * 1000;

/** An observation of a server that turned the probe away, as the probe records it. */
function turnedAway(n: DecideNode, time: number, kind: ProbeErrorKind = 'busy', errno = kind === 'busy' ? 1040 : 1053): NodeObservation {
  const what = kind === 'busy' ? 'busy: too many connections' : 'shutting down';
  const detail = kind === 'busy' ? 'Too many connections [ER_CON_COUNT_ERROR 1040]' : 'Server shutdown in progress [ER_SERVER_SHUTDOWN 1053]';
  return {
    node: n.name, host: n.host, port: n.port, at: time, latencyMs: 2,
    error: { kind, errno, code: kind === 'busy' ? 'ER_CON_COUNT_ERROR' : 'ER_SERVER_SHUTDOWN', message: `${n.name} (${n.host}:${n.port}): ${what} during login: ${detail}` },
  };
}

function writerTurnedAway(kind: ProbeErrorKind, retryDown: number, busyTicks: number): DecideResult[] {
  const config = testConfig({ retryDown });
  const [n1, n2, n3] = config.nodes as [DecideNode, DecideNode, DecideNode];
  const v = { confId: 5, members: [n1, n2, n3] };
  const ticks: Tick[] = [{ now: at(0), observation: healthyCluster(config, at(0), 5) }];
  for (let s = 1; s <= busyTicks; s++) {
    ticks.push({ now: at(s), observation: observation(at(s), [turnedAway(n1, at(s), kind), seen(n2, at(s), syncedStatus(n2, v)), seen(n3, at(s), syncedStatus(n3, v))]) });
  }
  return run(config, ticks);
}

void test('busy: a writer that answers "too many connections" stays writer for retryDown observations, then fails over (never at once like refused)', () => {
  const rs = writerTurnedAway('busy', 3, 3);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node1', 'node1', 'node2']);
  for (const r of [rs[1], rs[2]] as DecideResult[]) {
    assert.deepEqual(codesOf(r, 'node1').filter((c) => c === 'NODE_BUSY' || c === 'RETRY_DOWN_PENDING').sort(), ['NODE_BUSY', 'RETRY_DOWN_PENDING']);
    assert.equal(codesOf(r).includes('FAILOVER'), false);
  }
  const busy = rs[1]!.findings.find((f) => f.code === 'NODE_BUSY');
  assert.equal(busy?.node, 'node1');
  assert.match(busy?.message ?? '', /^node1 \(10\.0\.0\.11:3306\): busy: too many connections during login/);
  const last = rs[3]!;
  assert.ok(codesOf(last).includes('FAILOVER'));
  // out of the pools its working sessions drain: the node is alive, only new connections go elsewhere
  assert.deepEqual(roleOf(last, 'node1').reader, 'offline_soft');
});

void test('busy: a long retryDown keeps the busy writer however many observations show it busy; healthy again, it simply stays', () => {
  const config = testConfig({ retryDown: 1000 });
  const [n1, n2, n3] = config.nodes as [DecideNode, DecideNode, DecideNode];
  const v = { confId: 5, members: [n1, n2, n3] };
  const ticks: Tick[] = [{ now: at(0), observation: healthyCluster(config, at(0), 5) }];
  for (let s = 1; s <= 30; s++) ticks.push({ now: at(s), observation: observation(at(s), [turnedAway(n1, at(s)), seen(n2, at(s), syncedStatus(n2, v)), seen(n3, at(s), syncedStatus(n3, v))]) });
  ticks.push({ now: at(31), observation: healthyCluster(config, at(31), 5) });
  const rs = run(config, ticks);
  assert.deepEqual([...new Set(rs.map((r) => r.desired.writers.join()))], ['node1']);
  assert.deepEqual([...new Set(rs.map((r) => r.desired.epoch))], [1]);
  assert.equal(rs.at(-1)!.findings.some((f) => f.severity !== 'info'), false, JSON.stringify(rs.at(-1)!.findings));
});

void test('busy: the same writer refusing its port is replaced at once (the contrast: refused means nothing listens)', () => {
  const config = testConfig({ retryDown: 3 });
  const [n1, n2, n3] = config.nodes as [DecideNode, DecideNode, DecideNode];
  const v = { confId: 5, members: [n1, n2, n3] };
  const refused: NodeObservation = { ...turnedAway(n1, at(1)), error: { kind: 'refused', code: 'ECONNREFUSED', message: 'node1: connection refused' } };
  const rs = run(config, [
    { now: at(0), observation: healthyCluster(config, at(0), 5) },
    { now: at(1), observation: observation(at(1), [refused, seen(n2, at(1), syncedStatus(n2, v)), seen(n3, at(1), syncedStatus(n3, v))]) },
  ]);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node2']);
});

void test('shutdown: "shutdown in progress" (1053) counts against retryDown like a timeout, never at once', () => {
  const rs = writerTurnedAway('shutdown', 2, 2);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node1', 'node2']);
  assert.ok(codesOf(rs[1]!, 'node1').includes('NODE_SHUTTING_DOWN'));
  assert.ok(codesOf(rs[1]!, 'node1').includes('RETRY_DOWN_PENDING'));
  assert.equal(CONDITIONS.NODE_SHUTTING_DOWN.immediate, false);
  assert.equal(CONDITIONS.NODE_BUSY.immediate, false);
});

void test('busy: the node-side health and the label say busy, with what the server ran out of', () => {
  const n1 = testConfig().nodes[0]!;
  const h = assessNode(turnedAway(n1, at(0)));
  assert.equal(h.available, false);
  assert.deepEqual(h.reasons.map((r) => r.code), ['NODE_BUSY']);
  assert.equal(probeErrorLabel({ kind: 'busy', errno: 1040 }), 'busy: too many connections');
  assert.equal(probeErrorLabel({ kind: 'busy', errno: 1203 }), 'busy: too many connections for the account');
  assert.equal(probeErrorLabel({ kind: 'busy', errno: 1226 }), 'busy: account resource limit reached');
  assert.equal(probeErrorLabel({ kind: 'busy' }), 'busy');
  assert.equal(probeErrorLabel({ kind: 'shutdown', errno: 1053 }), 'shutting down');
  assert.equal(probeErrorLabel({ kind: 'timeout' }), 'timeout');
});

function fenceRun(sim: Sim, kind: ProbeErrorKind, seconds: number): string[] {
  const evicted: string[] = [];
  const n1 = sim.config.nodes[0]!;
  sim.tick(clusterAt(sim.config, at(0), {}, { confId: 3 }));
  for (let s = 1; s <= seconds; s++) {
    const obs = clusterAt(sim.config, at(s), {}, { confId: 3 });
    obs.nodes[0] = turnedAway(n1, at(s), kind);
    const r = sim.tick(obs);
    if (r.plan.evict) evicted.push(r.plan.evict.node);
  }
  return evicted;
}

void test('fencing: a busy or shutting-down member is never evidence: no eviction in mode dead or unresponsive, however long it lasts', () => {
  const n1 = testConfig().nodes[0]!;
  assert.equal(fenceableFailure(turnedAway(n1, at(0), 'busy')), null);
  assert.equal(fenceableFailure(turnedAway(n1, at(0), 'shutdown')), null);
  for (const mode of ['dead', 'unresponsive'] as const) {
    for (const kind of ['busy', 'shutdown'] as const) {
      const sim = new FencingSim(decideConfigFor(3, { retryDown: 1 }), fencingConfig({ mode, windowMs: 1000, confirmMs: 0 }));
      assert.deepEqual(fenceRun(sim, kind, 20), [], `${mode} evicted a ${kind} node`);
    }
  }
  // the control: the same run with a refused port evicts the writer in mode dead
  const control = new FencingSim(decideConfigFor(3, { retryDown: 1 }), fencingConfig({ mode: 'dead', windowMs: 1000, confirmMs: 0 }));
  assert.deepEqual(fenceRun(control, 'refused', 1), ['node1']);
});
