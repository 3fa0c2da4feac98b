import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { DecideResult } from '../model/decision.js';
import type { ExternalVerdict } from '../model/external.js';
import type { NodeStatus } from '../model/observation.js';
import { codesOf, healthyCluster, observation, roleOf, run, seen, syncedStatus, testConfig } from './fixtures.js';

const T0 = 2_000_000;
const at = (s: number): number => T0 + s * 1000;
const config = testConfig();
const [n1, n2, n3] = config.nodes as [DecideNode, DecideNode, DecideNode];
const v = { confId: 7, members: [n1, n2, n3] };

/** A sequence: tick 0 healthy, then `bad` on `node` for the given ticks, then healthy again; one tick every 2 s. */
function sequence(cfg: DecideConfig, node: DecideNode, bad: Partial<NodeStatus>, badTicks: number, healthyTicks: number, external?: (i: number) => ExternalVerdict | undefined): DecideResult[] {
  const ticks = [];
  for (let i = 0; i <= badTicks + healthyTicks; i++) {
    const now = at(2 * i);
    const broken = i >= 1 && i <= badTicks;
    const nodes = cfg.nodes.map((n) => seen(n, now, syncedStatus(n, v, broken && n.name === node.name ? bad : {})));
    const ext = external?.(i);
    ticks.push({ now, observation: observation(now, nodes), ...(ext && { external: ext }) });
  }
  return run(cfg, ticks);
}

void test('maintenance: pxc_maint_mode takes the writer out (OFFLINE_SOFT) at once; a new writer takes over and, under single writer, the old one\'s write connections are severed', () => {
  const rs = sequence(config, n1, { pxcMaintMode: 'MAINTENANCE' }, 2, 0);
  const r = rs[1] as DecideResult;
  assert.deepEqual(r.desired.writers, ['node2']);
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'offline_soft', reader: 'offline_soft' });
  const d = r.desired.nodes.find((n) => n.node === 'node1');
  assert.deepEqual([d?.writerConnections, d?.readerConnections], ['sever', 'drain']);
  assert.equal(r.changes.find((c) => c.node === 'node1' && c.pool === 'writer')?.message, 'node1 writer: writer -> offline_soft (MAINT_MODE)');
});

void test('maintenance: the node comes back only when all conditions hold, after retryUp and minHoldMs, as backup (no fail-back)', () => {
  const rs = sequence(config, n1, { pxcMaintMode: 'MAINTENANCE' }, 2, 6);
  // ticks: 0 healthy, 1-2 maintenance, 3.. healthy from 6 s on; hold 8 s -> back at 14 s (tick 7)
  assert.deepEqual(rs.map((r) => roleOf(r, 'node1').reader), ['reader', 'offline_soft', 'offline_soft', 'offline_soft', 'offline_soft', 'offline_soft', 'offline_soft', 'reader', 'reader']);
  assert.deepEqual(roleOf(rs[8] as DecideResult, 'node1'), { writer: 'backup', reader: 'reader' });
  assert.deepEqual((rs[8] as DecideResult).desired.writers, ['node2']);
});

void test('maintenance: reject_queries and donor-rejects move the node to maintenance (9000+HG), severing its connections', () => {
  for (const bad of [{ rejectQueries: 'ALL' }, { localState: 2, localStateComment: 'Donor/Desynced', donorRejectsQueries: true }] as Partial<NodeStatus>[]) {
    const r = sequence(config, n3, bad, 1, 0)[1] as DecideResult;
    assert.deepEqual(roleOf(r, 'node3'), { writer: 'maintenance', reader: 'maintenance' });
    const d = r.desired.nodes.find((n) => n.node === 'node3');
    assert.deepEqual([d?.writerConnections, d?.readerConnections], ['sever', 'sever']);
  }
});

void test('readers: a donor leaves the reader pool after retryDown unless donors are allowed', () => {
  const donor = { localState: 2, localStateComment: 'Donor/Desynced' };
  const rs = sequence(config, n3, donor, 3, 0);
  assert.deepEqual(rs.map((r) => r.desired.readers.includes('node3')), [true, true, false, false]);
  const allowed = sequence(testConfig({ availableWhenDonor: true }), n3, donor, 3, 0);
  assert.deepEqual(allowed.map((r) => r.desired.readers.includes('node3')), [true, true, true, true]);
  assert.ok(codesOf(allowed[2] as DecideResult, 'node3').includes('DONOR_ALLOWED'));
});

