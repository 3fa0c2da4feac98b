// Builders for a replication topology as data (one primary, async replicas): the decision core's test doubles for
// [cluster] topology = "replication". Pure.
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { NodeStatus } from '../model/observation.js';
import type { ReplicationStatus } from '../model/replication.js';
import { testConfig } from './fixtures.js';

/** db1..dbN on 127.0.0.1:3311, 3321, ... as the replication sandbox names them */
export function replicationNodes(n = 3): DecideNode[] {
  return Array.from({ length: n }, (_, i) => ({ name: `db${i + 1}`, host: '127.0.0.1', port: 3301 + (i + 1) * 10, weight: 1000 - i }));
}

export function replicationConfig(over: Partial<DecideConfig> = {}, n = 3): DecideConfig {
  return testConfig({ topology: 'replication', maxReplicationLagS: 10, nodes: replicationNodes(n), ...over });
}

/** What a server without wsrep reports to the Galera part of the probe (MariaDB without Galera). */
function noWsrep(readOnly: boolean): NodeStatus {
  return {
    localState: 0, localStateComment: '', clusterStatus: 'Disconnected', ready: false, connected: false,
    rejectQueries: 'NONE', donorRejectsQueries: false, desync: false, pxcMaintMode: 'DISABLED', readOnly,
    segment: 0, localIndex: -1, recvQueue: 0, clusterSize: 0, clusterConfId: -1, clusterStateUuid: '', gcommUuid: '',
    incomingAddresses: [], evsDelayed: [], evsEvictList: [], wsrepOn: false, tableAccess: { ok: true }, version: '11.4.5-MariaDB',
  };
}

/** A writable primary: read_only=OFF, no replication. */
export function primaryStatus(over: Partial<ReplicationStatus> = {}): NodeStatus {
  const replication: ReplicationStatus = { readOnly: false, ioRunning: '', sqlRunning: '', secondsBehindMaster: null, gtidPosition: '0-1-100', master: null, lastError: '', ...over };
  return { ...noWsrep(replication.readOnly), replication };
}

/** A healthy replica of `master`: read_only=ON, both threads running, `lag` seconds behind. */
export function replicaStatus(master: DecideNode, lag = 0, over: Partial<ReplicationStatus> = {}): NodeStatus {
  const replication: ReplicationStatus = {
    readOnly: true, ioRunning: 'Yes', sqlRunning: 'Yes', secondsBehindMaster: lag, gtidPosition: '0-1-100',
    master: { host: master.host, port: master.port }, lastError: '', ...over,
  };
  return { ...noWsrep(replication.readOnly), replication };
}
