import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideNode } from '../model/decide-config.js';
import type { DecideResult } from '../model/decision.js';
import { codesOf, failed, healthyCluster, observation, roleOf, run, seen, syncedStatus, testConfig } from './fixtures.js';

const T0 = 3_000_000;

void test('readers: writerIsAlsoReader on: the writer is in the reader pool', () => {
  const cfg = testConfig({ writerIsAlsoReader: true });
  const r = run(cfg, [{ now: T0, observation: healthyCluster(cfg, T0) }])[0] as DecideResult;
  assert.deepEqual(r.desired.readers, ['node1', 'node2', 'node3']);
});

void test('readers: writerIsAlsoReader off: the writer is kept out of the reader pool (backup), its reads drained', () => {
  const cfg = testConfig({ writerIsAlsoReader: false });
  const r = run(cfg, [{ now: T0, observation: healthyCluster(cfg, T0) }])[0] as DecideResult;
  assert.deepEqual(r.desired.readers, ['node2', 'node3']);
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'writer', reader: 'backup' });
  assert.equal(r.desired.nodes.find((n) => n.node === 'node1')?.readerConnections, 'drain');
});

void test('readers: when the last reader is lost, the writer serves reads whatever writerIsAlsoReader says', () => {
  const cfg = testConfig({ writerIsAlsoReader: false });
  const [n1, n2, n3] = cfg.nodes as [DecideNode, DecideNode, DecideNode];
  const v = { confId: 7, members: [n1, n2, n3] };
  const rs = run(cfg, [
    { now: T0, observation: healthyCluster(cfg, T0) },
    { now: T0 + 2000, observation: observation(T0 + 2000, [seen(n1, T0 + 2000, syncedStatus(n1, v)), failed(n2, T0 + 2000), failed(n3, T0 + 2000)]) },
  ]);
  const r = rs[1] as DecideResult;
  assert.deepEqual(r.desired.writers, ['node1']);
  assert.deepEqual(r.desired.readers, ['node1']);
  assert.ok(codesOf(r, 'node1').includes('WRITER_SERVES_READS'));
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'writer', reader: 'reader' });
});

void test('readers: a node that is not a reader candidate never reads; one that is not a writer candidate never writes', () => {
  const base = testConfig();
  const cfg = testConfig({ nodes: base.nodes.map((n) => (n.name === 'node3' ? { ...n, readerCandidate: false } : n.name === 'node1' ? { ...n, writerCandidate: false } : n)) });
  const r = run(cfg, [{ now: T0, observation: healthyCluster(cfg, T0) }])[0] as DecideResult;
  assert.deepEqual(r.desired.writers, ['node2']);
  assert.deepEqual(r.desired.readers, ['node1', 'node2']);
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'none', reader: 'reader' });
  assert.deepEqual(roleOf(r, 'node3'), { writer: 'backup', reader: 'none' });
});

void test('connections: under singlePrimary a non-writer keeps no write connections (severed); with several writers they drain', () => {
  const single = run(testConfig(), [{ now: T0, observation: healthyCluster(testConfig(), T0) }])[0] as DecideResult;
  assert.equal(single.desired.nodes.find((n) => n.node === 'node2')?.writerConnections, 'sever');
  const cfg = testConfig({ singlePrimary: false, maxNumWriters: 2 });
  const multi = run(cfg, [{ now: T0, observation: healthyCluster(cfg, T0) }])[0] as DecideResult;
  assert.deepEqual(multi.desired.writers, ['node1', 'node2']);
  assert.equal(multi.desired.nodes.find((n) => n.node === 'node3')?.writerConnections, 'drain');
});
