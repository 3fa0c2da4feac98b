// Ready-made TickRecords for report tests: a node is described by its state and roles, and the record
// is assembled the way the runtime records it. Does not run the decision core: roles are given, not decided.
import type {
  DesiredRouting,
  Finding,
  NodeDecision,
  ReaderRole,
  RoleChange,
  Severity,
  WriterRole,
} from '../../model/decision.js';
import type { NodeObservation, NodeStatus } from '../../model/observation.js';
import type { Reason } from '../../model/reasons.js';
import type { ApplyOutcome, TickRecord } from '../../model/tick.js';

export const T0 = Date.UTC(2025, 0, 15, 9, 30, 0);
export const STATE_UUID = 'b6c5a8f2-0000-11f1-8000-000000000001';

/** synced: a healthy Primary member; donor: Donor/Desynced; non-primary: lost quorum; down: probe refused; busy: too many connections. */
export type NodeState = 'synced' | 'donor' | 'non-primary' | 'down' | 'busy';

export interface NodeSpec {
  name: string;
  host?: string;
  port?: number;
  state?: NodeState;
  latencyMs?: number;
  /** default: backup when the node is in service, else parked by its state */
  writer?: WriterRole;
  /** default: reader when in service, else parked like the writer role */
  reader?: ReaderRole;
  inService?: boolean;
  /** default: the reason the state implies */
  reasons?: Reason[];
  status?: Partial<NodeStatus>;
}

export interface TickSpec {
  seq: number;
  at?: number;
  durationMs?: number;
  epoch: number;
  nodes: NodeSpec[];
  changes?: RoleChange[];
  findings?: Finding[];
  applied?: ApplyOutcome[];
}

const STATE_REASON: Record<NodeState, Reason | undefined> = {
  synced: undefined,
  donor: { code: 'DONOR', message: 'is a donor for a state transfer' },
  'non-primary': { code: 'NOT_PRIMARY', message: 'reports wsrep_cluster_status non-Primary' },
  down: { code: 'PROBE_REFUSED', message: 'refused the connection' },
  busy: { code: 'NODE_BUSY', message: 'busy: too many connections' },
};

export function nodeStatus(state: Exclude<NodeState, 'down' | 'busy'>, index: number, overrides: Partial<NodeStatus> = {}): NodeStatus {
  const primary = state !== 'non-primary';
  return {
    localState: state === 'donor' ? 2 : state === 'synced' ? 4 : 0,
    localStateComment: state === 'donor' ? 'Donor/Desynced' : state === 'synced' ? 'Synced' : 'Initialized',
    clusterStatus: primary ? 'Primary' : 'non-Primary',
    ready: primary,
    connected: true,
    rejectQueries: 'NONE',
    donorRejectsQueries: false,
    desync: state === 'donor',
    pxcMaintMode: 'DISABLED',
    readOnly: false,
    segment: 0,
    localIndex: primary ? index : -1,
    recvQueue: 0,
    clusterSize: primary ? 3 : 1,
    clusterConfId: primary ? 7 : 8,
    clusterStateUuid: STATE_UUID,
    gcommUuid: `a1a1a1a1-0000-11f1-8000-00000000000${index}`,
    incomingAddresses: [],
    evsDelayed: [],
    evsEvictList: [],
    wsrepOn: true,
    tableAccess: primary ? { ok: true } : { ok: false, errno: 1047, message: 'WSREP has not yet prepared node for application use' },
    version: '10.11.18-MariaDB',
    ...overrides,
  };
}

