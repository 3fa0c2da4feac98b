// Builders for observations, configs and tick sequences: the decision core's own test doubles, for its tests and
// for anyone who needs a believable Galera cluster as data. Pure.
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import { DEFAULT_DECIDE_CONFIG } from '../model/decide-config.js';
import type { DecideResult, DecideState } from '../model/decision.js';
import type { ExternalVerdict } from '../model/external.js';
import type { ClusterObservation, NodeObservation, NodeStatus, ProbeErrorKind } from '../model/observation.js';
import { decide } from './decide.js';

export const STATE_UUID = '6a1f4c1e-8d2b-11ef-9a0b-000000000001';

/** node1..nodeN on 10.0.0.1i:3306, weights 1000, 999, 998, ... (node1 preferred) */
export function nodeSpec(i: number, over: Partial<DecideNode> = {}): DecideNode {
  return { name: `node${i}`, host: `10.0.0.1${i}`, port: 3306, weight: 1001 - i, ...over };
}

export function nodeSpecs(n: number): DecideNode[] {
  return Array.from({ length: n }, (_, i) => nodeSpec(i + 1));
}

export function testConfig(over: Partial<DecideConfig> = {}, n = 3): DecideConfig {
  return { ...DEFAULT_DECIDE_CONFIG, retryUp: 2, retryDown: 2, minHoldMs: 8000, nodes: nodeSpecs(n), ...over };
}

export interface ViewSpec {
  confId: number;
  members: readonly DecideNode[];
  stateUuid?: string;
  /** list mysql.wsrep_cluster_members (MariaDB) */
  withMembers?: boolean;
  /** list wsrep_incoming_addresses (default true) */
  withAddresses?: boolean;
}

/** A stable, uuid-shaped wsrep_gcomm_uuid per node name and restart (incarnation). */
export const gcommUuid = (name: string, incarnation = 1): string => {
  const hex = [...name].map((c) => c.charCodeAt(0).toString(16)).join('').slice(-12).padStart(12, '0');
  return `a0b1c2d3-0000-11ef-${incarnation.toString(16).padStart(4, '0')}-${hex}`;
};

/** A Synced, Primary, writable member of `view`. */
export function syncedStatus(self: DecideNode, view: ViewSpec, over: Partial<NodeStatus> = {}): NodeStatus {
  const members = [...view.members].sort((a, b) => (a.name < b.name ? -1 : 1));
  const status: NodeStatus = {
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
    localIndex: Math.max(0, members.findIndex((m) => m.name === self.name)),
    recvQueue: 0,
    clusterSize: members.length,
    clusterConfId: view.confId,
    clusterStateUuid: view.stateUuid ?? STATE_UUID,
    gcommUuid: gcommUuid(self.name),
    incomingAddresses: view.withAddresses === false ? [] : members.map((m) => `${m.host}:${m.port}`),
    evsDelayed: [],
    evsEvictList: [],
    wsrepOn: true,
    tableAccess: { ok: true },
    version: '11.4.5-MariaDB',
  };
  if (view.withMembers) status.members = members.map((m) => ({ uuid: gcommUuid(m.name), name: m.name, address: `${m.host}:${m.port}` }));
  return { ...status, ...over };
}

/** A member of a non-Primary component (after a partition or the loss of quorum). */
export function nonPrimaryStatus(self: DecideNode, over: Partial<NodeStatus> = {}): NodeStatus {
  return syncedStatus(self, { confId: 18446744073709552000, members: [self] }, {
    clusterStatus: 'non-Primary', localState: 0, localStateComment: 'Initialized', ready: false,
    tableAccess: { ok: false, errno: 1047, message: 'WSREP has not yet prepared node for application use' }, ...over,
  });
}

export function seen(self: DecideNode, at: number, status: NodeStatus, latencyMs = 3): NodeObservation {
  return { node: self.name, host: self.host, port: self.port, at, latencyMs, status };
}

export function failed(self: DecideNode, at: number, kind: ProbeErrorKind = 'refused'): NodeObservation {
  return {
    node: self.name, host: self.host, port: self.port, at, latencyMs: kind === 'timeout' ? 4000 : 1,
    error: { kind, message: `${self.name} (${self.host}:${self.port}): probe failed: ${kind}` },
  };
}

export function observation(at: number, nodes: NodeObservation[]): ClusterObservation {
  return { at, nodes };
}

/** Every node Synced in one Primary view of all of them. */
export function healthyCluster(config: DecideConfig, at: number, confId = 3, view: Partial<ViewSpec> = {}): ClusterObservation {
  const v: ViewSpec = { confId, members: config.nodes, ...view };
  return observation(at, config.nodes.map((n) => seen(n, at, syncedStatus(n, v))));
}

export interface Tick {
  now: number;
  observation: ClusterObservation;
  external?: ExternalVerdict;
}

/** Feed ticks through decide(), threading the state; returns every result. */
export function run(config: DecideConfig, ticks: readonly Tick[], previous: DecideState | null = null): DecideResult[] {
  const out: DecideResult[] = [];
  let state = previous;
  for (const t of ticks) {
    const r = decide({ observation: t.observation, previous: state, config, now: t.now, ...(t.external ? { external: t.external } : {}) });
    out.push(r);
    state = r.next;
  }
  return out;
}

export function roleOf(r: DecideResult, node: string): { writer: string; reader: string } {
  const d = r.desired.nodes.find((n) => n.node === node);
  if (!d) throw new Error(`no decision for ${node}`);
  return { writer: d.writer, reader: d.reader };
}

export const codesOf = (r: DecideResult, node?: string): string[] =>
  r.findings.filter((f) => (node === undefined ? true : f.node === node)).map((f) => f.code);
