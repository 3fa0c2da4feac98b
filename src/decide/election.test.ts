import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideConfig } from '../model/decide-config.js';
import type { WriterTrack } from '../model/decision.js';
import type { NodeStatus } from '../model/observation.js';
import type { Condition } from './conditions.js';
import type { ElectionNode } from './election.js';
import { elect } from './election.js';
import { nodeSpec, nodeSpecs, syncedStatus } from './fixtures.js';

type Cfg = Pick<DecideConfig, 'activeFailover' | 'failBack' | 'singlePrimary' | 'maxNumWriters' | 'mainSegment'>;
const CFG: Cfg = { activeFailover: 1, failBack: false, singlePrimary: true, maxNumWriters: 1, mainSegment: 0 };
const COLD: WriterTrack = { nodes: [], epoch: 0, since: null, last: [] };
const track = (...nodes: string[]): WriterTrack => ({ nodes, epoch: 3, since: 1, last: nodes });

interface Opts {
  weight?: number;
  status?: Partial<NodeStatus>;
  conditions?: Condition[];
  inService?: boolean;
  writerCandidate?: boolean;
  down?: boolean;
}

/** An election node: healthy and in service unless told otherwise; conditions decide fit / hardBlock. */
function en(i: number, o: Opts = {}): ElectionNode {
  const spec = nodeSpec(i, o.weight === undefined ? {} : { weight: o.weight });
  const conditions = o.conditions ?? [];
  const blocking = conditions.filter((c) => c.blocks !== 'none');
  const fit = !blocking.some((c) => c.blocks === 'node');
  const writerCandidate = o.writerCandidate ?? true;
  const hard = new Set(['NOT_PRIMARY', 'STALE_VIEW', 'READ_ONLY', 'MAINT_MODE', 'DOWNTIMED']);
  return {
    name: spec.name, host: spec.host, port: spec.port, weight: spec.weight, writerCandidate, readerCandidate: true,
    status: o.down ? null : syncedStatus(spec, { confId: 5, members: nodeSpecs(3) }, o.status ?? {}),
    conditions,
    fit,
    writerFit: fit && writerCandidate && blocking.length === 0,
    immediateDown: blocking.some((c) => hard.has(c.code)),
    hardBlock: blocking.some((c) => hard.has(c.code)),
    inService: o.inService ?? fit,
  };
}
const cond = (code: Condition['code'], blocks: Condition['blocks'] = 'node'): Condition => ({ code, message: `x: ${code}`, blocks });
const noteCodes = (e: ReturnType<typeof elect>): string[] => e.notes.map((n) => `${n.code}${n.node ? `:${n.node}` : ''}`);

void test('election: the highest weight in the writer backup group wins', () => {
  const e = elect([en(1, { weight: 10 }), en(2, { weight: 30 }), en(3, { weight: 20 })], COLD, CFG);
  assert.deepEqual(e.writers, ['node2']);
  assert.deepEqual(noteCodes(e), ['WRITER_ELECTED:node2']);
  assert.deepEqual(e.backups, ['node3', 'node1']);
});

void test('election: the main segment comes first, even before a higher weight', () => {
  const nodes = [en(1, { weight: 100, status: { segment: 2 } }), en(2, { weight: 5, status: { segment: 1 } }), en(3, { weight: 50, status: { segment: 2 } })];
  assert.deepEqual(elect(nodes, COLD, { ...CFG, mainSegment: 1 }).writers, ['node2']);
});

void test('election: a Synced node comes before an allowed donor of higher weight', () => {
  const nodes = [en(1, { weight: 100, status: { localState: 2 }, conditions: [cond('DONOR', 'none')] }), en(2, { weight: 5 })];
  assert.deepEqual(elect(nodes, COLD, CFG).writers, ['node2']);
});

