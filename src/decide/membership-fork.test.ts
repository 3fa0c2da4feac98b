// Forks are judged by membership, not by view number: a minority bootstrapped by hand (pc.bootstrap) counts its own
// view ids and may be ahead of the majority. An older view is stale only when a newer view holds some of its members;
// two Primary views with disjoint memberships are a fork, and the majority of the configured nodes decides.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DecideNode } from '../model/decide-config.js';
import type { NodeStatus } from '../model/observation.js';
import type { Tick, ViewSpec } from './fixtures.js';
import { codesOf, healthyCluster, nodeSpecs, observation, run, seen, syncedStatus, testConfig } from './fixtures.js';
import type { MemberInput } from './membership.js';
import { analyseMembership } from './membership.js';

const member = (n: DecideNode, status: NodeStatus | null): MemberInput => ({ name: n.name, host: n.host, port: n.port, status, knownUuid: null });
const primary = (n: DecideNode, v: ViewSpec): MemberInput => member(n, syncedStatus(n, v));
const codes = (v: ReturnType<typeof analyseMembership>): Record<string, string> => Object.fromEntries([...v.conditions].map(([k, c]) => [k, c.code]));
const five = nodeSpecs(5) as [DecideNode, DecideNode, DecideNode, DecideNode, DecideNode];
const [n1, n2, n3, n4, n5] = five;

for (const [how, ids] of [
  ['member lists (mysql.wsrep_cluster_members)', { withMembers: true, withAddresses: false }],
  ['incoming addresses', { withAddresses: true }],
] as const) {
  void test(`membership fork: a minority bootstrapped by hand with the higher view id does not win over the majority (by ${how})`, () => {
    const majority = { confId: 5, members: [n3, n4, n5], ...ids };
    const minority = { confId: 9, members: [n1, n2], ...ids };
    const r = analyseMembership([primary(n1, minority), primary(n2, minority), primary(n3, majority), primary(n4, majority), primary(n5, majority)]);
    assert.deepEqual(codes(r), { node1: 'SPLIT_BRAIN', node2: 'SPLIT_BRAIN' });
    assert.deepEqual(r.primary?.nodes, ['node3', 'node4', 'node5']);
    assert.equal(r.primary?.confId, 5);
    assert.match(r.splitBrain ?? '', /holds 3 of 5 configured nodes/);
  });
}

void test('membership fork: the minority is a fork even when only one majority member can be probed; no majority means nobody is trusted', () => {
  const majority = { confId: 5, members: [n3, n4, n5], withMembers: true };
  const minority = { confId: 9, members: [n1, n2], withMembers: true };
  const r = analyseMembership([primary(n1, minority), primary(n2, minority), primary(n3, majority), member(n4, null), member(n5, null)]);
  assert.equal(r.primary, null, 'one reachable member of three is not a majority of five');
  assert.deepEqual(codes(r), { node1: 'SPLIT_BRAIN', node2: 'SPLIT_BRAIN', node3: 'SPLIT_BRAIN' });
});

void test('membership fork: an older view that the newer one continues (it holds some of its members) is still stale', () => {
  const old = { confId: 5, members: [n1, n2, n3, n4, n5], withMembers: true };
  const fresh = { confId: 9, members: [n2, n3, n4, n5], withMembers: true };
  const r = analyseMembership([primary(n1, old), primary(n2, fresh), primary(n3, fresh), primary(n4, fresh), primary(n5, fresh)]);
  assert.deepEqual(codes(r), { node1: 'STALE_VIEW' });
  assert.equal(r.splitBrain, null);
});

void test('membership fork: decide() keeps the writer on the majority side and reports SPLIT_BRAIN (5 nodes: {3,4,5} at view 5, {1,2} at view 9)', () => {
  const config = testConfig({ retryDown: 2 }, 5);
  const at = (s: number): number => 5_000_000 + s * 1000;
  const majority = { confId: 5, members: [n3, n4, n5], withMembers: true };
  const forked = (s: number, confId: number) => {
    const minority = { confId, members: [n1, n2], withMembers: true };
    return observation(at(s), [
      seen(n1, at(s), syncedStatus(n1, minority)), seen(n2, at(s), syncedStatus(n2, minority)),
      seen(n3, at(s), syncedStatus(n3, majority)), seen(n4, at(s), syncedStatus(n4, majority)), seen(n5, at(s), syncedStatus(n5, majority)),
    ]);
  };
  const ticks: Tick[] = [
    { now: at(0), observation: healthyCluster(config, at(0), 4, { withMembers: true }) },
    { now: at(1), observation: forked(1, 5) },
    { now: at(2), observation: forked(2, 9) },
    { now: at(3), observation: forked(3, 12) },
  ];
  const rs = run(config, ticks);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['node1', 'node3', 'node3', 'node3']);
  for (const r of rs.slice(1)) {
    assert.ok(r.findings.some((f) => f.code === 'SPLIT_BRAIN' && f.scope === 'cluster'), JSON.stringify(r.findings));
    assert.deepEqual(codesOf(r, 'node1').includes('SPLIT_BRAIN') && codesOf(r, 'node2').includes('SPLIT_BRAIN'), true);
    assert.equal(codesOf(r).includes('STALE_VIEW'), false, 'the majority is not stale');
    assert.equal(r.desired.readers.some((n) => n === 'node1' || n === 'node2'), false);
    assert.deepEqual(r.desired.primary?.nodes, ['node3', 'node4', 'node5']);
  }
});

void test('property: two disjoint Primary components of one history, whatever their view ids: the majority side is trusted, the other is SPLIT_BRAIN', () => {
  fc.assert(fc.property(
    fc.integer({ min: 3, max: 7 }).chain((n) => fc.record({
      n: fc.constant(n),
      // which nodes are on the minority side: fewer than half, at least one
      minority: fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { minLength: 1, maxLength: Math.ceil(n / 2) - 1 }),
      majorityId: fc.integer({ min: 1, max: 1000 }),
      minorityId: fc.integer({ min: 1, max: 1000 }),
      withMembers: fc.boolean(),
      reversed: fc.boolean(),
    })),
    ({ n, minority, majorityId, minorityId, withMembers, reversed }) => {
      const nodes = nodeSpecs(n);
      const small = nodes.filter((_, i) => minority.includes(i));
      const big = nodes.filter((_, i) => !minority.includes(i));
      // equal ids are a fork of one view id, told apart by size (the sides never have the same size)
      const ids = { withMembers, withAddresses: !withMembers };
      const vBig = { confId: majorityId, members: big, ...ids };
      const vSmall = { confId: minorityId, members: small, ...ids };
      const inputs = [...big.map((x) => primary(x, vBig)), ...small.map((x) => primary(x, vSmall))];
      const r = analyseMembership(reversed ? inputs.reverse() : inputs);
      assert.deepEqual(r.primary?.nodes, big.map((x) => x.name).sort());
      assert.deepEqual(codes(r), Object.fromEntries(small.map((x) => [x.name, 'SPLIT_BRAIN'])));
      assert.notEqual(r.splitBrain, null);
    },
  ), { numRuns: 300 });
});
