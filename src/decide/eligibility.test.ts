import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideConfig } from '../model/decide-config.js';
import type { ExternalVerdict } from '../model/external.js';
import type { NodeObservation, NodeStatus } from '../model/observation.js';
import { CONDITIONS, parkingOf } from './conditions.js';
import type { NodeFacts } from './eligibility.js';
import { assessEligibility, spareLastDonors } from './eligibility.js';
import { failed, nodeSpec, nodeSpecs, nonPrimaryStatus, seen, syncedStatus, testConfig } from './fixtures.js';
import type { MembershipVerdict } from './membership.js';

const NOW = 5_000_000;
const n1 = nodeSpec(1);
const view = { confId: 4, members: nodeSpecs(3) };
const noMembership: MembershipVerdict = { primary: null, conditions: new Map(), splitBrain: null, claimers: [] };

function factsOf(obs: NodeObservation | undefined, opts: { config?: Partial<DecideConfig>; external?: ExternalVerdict; writerCandidate?: boolean } = {}): NodeFacts {
  const node = opts.writerCandidate === undefined ? n1 : { ...n1, writerCandidate: opts.writerCandidate };
  return assessEligibility(node, obs, { config: testConfig(opts.config), membership: noMembership, external: opts.external ?? {}, now: NOW });
}

const synced = (over: Partial<NodeStatus> = {}): NodeObservation => seen(n1, NOW, syncedStatus(n1, view, over));

interface Row {
  rule: string;
  obs: NodeObservation | undefined;
  config?: Partial<DecideConfig>;
  external?: ExternalVerdict;
  writerCandidate?: boolean;
  codes: string[];
  fit: boolean;
  writerFit: boolean;
  hardBlock: boolean;
  immediateDown: boolean;
  parking?: string;
}

