import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideNode } from '../model/decide-config.js';
import type { NodeStatus } from '../model/observation.js';
import type { ViewSpec } from './fixtures.js';
import { gcommUuid, nodeSpecs, nonPrimaryStatus, syncedStatus } from './fixtures.js';
import type { MemberInput } from './membership.js';
import { analyseMembership } from './membership.js';

const [n1, n2, n3, n4, n5] = nodeSpecs(5) as [DecideNode, DecideNode, DecideNode, DecideNode, DecideNode];
const member = (n: DecideNode, status: NodeStatus | null, knownUuid: string | null = null): MemberInput => ({ name: n.name, host: n.host, port: n.port, status, knownUuid });
const primary = (n: DecideNode, v: ViewSpec, over: Partial<NodeStatus> = {}): MemberInput => member(n, syncedStatus(n, v, over));
const codes = (v: ReturnType<typeof analyseMembership>): Record<string, string> =>
  Object.fromEntries([...v.conditions].map(([k, c]) => [k, c.code]));

void test('membership: one Primary view reported by all is trusted, nobody is flagged', () => {
  const v = { confId: 7, members: [n1, n2, n3] };
  const r = analyseMembership([primary(n1, v), primary(n2, v), primary(n3, v)]);
  assert.deepEqual(r.primary, { stateUuid: syncedStatus(n1, v).clusterStateUuid, confId: 7, size: 3, nodes: ['node1', 'node2', 'node3'] });
  assert.equal(r.conditions.size, 0);
  assert.equal(r.splitBrain, null);
});

void test('membership: a frozen writer that resumes with its old view is STALE_VIEW (peers account for every member of the newer view)', () => {
  // no member lists, no addresses: the newer view has size 2 and two reporters, so node1 cannot be in it
  const old = { confId: 7, members: [n1, n2, n3], withAddresses: false };
  const fresh = { confId: 9, members: [n2, n3], withAddresses: false };
  const r = analyseMembership([primary(n1, old), primary(n2, fresh), primary(n3, fresh)]);
  assert.deepEqual(codes(r), { node1: 'STALE_VIEW' });
  assert.equal(r.primary?.confId, 9);
  assert.deepEqual(r.primary?.nodes, ['node2', 'node3']);
  assert.match(r.conditions.get('node1')?.message ?? '', /node1: reports Primary view .*:7 .*node2, node3 report the newer view .*:9/);
  assert.equal(r.splitBrain, null, 'a stale node is not a split brain');
});

void test('membership: a stale view is recognised by gcomm uuid in mysql.wsrep_cluster_members when only one peer is reachable', () => {
  const old = { confId: 7, members: [n1, n2, n3], withMembers: true };
  const fresh = { confId: 9, members: [n2, n3], withMembers: true };
  const r = analyseMembership([primary(n1, old), primary(n2, fresh), member(n3, null)]);
  assert.deepEqual(codes(r), { node1: 'STALE_VIEW' });
  assert.equal(r.primary?.confId, 9);
});

void test('membership: a stale view is recognised by incoming addresses when they name the peers as configured', () => {
  const old = { confId: 7, members: [n1, n2, n3] };
  const fresh = { confId: 9, members: [n2, n3] };
  const r = analyseMembership([primary(n1, old), primary(n2, fresh), member(n3, null)]);
  assert.deepEqual(codes(r), { node1: 'STALE_VIEW' });
});

void test('membership: an older view whose holder is still a member of the newer one is only lagging behind (probe skew), not stale', () => {
  const old = { confId: 7, members: [n1, n2, n3] };
  const fresh = { confId: 8, members: [n1, n2, n3, n4] };
  const r = analyseMembership([primary(n1, old), primary(n2, fresh), primary(n3, fresh), member(n4, null)]);
  assert.deepEqual(codes(r), {}, 'node1 is listed in the newer view by address');
  assert.deepEqual(r.primary?.nodes, ['node1', 'node2', 'node3']);
});

void test('membership: when membership in the newer view cannot be told, the older report is VIEW_LAGGING (waits for retryDown)', () => {
  const old = { confId: 7, members: [n1, n2, n3], withAddresses: false };
  const fresh = { confId: 8, members: [n1, n2, n3], withAddresses: false };
  const r = analyseMembership([primary(n1, old), primary(n2, fresh), member(n3, null)]);
  assert.deepEqual(codes(r), { node1: 'VIEW_LAGGING' });
});

void test('membership: competing Primary components of different histories: the majority of configured nodes wins, the other is SPLIT_BRAIN', () => {
  const a = { confId: 12, members: [n1, n2, n3], stateUuid: 'aaaaaaaa-0000-0000-0000-000000000000' };
  const b = { confId: 2, members: [n4, n5], stateUuid: 'bbbbbbbb-0000-0000-0000-000000000000' };
  const r = analyseMembership([primary(n1, a), primary(n2, a), primary(n3, a), primary(n4, b), primary(n5, b)]);
  assert.deepEqual(codes(r), { node4: 'SPLIT_BRAIN', node5: 'SPLIT_BRAIN' });
  assert.equal(r.primary?.stateUuid, a.stateUuid);
  assert.match(r.splitBrain ?? '', /holds 3 of 5 configured nodes/);
});