export function nodeObservation(spec: NodeSpec, index: number, at: number): NodeObservation {
  const host = spec.host ?? `10.0.0.${index + 11}`;
  const port = spec.port ?? 3306;
  const base = { node: spec.name, host, port, at, latencyMs: spec.latencyMs ?? 1.5 + index };
  const state = spec.state ?? 'synced';
  if (state === 'down') {
    return {
      ...base,
      latencyMs: spec.latencyMs ?? 0.4,
      error: { kind: 'refused', message: `${spec.name} (${host}:${port}): connection refused`, code: 'ECONNREFUSED' },
    };
  }
  if (state === 'busy') {
    return {
      ...base,
      error: {
        kind: 'busy', errno: 1040, code: 'ER_CON_COUNT_ERROR',
        message: `${spec.name} (${host}:${port}): busy: too many connections during login: Too many connections [ER_CON_COUNT_ERROR 1040]`,
      },
    };
  }
  return { ...base, status: nodeStatus(state, index, spec.status) };
}

function parkedRole(state: NodeState): 'offline_soft' | 'offline_hard' | 'maintenance' {
  if (state === 'donor' || state === 'busy') return 'offline_soft';
  return state === 'non-primary' ? 'maintenance' : 'offline_hard';
}

export function nodeDecision(spec: NodeSpec, index: number): NodeDecision {
  const state = spec.state ?? 'synced';
  const inService = spec.inService ?? state === 'synced';
  const writer = spec.writer ?? (inService ? 'backup' : parkedRole(state));
  const reader = spec.reader ?? (inService ? 'reader' : parkedRole(state));
  const reason = STATE_REASON[state];
  const sever = (r: string) => r === 'offline_hard' || r === 'maintenance';
  return {
    node: spec.name,
    host: spec.host ?? `10.0.0.${index + 11}`,
    port: spec.port ?? 3306,
    writer,
    reader,
    writerConnections: writer === 'writer' ? 'keep' : writer === 'offline_soft' ? 'drain' : 'sever',
    readerConnections: reader === 'reader' ? 'keep' : sever(reader) ? 'sever' : 'drain',
    inService,
    reasons: spec.reasons ?? (reason ? [{ code: reason.code, message: `${spec.name} ${reason.message}` }] : []),
  };
}

export function okApply(router = 'builtin', changed = false): ApplyOutcome {
  return { router, ok: true, changed, durationMs: 0.3, actions: changed ? ['writer pool updated'] : [] };
}

export function buildTick(spec: TickSpec): TickRecord {
  const at = spec.at ?? T0 + spec.seq * 1000;
  const nodes = spec.nodes.map((n, i) => nodeDecision(n, i)).sort((a, b) => a.node.localeCompare(b.node));
  const primaryMembers = spec.nodes.filter((n) => (n.state ?? 'synced') === 'synced' || n.state === 'donor').map((n) => n.name);
  const desired: DesiredRouting = {
    at,
    epoch: spec.epoch,
    writers: nodes.filter((n) => n.writer === 'writer').map((n) => n.node),
    readers: nodes.filter((n) => n.reader === 'reader').map((n) => n.node),
    nodes,
    primary: primaryMembers.length === 0 ? null : { stateUuid: STATE_UUID, confId: 7, size: primaryMembers.length, nodes: primaryMembers.sort() },
  };
  return {
    seq: spec.seq,
    at,
    durationMs: spec.durationMs ?? 12.5,
    observation: { at, nodes: spec.nodes.map((n, i) => nodeObservation(n, i, at)) },
    desired,
    findings: spec.findings ?? [],
    changes: spec.changes ?? [],
    applied: spec.applied ?? [okApply('builtin', (spec.changes ?? []).length > 0)],
  };
}

export function roleChange(
  node: string,
  pool: 'writer' | 'reader',
  from: WriterRole | ReaderRole | null,
  to: WriterRole | ReaderRole,
  reasons: string[],
): RoleChange {
  const suffix = reasons.length > 0 ? ` (${reasons.join(', ')})` : '';
  return { node, pool, from, to, reasons, message: `${node} ${pool}: ${from ?? '(none)'} -> ${to}${suffix}` };
}

export function finding(code: string, severity: Severity, message: string, node?: string): Finding {
  const priority = { critical: 100, error: 75, warning: 50, info: 25 }[severity];
  return node === undefined
    ? { code, severity, priority, scope: 'cluster', message }
    : { code, severity, priority, scope: 'node', node, message };
}
