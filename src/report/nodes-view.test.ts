import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeStatus } from '../model/observation.js';
import { clusterView } from './cluster-view.js';
import { nodesView } from './nodes-view.js';
import { FakeReportSource } from './testing/fake-report-source.js';
import { failedOverSource, failoverTick } from './testing/scenario.js';
import { T0, buildTick } from './testing/tick-fixtures.js';

void describe('nodesView', () => {
  void it('joins each decision with its observation, proxy counters and maintenance mark', () => {
    const source = failedOverSource();
    source.marks.add('db3');
    const [db1, db2, db3] = nodesView(source);
    assert.equal(db1?.writer, 'maintenance');
    assert.equal(db1?.observation?.status?.clusterStatus, 'non-Primary');
    assert.deepEqual(db1?.reasons.map((r) => r.code), ['NOT_PRIMARY']);
    assert.equal(db2?.proxy?.writer?.sessions, 7);
    assert.equal(db2?.healthy, true);
    assert.equal(db3?.maintenance, true);
    assert.equal(db3?.proxy?.writer, null);
  });

  void it('shows a failed probe as its error kind and message', () => {
    const source = new FakeReportSource().record(buildTick({ seq: 1, epoch: 1, nodes: [{ name: 'db1', writer: 'writer' }, { name: 'db2', state: 'down' }] }));
    const db2 = nodesView(source)[1];
    assert.equal(db2?.observation?.status, null);
    assert.deepEqual(db2?.observation?.error, { kind: 'refused', label: 'refused', message: 'db2 (10.0.0.12:3306): connection refused', code: 'ECONNREFUSED', errno: null });
    assert.equal(db2?.proxy, null);
  });

  void it('shows a busy node as busy, with what it ran out of and the errno', () => {
    const source = new FakeReportSource().record(buildTick({ seq: 1, epoch: 1, nodes: [{ name: 'db1', writer: 'writer', state: 'busy' }, { name: 'db2' }] }));
    const db1 = nodesView(source)[0];
    assert.deepEqual(db1?.observation?.error, {
      kind: 'busy', label: 'busy: too many connections', errno: 1040, code: 'ER_CON_COUNT_ERROR',
      message: 'db1 (10.0.0.11:3306): busy: too many connections during login: Too many connections [ER_CON_COUNT_ERROR 1040]',
    });
  });

  void it('a replication node: its read_only, master, threads, lag and GTID position (null for a Galera node); /api/cluster names the topology', () => {
    const tick = failoverTick(5);
    const obs = tick.observation.nodes[1]!;
    obs.status = { ...obs.status!, replication: { readOnly: true, ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehindMaster: 2, gtidPosition: '0-1-9', master: { host: '10.0.0.11', port: 3306 }, lastError: '' } };
    const source = new FakeReportSource().record(tick);
    const [db1, db2] = nodesView(source);
    assert.equal(db1?.observation?.status?.replication, null);
    assert.deepEqual(db2?.observation?.status?.replication, { readOnly: true, master: '10.0.0.11:3306', ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehindMaster: 2, gtidPosition: '0-1-9', lastError: '' });
    assert.equal(clusterView(source, T0).topology, 'galera');
    source.topology = 'replication';
    assert.equal(clusterView(source, T0).topology, 'replication');
  });

  void it('copies only known fields: nothing else in a record reaches the API', () => {
    const tick = failoverTick(5);
    const obs = tick.observation.nodes[1]!;
    obs.status = { ...obs.status, password: 'hunter2-leak', dsn: 'mysql://monitor:hunter2-leak@db2' } as NodeStatus;
    Object.assign(obs, { credentials: { password: 'hunter2-leak' } });
    Object.assign(tick.desired.nodes[1]!, { password: 'hunter2-leak' });
    const json = JSON.stringify(nodesView(new FakeReportSource().record(tick)));
    assert.ok(json.includes('"db2"'));
    assert.equal(json.includes('hunter2'), false, json);
  });
});
