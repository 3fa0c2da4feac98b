import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideNode } from '../model/decide-config.js';
import type { DecideResult } from '../model/decision.js';
import type { NodeObservation } from '../model/observation.js';
import type { Tick } from './fixtures.js';
import { codesOf, failed, gcommUuid, healthyCluster, nonPrimaryStatus, observation, roleOf, run, seen, syncedStatus, testConfig } from './fixtures.js';

const T0 = 1_000_000;
const config = testConfig();
const [n1, n2, n3] = config.nodes as [DecideNode, DecideNode, DecideNode];
const v7 = { confId: 7, members: [n1, n2, n3], withAddresses: false };
const v9 = { confId: 9, members: [n2, n3], withAddresses: false };
const at = (s: number): number => T0 + s * 1000;
const tick = (s: number, nodes: NodeObservation[]): Tick => ({ now: at(s), observation: observation(at(s), nodes) });
const inPool = (r: DecideResult, node: string): boolean => r.desired.writers.includes(node) || r.desired.readers.includes(node);

/**
 * The measured failure: node1 (writer) is frozen (SIGSTOP). Its probes time out; after ~6 s the survivors form
 * view 9 without it. It resumes at 20 s and reports its old Synced/Primary view 7 for ~6 s, then goes non-Primary,
 * rejoins as a new member (new gcomm uuid) at 30 s and stays healthy.
 */
function frozenWriterTimeline(): DecideResult[] {
  const peersOld = (s: number) => [seen(n2, at(s), syncedStatus(n2, v7)), seen(n3, at(s), syncedStatus(n3, v7))];
  const peersNew = (s: number, v = v9) => [seen(n2, at(s), syncedStatus(n2, v)), seen(n3, at(s), syncedStatus(n3, v))];
  const v11 = { confId: 11, members: [n1, n2, n3], withAddresses: false };
  const ticks: Tick[] = [
    { now: at(0), observation: healthyCluster(config, at(0), 7, { withAddresses: false }) },
    tick(2, [failed(n1, at(2), 'timeout'), ...peersOld(2)]),
    tick(4, [failed(n1, at(4), 'timeout'), ...peersOld(4)]),
    tick(6, [failed(n1, at(6), 'timeout'), ...peersNew(6)]),
    tick(20, [seen(n1, at(20), syncedStatus(n1, v7)), ...peersNew(20)]),
    tick(22, [seen(n1, at(22), syncedStatus(n1, v7)), ...peersNew(22)]),
    tick(26, [seen(n1, at(26), nonPrimaryStatus(n1)), ...peersNew(26)]),
  ];
  for (let s = 30; s <= 44; s += 2) {
    ticks.push(tick(s, [seen(n1, at(s), syncedStatus(n1, v11, { gcommUuid: gcommUuid('node1', 2) })), ...peersNew(s, v11)]));
  }
  return run(config, ticks);
}

void test('frozen writer: fail-over after retryDown timeouts, once, to the next weight; the epoch moves once', () => {
  const rs = frozenWriterTimeline();
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), [
    'node1', 'node1', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2',
  ]);
  assert.deepEqual([...new Set(rs.map((r) => r.desired.epoch))], [1, 2]);
  assert.ok(codesOf(rs[1] as DecideResult).includes('RETRY_DOWN_PENDING'));
  assert.ok(codesOf(rs[2] as DecideResult).includes('FAILOVER'));
});

void test('frozen writer: its stale Synced/Primary view after it resumes is overridden by its peers (STALE_VIEW, maintenance)', () => {
  const rs = frozenWriterTimeline();
  for (const r of [rs[4], rs[5]] as DecideResult[]) {
    assert.ok(codesOf(r, 'node1').includes('STALE_VIEW'));
    assert.deepEqual(roleOf(r, 'node1'), { writer: 'maintenance', reader: 'maintenance' });
    assert.equal(inPool(r, 'node1'), false);
  }
});

