import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideNode } from '../model/decide-config.js';
import type { DecideResult } from '../model/decision.js';
import { diffDecisions } from './changes.js';
import { decide, normaliseConfig } from './decide.js';
import { codesOf, failed, healthyCluster, observation, run, seen, syncedStatus, testConfig } from './fixtures.js';

const T0 = 4_000_000;
const config = testConfig();
const [n1, n2, n3] = config.nodes as [DecideNode, DecideNode, DecideNode];
const v = { confId: 7, members: [n1, n2, n3] };

void test('json: the result and the state survive a JSON round trip unchanged', () => {
  const rs = run(config, [
    { now: T0, observation: healthyCluster(config, T0) },
    { now: T0 + 2000, observation: observation(T0 + 2000, [failed(n1, T0 + 2000, 'timeout'), seen(n2, T0 + 2000, syncedStatus(n2, v)), seen(n3, T0 + 2000, syncedStatus(n3, v))]) },
  ]);
  for (const r of rs) assert.deepStrictEqual(JSON.parse(JSON.stringify(r)), r);
});

void test('json: a state read back from JSON gives the same next decision as the live one', () => {
  const first = run(config, [{ now: T0, observation: healthyCluster(config, T0) }])[0] as DecideResult;
  const obs = observation(T0 + 2000, [failed(n1, T0 + 2000, 'refused'), seen(n2, T0 + 2000, syncedStatus(n2, v)), seen(n3, T0 + 2000, syncedStatus(n3, v))]);
  const live = decide({ observation: obs, previous: first.next, config, now: T0 + 2000 });
  const revived = decide({ observation: obs, previous: JSON.parse(JSON.stringify(first.next)) as DecideResult['next'], config, now: T0 + 2000 });
  assert.deepStrictEqual(revived, live);
  assert.deepEqual(live.desired.writers, ['node2']);
});

void test('changes: every role change carries the reason codes and a sentence for the audit log', () => {
  const first = run(config, [{ now: T0, observation: healthyCluster(config, T0) }])[0] as DecideResult;
  assert.deepEqual(first.changes.map((c) => `${c.node}/${c.pool}:${String(c.from)}->${c.to}`), [
    'node1/writer:null->writer', 'node1/reader:null->reader', 'node2/writer:null->backup', 'node2/reader:null->reader', 'node3/writer:null->backup', 'node3/reader:null->reader',
  ]);
  const obs = observation(T0 + 2000, [seen(n1, T0 + 2000, syncedStatus(n1, v, { clusterStatus: 'non-Primary' })), seen(n2, T0 + 2000, syncedStatus(n2, { confId: 8, members: [n2, n3] })), seen(n3, T0 + 2000, syncedStatus(n3, { confId: 8, members: [n2, n3] }))]);
  const r = decide({ observation: obs, previous: first.next, config, now: T0 + 2000 });
  assert.deepEqual(r.changes.map((c) => c.message), [
    'node1 writer: writer -> maintenance (NOT_PRIMARY)',
    'node1 reader: reader -> maintenance (NOT_PRIMARY)',
    'node2 writer: backup -> writer (FAILOVER)',
  ]);
  assert.deepEqual(r.changes[0]?.reasons, ['NOT_PRIMARY']);
  assert.deepEqual(diffDecisions(first.desired, r.desired), r.changes);
  assert.deepEqual(diffDecisions(r.desired, r.desired), []);
});

void test('findings: named, prioritised, most important first, each naming its node', () => {
  const obs = observation(T0, [seen(n1, T0, syncedStatus(n1, v, { localState: 2, localStateComment: 'Donor/Desynced', donorRejectsQueries: true })), failed(n2, T0, 'timeout'), seen(n3, T0, syncedStatus(n3, v))]);
  const r = decide({ observation: obs, previous: null, config, now: T0 });
  const priorities = r.findings.map((f) => f.priority);
  assert.deepEqual(priorities, [...priorities].sort((a, b) => b - a));
  const donor = r.findings.find((f) => f.code === 'DONOR_REJECTS');
  assert.deepEqual(donor, { code: 'DONOR_REJECTS', severity: 'warning', priority: donor?.priority, scope: 'node', node: 'node1', message: 'node1: wsrep_local_state=2 Donor/Desynced, donor rejects queries' });
  for (const f of r.findings) if (f.scope === 'node') assert.ok(f.message.startsWith(f.node ?? '?'), f.message);
});