void test('election: wsrep_local_index is only a tie-break, and its reshuffle never moves a sticky writer', () => {
  const first = elect([en(1, { weight: 7, status: { localIndex: 2 } }), en(2, { weight: 7, status: { localIndex: 0 } }), en(3, { weight: 7, status: { localIndex: 1 } })], COLD, CFG);
  assert.deepEqual(first.writers, ['node2']);
  // membership change: indexes reshuffle, node3 now has index 0
  const after = elect([en(1, { weight: 7, status: { localIndex: 1 } }), en(2, { weight: 7, status: { localIndex: 2 } }), en(3, { weight: 7, status: { localIndex: 0 } })], track('node2'), CFG);
  assert.deepEqual(after.writers, ['node2']);
  assert.deepEqual(after.notes, []);
});

void test('election: equal rank falls back to the name, so that every instance agrees', () => {
  const nodes = [en(3, { weight: 1, status: { localIndex: 0 } }), en(1, { weight: 1, status: { localIndex: 0 } }), en(2, { weight: 1, status: { localIndex: 0 } })];
  assert.deepEqual(elect(nodes, COLD, CFG).writers, ['node1']);
});

void test('sticky writer: a recovered better node does not take the writer role back when failBack is off', () => {
  const e = elect([en(1), en(2), en(3)], track('node2'), CFG);
  assert.deepEqual(e.writers, ['node2']);
  assert.deepEqual(noteCodes(e), ['WRITER_RETAINED:node2']);
});

void test('fail-back: with failBack on, a better-ranked node in service takes the writer role back', () => {
  const e = elect([en(1), en(2), en(3)], track('node2'), { ...CFG, failBack: true });
  assert.deepEqual(e.writers, ['node1']);
  assert.deepEqual(noteCodes(e), ['FAIL_BACK:node1']);
  assert.match(e.notes[0]?.message ?? '', /replacing node2 \(healthy\)/);
});

void test('fail-back: never to a node of equal weight (no flapping on the local index), never to a node still holding', () => {
  const equal = elect([en(1, { weight: 5, status: { localIndex: 0 } }), en(2, { weight: 5, status: { localIndex: 1 } })], track('node2'), { ...CFG, failBack: true });
  assert.deepEqual(equal.writers, ['node2']);
  const holding = elect([en(1, { inService: false }), en(2)], track('node2'), { ...CFG, failBack: true });
  assert.deepEqual(holding.writers, ['node2']);
});

void test('fail-over: the writer changes when it becomes ineligible, to the best candidate, with the reason', () => {
  const e = elect([en(1, { conditions: [cond('NOT_PRIMARY')] }), en(2), en(3)], track('node1'), CFG);
  assert.deepEqual(e.writers, ['node2']);
  assert.deepEqual(noteCodes(e), ['FAILOVER:node2']);
  assert.match(e.notes[0]?.message ?? '', /replacing node1 \(NOT_PRIMARY\)/);
});

void test('fail-over: a writer within its retryDown tolerance (unhealthy but in service) stays', () => {
  const e = elect([en(1, { conditions: [cond('PROBE_TIMEOUT')], inService: true, down: true }), en(2)], track('node1'), CFG);
  assert.deepEqual(e.writers, ['node1']);
});

void test('activeFailover=0: no other node is promoted; the writer of before returns once eligible', () => {
  const cfg = { ...CFG, activeFailover: 0 as const };
  const lost = elect([en(1, { conditions: [cond('NOT_PRIMARY')] }), en(2), en(3)], track('node1'), cfg);
  assert.deepEqual(lost.writers, []);
  const lostTrack: WriterTrack = { nodes: [], epoch: 4, since: 2, last: ['node1'] };
  assert.deepEqual(elect([en(1, { inService: false }), en(2), en(3)], lostTrack, cfg).writers, [], 'still holding');
  assert.deepEqual(elect([en(1), en(2), en(3)], lostTrack, cfg).writers, ['node1']);
});

void test('activeFailover=0: the first election on a cold start still picks a writer', () => {
  assert.deepEqual(elect([en(1), en(2)], COLD, { ...CFG, activeFailover: 0 }).writers, ['node1']);
});

