import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessNode } from '../decide/node-health.js';
import type { NodeObservation, NodeStatus } from '../model/observation.js';
import { formatColumns, renderStatusTable, roleCandidate } from './status-table.js';

const BASE: NodeStatus = {
  localState: 4, localStateComment: 'Synced', clusterStatus: 'Primary', ready: true, connected: true, rejectQueries: 'NONE',
  donorRejectsQueries: false, desync: false, pxcMaintMode: 'DISABLED', readOnly: false, segment: 0, localIndex: 0, recvQueue: 0,
  clusterSize: 3, clusterConfId: 7, clusterStateUuid: 'u', gcommUuid: 'g', incomingAddresses: [], evsDelayed: [], evsEvictList: [],
  wsrepOn: true, tableAccess: { ok: true }, version: '10.11',
};
const okObservation = (node: string, status: Partial<NodeStatus> = {}): NodeObservation =>
  ({ node, host: '10.0.0.1', port: 3306, at: 1, latencyMs: 1.5, status: { ...BASE, ...status } });
const failedObservation = (node: string, kind: 'timeout'): NodeObservation =>
  ({ node, host: '10.0.0.1', port: 3306, at: 1, latencyMs: 2000, error: { kind, message: `${node} (10.0.0.1:3306): ${kind}` } });

const row = (observation: NodeObservation, options = { availableWhenDonor: false, availableWhenReadOnly: true }) => ({
  observation,
  health: assessNode(observation, options),
});

describe('status table', () => {
  it('role candidate: writer, reader (read_only allowed), none', () => {
    assert.equal(roleCandidate(row(okObservation('db1')).health), 'writer');
    assert.equal(roleCandidate(row(okObservation('db2', { readOnly: true })).health), 'reader');
    assert.equal(roleCandidate(row(okObservation('db3', { clusterStatus: 'non-Primary' })).health), 'none');
  });

  it('one row per node, then a summary and every reason', () => {
    const text = renderStatusTable(
      [
        row(okObservation('db1', { localIndex: 2, segment: 1, recvQueue: 5 })),
        row(okObservation('db2', { rejectQueries: 'ALL', tableAccess: { ok: false, errno: 1047, message: 'WSREP has not yet prepared node for application use' } })),
        row(failedObservation('db3', 'timeout')),
      ],
      'cluster prod',
    );
    const lines = text.split('\n');
    assert.equal(lines[0], 'cluster prod');
    assert.match(lines[2]!, /^NODE +ADDRESS +ROLE +STATE +PRIMARY +READY +REJECT +RO +DESYNC +SEG +IDX +RECVQ +MS +REASONS$/);
    assert.match(lines[3]!, /^db1 +10\.0\.0\.1:3306 +writer +Synced +yes +ON +NONE +OFF +OFF +1 +2 +5 +1\.5 +-$/);
    assert.match(lines[4]!, /^db2 .* none +Synced +yes +ON +ALL .* REJECT_QUERIES,TABLE_ACCESS$/);
    assert.match(lines[5]!, /^db3 .* none +\(timeout\) +- .* 2000 +PROBE_TIMEOUT$/);
    assert.ok(text.includes('3 nodes: 1 available, 1 writer candidates'));
    assert.ok(text.includes('  TABLE_ACCESS: db2: table access refused (error 1047): WSREP has not yet prepared node for application use'));
    assert.ok(text.includes('  PROBE_TIMEOUT: db3 (10.0.0.1:3306): timeout'));
  });

  it('a busy node shows what it ran out of, and its reason', () => {
    const busy: NodeObservation = {
      node: 'db4', host: '10.0.0.4', port: 3306, at: 1, latencyMs: 3,
      error: { kind: 'busy', errno: 1040, code: 'ER_CON_COUNT_ERROR', message: 'db4 (10.0.0.4:3306): busy: too many connections during login: Too many connections [ER_CON_COUNT_ERROR 1040]' },
    };
    const text = renderStatusTable([row(busy)], 'cluster prod');
    assert.match(text.split('\n')[3]!, /^db4 .* none +\(busy: too many connections\) +- .* NODE_BUSY$/);
    assert.ok(text.includes('  NODE_BUSY: db4 (10.0.0.4:3306): busy: too many connections during login'));
  });

  it('columns line up on the widest cell', () => {
    assert.equal(formatColumns([['a', 'bb', 'c'], ['ccc', 'd', 'e']]), 'a    bb  c\nccc  d   e');
  });
});
