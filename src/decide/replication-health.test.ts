// What `status` and the healthcheck say about replication nodes: read_only, threads, lag and master, never wsrep.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assessNode } from './node-health.js';
import { failed, seen } from './fixtures.js';
import { primaryStatus, replicaStatus, replicationNodes } from './replication-fixtures.js';
import { assessReplicationNode, assessReplicationNodes, replicationStateText } from './replication-health.js';

const [db1, db2, db3] = replicationNodes(3) as [ReturnType<typeof replicationNodes>[number], ReturnType<typeof replicationNodes>[number], ReturnType<typeof replicationNodes>[number]];
const codes = (h: { reasons: { code: string }[] } | undefined) => (h?.reasons ?? []).map((r) => r.code);

void test('replication health: the primary writes, a healthy replica reads; no wsrep reason though the nodes have no wsrep', () => {
  const obs = [seen(db1, 1, primaryStatus()), seen(db2, 1, replicaStatus(db1, 2)), seen(db3, 1, replicaStatus(db1, 60))];
  assert.ok(codes(assessNode(obs[0]!)).includes('WSREP_OFF'), 'the Galera assessment would call the primary unavailable');
  const { primary, health } = assessReplicationNodes([db1, db2, db3], obs, 10);
  assert.equal(primary.node, 'db1');
  assert.deepEqual([health.get('db1')?.available, health.get('db1')?.writable, codes(health.get('db1'))], [true, true, []]);
  assert.deepEqual([health.get('db2')?.available, health.get('db2')?.writable, codes(health.get('db2'))], [true, false, ['REPLICA']]);
  assert.deepEqual([health.get('db3')?.available, codes(health.get('db3'))], [false, ['REPLICA', 'REPLICATION_LAGGING']]);
});

void test('replication health: an old primary beside the new one, a replica of the wrong master, a failed probe', () => {
  const obs = [seen(db1, 1, primaryStatus()), seen(db2, 1, primaryStatus()), failed(db3, 1, 'refused')];
  const { primary, health } = assessReplicationNodes([db1, db2, db3], obs, 10);
  assert.equal(primary.node, null);
  assert.ok(codes(health.get('db1')).includes('PRIMARY_AMBIGUOUS'));
  assert.equal(health.get('db1')?.writable, false);
  assert.deepEqual([health.get('db3')?.available, codes(health.get('db3'))], [false, ['PROBE_REFUSED']]);
  const wrong = assessReplicationNodes([db1, db2, db3], [seen(db1, 1, primaryStatus()), seen(db2, 1, replicaStatus(db3)), seen(db3, 1, replicaStatus(db1))], 10);
  assert.ok(codes(wrong.health.get('db2')).includes('WRONG_MASTER'));
});

void test('replication health: one node alone (the healthcheck) and the state phrase in place of the wsrep state', () => {
  assert.equal(assessReplicationNode(seen(db2, 1, replicaStatus(db1, 0)), 10).available, true);
  assert.equal(assessReplicationNode(seen(db2, 1, replicaStatus(db1, 0, { sqlRunning: 'No', lastError: 'dup' })), 10).available, false);
  assert.equal(assessReplicationNode(seen(db1, 1, primaryStatus()), 10).writable, true);
  assert.equal(replicationStateText(seen(db1, 1, primaryStatus())), 'primary (read_only=OFF)');
  assert.equal(replicationStateText(seen(db2, 1, replicaStatus(db1, 3))), 'replica of 127.0.0.1:3311, IO Yes / SQL Yes, lag 3 s');
  assert.equal(replicationStateText(failed(db3, 1, 'timeout')), 'probe timeout');
});