void test('hysteresis: a one-tick desync (the read_only toggle resyncs the node) does not flap the pools', () => {
  const rs = sequence(config, n2, { localState: 2, localStateComment: 'Donor/Desynced', desync: true }, 1, 2);
  assert.ok(rs.every((r) => r.desired.readers.includes('node2')));
  assert.deepEqual(rs.slice(1).map((r) => r.changes), [[], [], []]);
});

void test('protection: the only node of the main segment that turns donor stays in service (as writer too)', () => {
  const cfg = testConfig({ mainSegment: 1 });
  const ticks = [0, 1, 2, 3].map((i) => {
    const now = at(2 * i);
    return {
      now,
      observation: observation(now, [
        seen(n1, now, syncedStatus(n1, v, { segment: 1, ...(i > 0 && { localState: 2, localStateComment: 'Donor/Desynced' }) })),
        seen(n2, now, syncedStatus(n2, v, { segment: 2 })),
        seen(n3, now, syncedStatus(n3, v, { segment: 2, ...(i > 0 && { localState: 1, localStateComment: 'Joining', ready: false }) })),
      ]),
    };
  });
  const rs = run(cfg, ticks);
  for (const r of rs.slice(1)) {
    assert.deepEqual(r.desired.writers, ['node1']);
    assert.ok(r.desired.readers.includes('node1'));
    assert.ok(codesOf(r, 'node1').includes('DONOR_KEPT_LAST_IN_SEGMENT'));
  }
});

void test('external: Orchestrator\'s downtime wins over a healthy probe; the node drains and returns only after its hold', () => {
  const rs = sequence(config, n1, {}, 0, 8, (i) => (i >= 1 && i <= 2 ? { downtimed: ['node1'] } : undefined));
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2', 'node2']);
  assert.deepEqual(roleOf(rs[1] as DecideResult, 'node1'), { writer: 'offline_soft', reader: 'offline_soft' });
  assert.ok(codesOf(rs[1] as DecideResult, 'node1').includes('DOWNTIMED'));
  // healthy and unmarked from 6 s: back at 14 s
  assert.deepEqual(rs.map((r) => r.desired.readers.includes('node1')), [true, false, false, false, false, false, false, true, true]);
});

void test('external: an operator maintenance mark removes even the last writer', () => {
  const cfg = testConfig({}, 1);
  const [only] = cfg.nodes as [DecideNode];
  const now = at(0);
  const r = run(cfg, [{ now, observation: healthyCluster(cfg, now) }, { now: at(2), observation: healthyCluster(cfg, at(2)), external: { maintenance: [only.name] } }])[1] as DecideResult;
  assert.deepEqual(r.desired.writers, []);
  assert.ok(codesOf(r).includes('OPERATOR_MAINTENANCE'));
});

void test('external: fencing every node (authority unreachable) leaves no writer and no reader', () => {
  const r = run(config, [{ now: at(0), observation: healthyCluster(config, at(0)) }, { now: at(2), observation: healthyCluster(config, at(2)), external: { fenceAll: 'Orchestrator raft leader unreachable' } }])[1] as DecideResult;
  assert.deepEqual([r.desired.writers, r.desired.readers], [[], []]);
  assert.ok(r.desired.nodes.every((n) => n.writer === 'offline_soft' && n.reader === 'offline_soft'));
  // fail closed for open sessions too: write connections severed (ProxySQL OFFLINE_HARD), reads drained
  assert.ok(r.desired.nodes.every((n) => n.writerConnections === 'sever' && n.readerConnections === 'drain'), JSON.stringify(r.desired.nodes));
  assert.deepEqual(r.findings.slice(0, 3).map((f) => f.code), ['NO_WRITER', 'EXTERNAL_FENCE', 'NO_READERS']);
});

void test('writer: a writer that turns read_only is demoted at once and keeps serving reads', () => {
  const r = sequence(config, n1, { readOnly: true }, 1, 0)[1] as DecideResult;
  assert.deepEqual(r.desired.writers, ['node2']);
  assert.deepEqual(roleOf(r, 'node1'), { writer: 'offline_soft', reader: 'reader' });
});