void test('nodes: without configured nodes the observed ones are used, with equal weights (local index, then name)', () => {
  const obs = healthyCluster(config, T0);
  const r = decide({ observation: obs, previous: null, config: normaliseConfig({}), now: T0 });
  assert.deepEqual(r.desired.nodes.map((n) => n.node), ['node1', 'node2', 'node3']);
  assert.deepEqual(r.desired.writers, ['node1']);
});

void test('nodes: an observed node that is not configured is ignored with a finding; a configured one without observation is not fit', () => {
  const two = testConfig({}, 2);
  const r = decide({ observation: healthyCluster(config, T0), previous: null, config: two, now: T0 });
  assert.deepEqual(r.desired.nodes.map((n) => n.node), ['node1', 'node2']);
  assert.ok(r.findings.some((f) => f.code === 'UNKNOWN_NODE' && f.message.startsWith('node3')));
  const four = testConfig({}, 4);
  const r4 = decide({ observation: healthyCluster(config, T0), previous: null, config: four, now: T0 });
  assert.ok(codesOf(r4, 'node4').includes('NOT_OBSERVED'));
  assert.equal(r4.desired.nodes.find((n) => n.node === 'node4')?.writer, 'offline_hard');
});

void test('determinism: duplicate observations of a node resolve to the latest one whatever their order', () => {
  const older = seen(n1, T0 - 1000, syncedStatus(n1, v, { pxcMaintMode: 'MAINTENANCE' }));
  const newer = seen(n1, T0, syncedStatus(n1, v));
  const rest = [seen(n2, T0, syncedStatus(n2, v)), seen(n3, T0, syncedStatus(n3, v))];
  const a = decide({ observation: observation(T0, [older, newer, ...rest]), previous: null, config, now: T0 });
  const b = decide({ observation: observation(T0, [...rest, newer, older]), previous: null, config, now: T0 });
  assert.deepStrictEqual(a, b);
  assert.deepEqual(a.desired.writers, ['node1']);
});

void test('clock: a decision time before the previous one is reported', () => {
  const first = run(config, [{ now: T0, observation: healthyCluster(config, T0) }])[0] as DecideResult;
  const r = decide({ observation: healthyCluster(config, T0 - 5000), previous: first.next, config, now: T0 - 5000 });
  assert.ok(codesOf(r).includes('CLOCK_BACKWARDS'));
});

void test('config: normaliseConfig fills defaults and clamps numbers the rules cannot use', () => {
  const c = normaliseConfig({ maxNumWriters: 0, retryUp: -3, retryDown: 1.7, minHoldMs: Number.NaN });
  assert.equal(c.maxNumWriters, 1);
  assert.equal(c.retryUp, 0);
  assert.equal(c.retryDown, 1);
  assert.equal(c.minHoldMs, 0);
  assert.equal(c.activeFailover, 1);
  assert.equal(c.writerIsAlsoReader, true);
});

void test('nodes: any name works, even one that is a property of plain objects', () => {
  const names = ['constructor', '__proto__', 'toString'];
  const cfg = testConfig({ nodes: names.map((name, i) => ({ name, host: `10.0.1.${i + 1}`, port: 3306, weight: 10 - i })) });
  const rs = run(cfg, [
    { now: T0, observation: healthyCluster(cfg, T0) },
    { now: T0 + 2000, observation: healthyCluster(cfg, T0 + 2000) },
  ]);
  const r = rs[1] as DecideResult;
  assert.deepEqual(r.desired.writers, ['constructor']);
  assert.deepEqual(r.desired.readers, ['__proto__', 'constructor', 'toString']);
  assert.deepEqual(Object.keys(r.next.nodes), ['__proto__', 'constructor', 'toString']);
  assert.equal(Object.entries(r.next.nodes).find(([k]) => k === 'constructor')?.[1].healthyStreak, 2);
  assert.deepEqual(r.changes, []);
  assert.deepStrictEqual(JSON.parse(JSON.stringify(r)), r);
});