void test('frozen writer: after it rejoins it waits retryUp and minHoldMs, then returns as backup and reader, never as writer (no fail-back)', () => {
  const rs = frozenWriterTimeline();
  const rejoinedAt = at(30);
  const left = rs.findIndex((r) => !inPool(r, 'node1'));
  assert.equal(left, 2);
  for (const r of rs.slice(left)) {
    if (inPool(r, 'node1')) assert.ok(r.desired.at - rejoinedAt >= config.minHoldMs, `node1 back in a pool ${r.desired.at - rejoinedAt} ms after rejoining`);
  }
  assert.deepEqual(rs.map((r) => inPool(r, 'node1')), [true, true, false, false, false, false, false, false, false, false, false, true, true, true, true]);
  const last = rs[rs.length - 1] as DecideResult;
  assert.deepEqual(roleOf(last, 'node1'), { writer: 'backup', reader: 'reader' });
  const back = rs.find((r) => r.desired.at === at(38)) as DecideResult;
  assert.ok(codesOf(back, 'node1').includes('ADMITTED'));
  assert.ok(back.changes.some((c) => c.node === 'node1' && c.pool === 'reader' && c.to === 'reader'));
  const holding = rs.find((r) => r.desired.at === at(36)) as DecideResult;
  assert.ok(codesOf(holding, 'node1').includes('HOLD_PENDING'));
  assert.deepEqual(last.desired.writers, ['node2']);
  assert.ok(codesOf(last, 'node2').includes('WRITER_RETAINED'), 'the sticky writer says why node1 does not take over');
});

void test('membership: when the peers confirm the writer is gone, fail-over does not wait for retryDown', () => {
  const cfg = testConfig({ retryDown: 10 });
  const rs = run(cfg, [
    { now: at(0), observation: healthyCluster(cfg, at(0), 7, { withAddresses: false }) },
    tick(2, [failed(n1, at(2), 'timeout'), seen(n2, at(2), syncedStatus(n2, v7)), seen(n3, at(2), syncedStatus(n3, v7))]),
    tick(6, [failed(n1, at(6), 'timeout'), seen(n2, at(6), syncedStatus(n2, v9)), seen(n3, at(6), syncedStatus(n3, v9))]),
  ]);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node1', 'node2']);
  assert.ok(codesOf(rs[2] as DecideResult, 'node1').includes('EXCLUDED_BY_PEERS'));
});

void test('killed writer: connection refused fails over at once when a replacement exists', () => {
  const cfg = testConfig({ retryDown: 5 });
  const rs = run(cfg, [
    { now: at(0), observation: healthyCluster(cfg, at(0)) },
    tick(2, [failed(n1, at(2), 'refused'), seen(n2, at(2), syncedStatus(n2, v7)), seen(n3, at(2), syncedStatus(n3, v7))]),
  ]);
  const r = rs[1] as DecideResult;
  assert.deepEqual(r.desired.writers, ['node2']);
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'offline_hard', reader: 'offline_hard' });
  const d1 = r.desired.nodes.find((n) => n.node === 'node1');
  assert.deepEqual([d1?.writerConnections, d1?.readerConnections], ['sever', 'sever']);
  const change = r.changes.find((c) => c.node === 'node1' && c.pool === 'writer');
  assert.equal(change?.message, 'node1 writer: writer -> offline_hard (PROBE_REFUSED)');
});

void test('protection: the last writer is not removed for a failure that may pass when no eligible replacement exists', () => {
  const cfg = testConfig({ retryDown: 1 });
  const rs = run(cfg, [
    { now: at(0), observation: healthyCluster(cfg, at(0)) },
    tick(2, [failed(n1, at(2), 'timeout'), failed(n2, at(2), 'timeout'), failed(n3, at(2), 'refused')]),
    tick(4, [seen(n1, at(4), syncedStatus(n1, v7)), failed(n2, at(4), 'timeout'), failed(n3, at(4), 'refused')]),
  ]);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node1', 'node1']);
  assert.ok(codesOf(rs[1] as DecideResult).includes('WRITER_KEPT_NO_REPLACEMENT'));
  assert.deepEqual(rs.map((r) => r.desired.epoch), [1, 1, 1], 'keeping the writer is not a writer change');
});

