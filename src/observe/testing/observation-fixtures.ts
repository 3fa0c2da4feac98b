// Ready-made NodeObservations for tests: a healthy Synced Primary node, with any field overridden.
import type { NodeObservation, NodeStatus, ProbeErrorKind } from '../../model/observation.js';

export function syncedStatus(overrides: Partial<NodeStatus> = {}): NodeStatus {
  return {
    localState: 4,
    localStateComment: 'Synced',
    clusterStatus: 'Primary',
    ready: true,
    connected: true,
    rejectQueries: 'NONE',
    donorRejectsQueries: false,
    desync: false,
    pxcMaintMode: 'DISABLED',
    readOnly: false,
    segment: 0,
    localIndex: 0,
    recvQueue: 0,
    clusterSize: 3,
    clusterConfId: 7,
    clusterStateUuid: 'b6c5a8f2-0000-11f1-8000-000000000001',
    gcommUuid: 'a1a1a1a1-0000-11f1-8000-000000000001',
    incomingAddresses: [],
    evsDelayed: [],
    evsEvictList: [],
    wsrepOn: true,
    tableAccess: { ok: true },
    version: '10.11.18-MariaDB',
    ...overrides,
  };
}

export function okObservation(node = 'db1', status: Partial<NodeStatus> = {}, at = 1_700_000_000_000): NodeObservation {
  return { node, host: '10.0.0.1', port: 3306, at, latencyMs: 1.5, status: syncedStatus(status) };
}

export function failedObservation(node = 'db1', kind: ProbeErrorKind = 'timeout', at = 1_700_000_000_000): NodeObservation {
  return {
    node,
    host: '10.0.0.1',
    port: 3306,
    at,
    latencyMs: 2000,
    error: { kind, message: `${node} (10.0.0.1:3306): ${kind}`, code: kind === 'timeout' ? 'PROBE_DEADLINE' : 'X' },
  };
}