const ROWS: Row[] = [
  { rule: 'Synced, Primary, ready, connected: fit for both roles', obs: synced(), codes: [], fit: true, writerFit: true, hardBlock: false, immediateDown: false },
  { rule: 'non-Primary is unsafe and parks in maintenance', obs: seen(n1, NOW, nonPrimaryStatus(n1)), codes: ['NOT_PRIMARY', 'NOT_READY', 'TABLE_ACCESS', 'NOT_SYNCED'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'maintenance' },
  { rule: 'wsrep_ready OFF is unsafe', obs: synced({ ready: false }), codes: ['NOT_READY'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'maintenance' },
  { rule: 'wsrep_connected OFF is unsafe', obs: synced({ connected: false }), codes: ['NOT_CONNECTED'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'maintenance' },
  { rule: 'wsrep_on OFF is unsafe', obs: synced({ wsrepOn: false }), codes: ['WSREP_OFF'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'maintenance' },
  { rule: 'reject_queries moves to maintenance at once', obs: synced({ rejectQueries: 'ALL' }), codes: ['REJECT_QUERIES'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'maintenance' },
  { rule: 'pxc_maint_mode drains (OFFLINE_SOFT) at once', obs: synced({ pxcMaintMode: 'MAINTENANCE' }), codes: ['MAINT_MODE'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'offline_soft' },
  { rule: 'pxc_maint_mode SHUTDOWN drains too', obs: synced({ pxcMaintMode: 'SHUTDOWN' }), codes: ['MAINT_MODE'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'offline_soft' },
  { rule: 'a donor is out unless allowed, after retryDown', obs: synced({ localState: 2, localStateComment: 'Donor/Desynced' }), codes: ['DONOR'], fit: false, writerFit: false, hardBlock: false, immediateDown: false, parking: 'offline_soft' },
  { rule: 'a donor that does not reject queries may serve when availableWhenDonor', obs: synced({ localState: 2, localStateComment: 'Donor/Desynced' }), config: { availableWhenDonor: true }, codes: ['DONOR'], fit: true, writerFit: true, hardBlock: false, immediateDown: false },
  { rule: 'a donor that rejects queries goes to maintenance even when donors are allowed', obs: synced({ localState: 2, localStateComment: 'Donor/Desynced', donorRejectsQueries: true }), config: { availableWhenDonor: true }, codes: ['DONOR_REJECTS'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'maintenance' },
  { rule: 'a desynced node is out unless allowed', obs: synced({ localState: 2, localStateComment: 'Donor/Desynced', desync: true }), codes: ['DESYNCED'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'Joined (3) is not Synced', obs: synced({ localState: 3, localStateComment: 'Joined' }), codes: ['NOT_SYNCED'], fit: false, writerFit: false, hardBlock: false, immediateDown: false, parking: 'offline_soft' },
  { rule: 'read_only never makes a writer but may read', obs: synced({ readOnly: true }), codes: ['READ_ONLY'], fit: true, writerFit: false, hardBlock: true, immediateDown: false },
  { rule: 'read_only keeps a node from reads when availableWhenReadOnly is off', obs: synced({ readOnly: true }), config: { availableWhenReadOnly: false }, codes: ['READ_ONLY'], fit: false, writerFit: false, hardBlock: true, immediateDown: true },
  { rule: 'table access refused is a failure that may pass', obs: synced({ tableAccess: { ok: false, errno: 1146, message: "Table 'x' doesn't exist" } }), codes: ['TABLE_ACCESS'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'connection refused acts at once (nothing listens)', obs: failed(n1, NOW, 'refused'), codes: ['PROBE_REFUSED'], fit: false, writerFit: false, hardBlock: false, immediateDown: true, parking: 'offline_hard' },
  { rule: 'a probe timeout waits for retryDown (frozen or busy)', obs: failed(n1, NOW, 'timeout'), codes: ['PROBE_TIMEOUT'], fit: false, writerFit: false, hardBlock: false, immediateDown: false, parking: 'offline_hard' },
  { rule: 'an unreachable host waits for retryDown', obs: failed(n1, NOW, 'unreachable'), codes: ['PROBE_UNREACHABLE'], fit: false, writerFit: false, hardBlock: false, immediateDown: false, parking: 'offline_hard' },
  { rule: 'rejected credentials are a probe failure', obs: failed(n1, NOW, 'auth'), codes: ['PROBE_AUTH'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'a TLS failure is a probe failure', obs: failed(n1, NOW, 'tls'), codes: ['PROBE_TLS'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'an unusable reply is a probe failure', obs: failed(n1, NOW, 'protocol'), codes: ['PROBE_FAILED'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'an answer later than checkTimeoutMs is not a healthy answer', obs: seen(n1, NOW, syncedStatus(n1, view), 4500), codes: ['PROBE_SLOW'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'an observation older than maxObservationAgeMs counts as none', obs: seen(n1, NOW - 10_001, syncedStatus(n1, view)), codes: ['OBSERVATION_STALE'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'a configured node without observation is not fit', obs: undefined, codes: ['NOT_OBSERVED'], fit: false, writerFit: false, hardBlock: false, immediateDown: false },
  { rule: 'an external downtime wins over a healthy probe', obs: synced(), external: { downtimed: ['node1'] }, codes: ['DOWNTIMED'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'offline_soft' },
  { rule: 'an operator maintenance mark wins over a healthy probe', obs: synced(), external: { maintenance: ['node1'] }, codes: ['OPERATOR_MAINTENANCE'], fit: false, writerFit: false, hardBlock: true, immediateDown: true, parking: 'offline_soft' },
  { rule: 'fencing every node wins over a healthy probe', obs: synced(), external: { fenceAll: 'Orchestrator raft leader unreachable' }, codes: ['EXTERNAL_FENCE'], fit: false, writerFit: false, hardBlock: true, immediateDown: true },
  { rule: 'a node that is not a writer candidate may only read', obs: synced(), writerCandidate: false, codes: [], fit: true, writerFit: false, hardBlock: false, immediateDown: false },
];

for (const row of ROWS) {
  void test(`eligibility: ${row.rule}`, () => {
    const f = factsOf(row.obs, { ...(row.config && { config: row.config }), ...(row.external && { external: row.external }), ...(row.writerCandidate !== undefined && { writerCandidate: row.writerCandidate }) });
    assert.deepEqual(f.conditions.map((c) => c.code).sort(), [...row.codes].sort());
    assert.equal(f.fit, row.fit, 'fit');
    assert.equal(f.writerFit, row.writerFit, 'writerFit');
    assert.equal(f.hardBlock, row.hardBlock, 'hardBlock');
    assert.equal(f.immediateDown, row.immediateDown, 'immediateDown');
    if (row.parking !== undefined) assert.equal(parkingOf(f.conditions, 'node'), row.parking);
    for (const c of f.conditions) assert.match(c.message, /node1/, `${c.code} message names the node`);
  });
}

void test('eligibility: conditions come most important first', () => {
  const f = factsOf(seen(n1, NOW, nonPrimaryStatus(n1)));
  const priorities = f.conditions.map((c) => CONDITIONS[c.code].priority);
  assert.deepEqual(priorities, [...priorities].sort((a, b) => b - a));
  assert.equal(f.conditions[0]?.code, 'NOT_PRIMARY');
});

void test('eligibility: membership conditions from the cross-check count against the node', () => {
  const membership: MembershipVerdict = { ...noMembership, conditions: new Map([['node1', { code: 'STALE_VIEW', message: 'node1: stale' }]]) };
  const f = assessEligibility(n1, synced(), { config: testConfig(), membership, external: {}, now: NOW });
  assert.deepEqual(f.conditions.map((c) => c.code), ['STALE_VIEW']);
  assert.equal(f.fit, false);
  assert.equal(f.hardBlock, true);
});

const segView = (segment: number, over: Partial<NodeStatus> = {}) => (i: number): NodeObservation => {
  const n = nodeSpec(i);
  return seen(n, NOW, syncedStatus(n, view, { segment, ...over }));
};
const donor = { localState: 2, localStateComment: 'Donor/Desynced' } as const;

void test('protection: the only node of the main segment that turns donor stays in service', () => {
  const config = testConfig({ mainSegment: 1 });
  const ctx = { config, membership: noMembership, external: {}, now: NOW };
  const facts = [
    assessEligibility(nodeSpec(1), segView(1, donor)(1), ctx),
    assessEligibility(nodeSpec(2), segView(2)(2), ctx),
    assessEligibility(nodeSpec(3), segView(2)(3), ctx),
  ];
  const { facts: out, spared } = spareLastDonors(facts, 1);
  assert.deepEqual(spared, ['node1']);
  assert.equal(out[0]?.fit, true);
  assert.equal(out[0]?.writerFit, true);
  assert.equal(out[0]?.conditions[0]?.blocks, 'none');
});

void test('protection: a donor is not spared when another main-segment node can serve, nor when it rejects queries, nor outside the main segment', () => {
  const config = testConfig({ mainSegment: 1 });
  const ctx = { config, membership: noMembership, external: {}, now: NOW };
  const withPeer = [assessEligibility(nodeSpec(1), segView(1, donor)(1), ctx), assessEligibility(nodeSpec(2), segView(1)(2), ctx)];
  assert.deepEqual(spareLastDonors(withPeer, 1).spared, []);
  const rejecting = [assessEligibility(nodeSpec(1), segView(1, { ...donor, donorRejectsQueries: true })(1), ctx), assessEligibility(nodeSpec(2), segView(2)(2), ctx)];
  assert.deepEqual(spareLastDonors(rejecting, 1).spared, []);
  const otherSegment = [assessEligibility(nodeSpec(1), segView(2, donor)(1), ctx), assessEligibility(nodeSpec(2), segView(2)(2), ctx)];
  assert.deepEqual(spareLastDonors(otherSegment, 1).spared, []);
});