void test('protection: a non-Primary writer is always removed, even as the last one (NO_WRITER)', () => {
  const rs = run(config, [
    { now: at(0), observation: healthyCluster(config, at(0)) },
    tick(2, [seen(n1, at(2), nonPrimaryStatus(n1)), seen(n2, at(2), nonPrimaryStatus(n2)), failed(n3, at(2), 'timeout')]),
  ]);
  const r = rs[1] as DecideResult;
  assert.deepEqual(r.desired.writers, []);
  assert.equal(r.desired.epoch, 2);
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'maintenance', reader: 'maintenance' });
  assert.equal(r.findings[0]?.code, 'NO_PRIMARY_COMPONENT');
  assert.ok(codesOf(r).includes('NO_WRITER'));
  assert.deepEqual(r.desired.readers, ['node3'], 'node3 only timed out once: it stays a reader within retryDown');
  assert.ok(codesOf(r, 'node3').includes('RETRY_DOWN_PENDING'));
});

void test('split brain: competing Primary components without a majority get no writer at all', () => {
  const cfg = testConfig({}, 4);
  const [a, b, c, d] = cfg.nodes as [DecideNode, DecideNode, DecideNode, DecideNode];
  const va = { confId: 5, members: [a, b], stateUuid: 'aaaaaaaa-0000-0000-0000-000000000000' };
  const vb = { confId: 3, members: [c, d], stateUuid: 'bbbbbbbb-0000-0000-0000-000000000000' };
  const r = run(cfg, [tick(0, [seen(a, at(0), syncedStatus(a, va)), seen(b, at(0), syncedStatus(b, va)), seen(c, at(0), syncedStatus(c, vb)), seen(d, at(0), syncedStatus(d, vb))])])[0] as DecideResult;
  assert.deepEqual(r.desired.writers, []);
  assert.equal(r.desired.primary, null);
  assert.equal(r.findings[0]?.code, 'SPLIT_BRAIN');
  assert.equal(r.findings[0]?.severity, 'critical');
});

void test('sticky writer: the epoch increments on every writer change and only then', () => {
  const cfg = testConfig({ retryDown: 1, retryUp: 1, minHoldMs: 0 });
  const healthy = (s: number): Tick => ({ now: at(s), observation: healthyCluster(cfg, at(s)) });
  const rs = run(cfg, [
    healthy(0), healthy(2),
    tick(4, [failed(n1, at(4), 'refused'), seen(n2, at(4), syncedStatus(n2, v7)), seen(n3, at(4), syncedStatus(n3, v7))]),
    healthy(6), healthy(8),
    { ...healthy(10), external: { switchoverTo: 'node1' } },
    { ...healthy(12), external: { switchoverTo: 'node1' } },
  ]);
  assert.deepEqual(rs.map((r) => `${r.desired.writers.join()}@${r.desired.epoch}`), ['node1@1', 'node1@1', 'node2@2', 'node2@2', 'node2@2', 'node1@3', 'node1@3']);
  assert.deepEqual(rs.map((r) => r.next.writer.since), [at(0), at(0), at(4), at(4), at(4), at(10), at(10)]);
});

void test('fail-back: with failBack on, the preferred writer takes the role back once it has served its hold', () => {
  const cfg = testConfig({ failBack: true, retryUp: 1, minHoldMs: 4000 });
  const rs = run(cfg, [
    { now: at(0), observation: healthyCluster(cfg, at(0)) },
    tick(2, [failed(n1, at(2), 'refused'), seen(n2, at(2), syncedStatus(n2, v7)), seen(n3, at(2), syncedStatus(n3, v7))]),
    { now: at(4), observation: healthyCluster(cfg, at(4)) },
    { now: at(6), observation: healthyCluster(cfg, at(6)) },
    { now: at(8), observation: healthyCluster(cfg, at(8)) },
  ]);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node2', 'node2', 'node2', 'node1']);
  assert.ok(codesOf(rs[4] as DecideResult, 'node1').includes('FAIL_BACK'));
});