void test('membership: competing histories without a majority: nobody is trusted', () => {
  const a = { confId: 12, members: [n1, n2], stateUuid: 'aaaaaaaa-0000-0000-0000-000000000000' };
  const b = { confId: 2, members: [n3, n4], stateUuid: 'bbbbbbbb-0000-0000-0000-000000000000' };
  const r = analyseMembership([primary(n1, a), primary(n2, a), primary(n3, b), primary(n4, b)]);
  assert.equal(r.primary, null);
  assert.deepEqual(codes(r), { node1: 'SPLIT_BRAIN', node2: 'SPLIT_BRAIN', node3: 'SPLIT_BRAIN', node4: 'SPLIT_BRAIN' });
  assert.match(r.splitBrain ?? '', /none holds a majority of the 4 configured nodes/);
});

void test('membership: a minority bootstrapped by hand forks the history (same view id, other members): the majority wins', () => {
  const majority = { confId: 9, members: [n1, n2] };
  const bootstrapped = { confId: 9, members: [n3] };
  const r = analyseMembership([primary(n1, majority), primary(n2, majority), primary(n3, bootstrapped)]);
  assert.deepEqual(codes(r), { node3: 'SPLIT_BRAIN' });
  assert.deepEqual(r.primary?.nodes, ['node1', 'node2']);
  assert.match(r.splitBrain ?? '', /holds 2 of 3 configured nodes/);
});

void test('membership: within one history the newest view wins even when more nodes report an older one (two nodes frozen at once)', () => {
  const old = { confId: 7, members: [n1, n2, n3], withAddresses: false };
  const fresh = { confId: 9, members: [n1], withAddresses: false };
  const r = analyseMembership([primary(n1, fresh), primary(n2, old), primary(n3, old)]);
  assert.deepEqual(codes(r), { node2: 'STALE_VIEW', node3: 'STALE_VIEW' });
  assert.deepEqual(r.primary?.nodes, ['node1']);
  assert.equal(r.splitBrain, null);
});

void test('membership: a single reachable Primary node is trusted when nobody contradicts it', () => {
  const v = { confId: 9, members: [n1, n2, n3] };
  const r = analyseMembership([primary(n1, v), member(n2, null), member(n3, null)]);
  assert.deepEqual(codes(r), {});
  assert.deepEqual(r.primary?.nodes, ['node1']);
});

void test('membership: a Primary view denied by most of its own members (they report non-Primary) is VIEW_UNCONFIRMED', () => {
  const v = { confId: 9, members: [n1, n2, n3] };
  const r = analyseMembership([primary(n1, v), member(n2, nonPrimaryStatus(n2)), member(n3, nonPrimaryStatus(n3))]);
  assert.deepEqual(codes(r), { node1: 'VIEW_UNCONFIRMED' });
  // one denier out of three does not break a view that two members confirm
  const r2 = analyseMembership([primary(n1, v), primary(n2, v), member(n3, nonPrimaryStatus(n3))]);
  assert.deepEqual(codes(r2), {});
});

void test('membership: an unreachable node that the Primary component does not contain is EXCLUDED_BY_PEERS', () => {
  const fresh = { confId: 9, members: [n2, n3], withAddresses: false };
  const r = analyseMembership([member(n1, null), primary(n2, fresh), primary(n3, fresh)]);
  assert.deepEqual(codes(r), { node1: 'EXCLUDED_BY_PEERS' });
  // still listed by the peers (by its last known gcomm uuid): only our probe fails, no confirmation
  const still = { confId: 7, members: [n1, n2, n3], withMembers: true };
  const r2 = analyseMembership([member(n1, null, gcommUuid('node1')), primary(n2, still), primary(n3, still)]);
  assert.deepEqual(codes(r2), {});
});

void test('membership: nobody in a Primary component means no primary and no conditions (non-Primary is the node\'s own report)', () => {
  const r = analyseMembership([member(n1, nonPrimaryStatus(n1)), member(n2, null)]);
  assert.equal(r.primary, null);
  assert.equal(r.conditions.size, 0);
  assert.deepEqual(r.claimers, []);
});

void test('membership: the result does not depend on input order', () => {
  const old = { confId: 7, members: [n1, n2, n3], withAddresses: false };
  const fresh = { confId: 9, members: [n2, n3], withAddresses: false };
  const inputs = [primary(n1, old), primary(n2, fresh), primary(n3, fresh), member(n4, null)];
  assert.deepEqual(analyseMembership([...inputs].reverse()), analyseMembership(inputs));
});