void test('switchover: an operator request to an eligible node moves the writer', () => {
  const e = elect([en(1), en(2), en(3)], track('node1'), CFG, 'node3');
  assert.deepEqual(e.writers, ['node3']);
  assert.deepEqual(noteCodes(e), ['SWITCHOVER:node3']);
});

void test('switchover: to an ineligible or unknown node it is rejected with the reason and nothing changes; to the writer it is a no-op', () => {
  const ineligible = elect([en(1), en(2, { conditions: [cond('DONOR')] }), en(3)], track('node1'), CFG, 'node2');
  assert.deepEqual(ineligible.writers, ['node1']);
  assert.deepEqual(noteCodes(ineligible), ['SWITCHOVER_REJECTED:node2']);
  assert.match(ineligible.notes[0]?.message ?? '', /node2: switchover rejected: DONOR/);
  const holding = elect([en(1), en(2, { inService: false })], track('node1'), CFG, 'node2');
  assert.match(holding.notes[0]?.message ?? '', /hold time/);
  const unknown = elect([en(1), en(2)], track('node1'), CFG, 'node9');
  assert.deepEqual(unknown.writers, ['node1']);
  assert.deepEqual(noteCodes(unknown), ['SWITCHOVER_REJECTED']);
  const same = elect([en(1), en(2)], track('node1'), CFG, 'node1');
  assert.deepEqual(same.writers, ['node1']);
  assert.deepEqual(same.notes, []);
});

void test('writers: single writer under singlePrimary whatever maxNumWriters says; up to maxNumWriters otherwise', () => {
  assert.deepEqual(elect([en(1), en(2), en(3)], COLD, { ...CFG, maxNumWriters: 3 }).writers, ['node1']);
  const multi = elect([en(1), en(2), en(3)], COLD, { ...CFG, singlePrimary: false, maxNumWriters: 2 });
  assert.deepEqual(multi.writers, ['node1', 'node2']);
  // a lost writer is replaced, the other stays
  const after = elect([en(1, { conditions: [cond('NOT_PRIMARY')] }), en(2), en(3)], track('node1', 'node2'), { ...CFG, singlePrimary: false, maxNumWriters: 2 });
  assert.deepEqual(after.writers, ['node2', 'node3']);
  // a smaller limit trims the writers of before
  assert.deepEqual(elect([en(1), en(2), en(3)], track('node2', 'node1'), { ...CFG, singlePrimary: false, maxNumWriters: 1 }).writers, ['node2']);
});

void test('protection: the last writer stays when nothing can replace it and it is not itself unsafe', () => {
  const e = elect([en(1, { conditions: [cond('PROBE_TIMEOUT')], inService: false, down: true }), en(2, { conditions: [cond('NOT_SYNCED')] })], track('node1'), CFG);
  assert.deepEqual(e.writers, ['node1']);
  assert.deepEqual(noteCodes(e), ['WRITER_KEPT_NO_REPLACEMENT:node1']);
});

void test('protection: an unsafe or intentionally removed last writer goes even without replacement (non-Primary, read_only, maintenance)', () => {
  for (const c of [cond('NOT_PRIMARY'), cond('READ_ONLY', 'writer'), cond('MAINT_MODE'), cond('DOWNTIMED')]) {
    const e = elect([en(1, { conditions: [c], inService: c.blocks === 'writer' }), en(2, { conditions: [cond('NOT_SYNCED')] })], track('node1'), CFG);
    assert.deepEqual(e.writers, [], c.code);
  }
});

void test('election: a node that is not a writer candidate is never elected', () => {
  const e = elect([en(1, { writerCandidate: false }), en(2, { writerCandidate: false })], COLD, CFG);
  assert.deepEqual(e.writers, []);
});

void test('election: a writer kept as the last one while unhealthy keeps the role once fit again, even before its hold is over', () => {
  const e = elect([en(1, { inService: false }), en(2)], track('node1'), CFG);
  assert.deepEqual(e.writers, ['node1']);
});
