// The JSON of GET /api/nodes: per configured node, its decision and what the last probe saw. Every field
// is copied by name, never spread, so that nothing new in a record (a credential, a DSN) leaks by accident.
import { probeErrorLabel } from '../decide/node-health.js';
import type { ConnectionAction, NodeDecision, ReaderRole, WriterRole } from '../model/decision.js';
import type { NodeObservation, ProbeErrorKind } from '../model/observation.js';
import type { Reason } from '../model/reasons.js';
import type { EndpointStats, ProxyStatsSnapshot, ReportSource } from '../model/tick.js';
import { isHealthy, isTrafficEnabled } from './backends-view.js';

export interface ObservedStatusView {
  localState: number;
  localStateComment: string;
  clusterStatus: string;
  ready: boolean;
  connected: boolean;
  rejectQueries: string;
  donorRejectsQueries: boolean;
  desync: boolean;
  pxcMaintMode: string;
  readOnly: boolean;
  segment: number;
  localIndex: number;
  recvQueue: number;
  clusterSize: number;
  clusterConfId: number;
  clusterStateUuid: string;
  wsrepOn: boolean;
  tableAccess: boolean;
  version: string;
  /** a replication topology's state (the wsrep fields above mean nothing there); null in a Galera topology */
  replication: ReplicationView | null;
}

export interface ReplicationView {
  readOnly: boolean;
  /** the master it replicates from ("host:port"); null when none */
  master: string | null;
  ioRunning: string;
  sqlRunning: string;
  secondsBehindMaster: number | null;
  gtidPosition: string;
  lastError: string;
}

export interface ObservationView {
  at: number;
  latencyMs: number;
  status: ObservedStatusView | null;
  /** label: the short phrase shown for it ("busy: too many connections"); errno: the server's error number, if any */
  error: { kind: ProbeErrorKind; label: string; message: string; code: string | null; errno: number | null } | null;
}

export interface PortStatsView {
  sessions: number;
  totalSessions: number;
  bytesIn: number;
  bytesOut: number;
}

export interface NodeView {
  name: string;
  host: string;
  port: number;
  writer: WriterRole;
  reader: ReaderRole;
  writerConnections: ConnectionAction;
  readerConnections: ConnectionAction;
  inService: boolean;
  healthy: boolean;
  trafficEnabled: boolean;
  maintenance: boolean;
  reasons: Reason[];
  observation: ObservationView | null;
  proxy: { writer: PortStatsView | null; reader: PortStatsView | null } | null;
}

function statusView(o: NodeObservation): ObservedStatusView | null {
  const s = o.status;
  if (s === undefined) return null;
  return {
    localState: s.localState,
    localStateComment: s.localStateComment,
    clusterStatus: s.clusterStatus,
    ready: s.ready,
    connected: s.connected,
    rejectQueries: s.rejectQueries,
    donorRejectsQueries: s.donorRejectsQueries,
    desync: s.desync,
    pxcMaintMode: s.pxcMaintMode,
    readOnly: s.readOnly,
    segment: s.segment,
    localIndex: s.localIndex,
    recvQueue: s.recvQueue,
    clusterSize: s.clusterSize,
    clusterConfId: s.clusterConfId,
    clusterStateUuid: s.clusterStateUuid,
    wsrepOn: s.wsrepOn,
    tableAccess: s.tableAccess.ok,
    version: s.version,
    replication: s.replication === undefined ? null : {
      readOnly: s.replication.readOnly,
      master: s.replication.master === null ? null : s.replication.master.host.includes(':') ? `[${s.replication.master.host}]:${s.replication.master.port}` : `${s.replication.master.host}:${s.replication.master.port}`,
      ioRunning: s.replication.ioRunning,
      sqlRunning: s.replication.sqlRunning,
      secondsBehindMaster: s.replication.secondsBehindMaster,
      gtidPosition: s.replication.gtidPosition,
      lastError: s.replication.lastError,
    },
  };
}

export function observationView(o: NodeObservation | undefined): ObservationView | null {
  if (o === undefined) return null;
  const e = o.error;
  return {
    at: o.at,
    latencyMs: o.latencyMs,
    status: statusView(o),
    error: e === undefined ? null : { kind: e.kind, label: probeErrorLabel(e), message: e.message, code: e.code ?? null, errno: e.errno ?? null },
  };
}

function portStats(s: EndpointStats | undefined): PortStatsView | null {
  return s === undefined ? null : { sessions: s.sessions, totalSessions: s.totalSessions, bytesIn: s.bytesIn, bytesOut: s.bytesOut };
}

export function nodeView(d: NodeDecision, o: NodeObservation | undefined, stats: ProxyStatsSnapshot | undefined, marked: boolean): NodeView {
  return {
    name: d.node,
    host: d.host,
    port: d.port,
    writer: d.writer,
    reader: d.reader,
    writerConnections: d.writerConnections,
    readerConnections: d.readerConnections,
    inService: d.inService,
    healthy: isHealthy(d),
    trafficEnabled: isTrafficEnabled(d),
    maintenance: marked,
    reasons: d.reasons.map((r) => ({ code: r.code, message: r.message })),
    observation: observationView(o),
    proxy: stats === undefined ? null : { writer: portStats(stats.writer[d.node]), reader: portStats(stats.reader[d.node]) },
  };
}

/** One entry per configured node, sorted by name; empty before the first tick. */
export function nodesView(source: ReportSource): NodeView[] {
  const tick = source.latest();
  if (tick === undefined) return [];
  const stats = source.proxyStats();
  const marks = new Set(source.maintenanceMarks());
  const observed = new Map(tick.observation.nodes.map((o) => [o.node, o]));
  return tick.desired.nodes.map((d) => nodeView(d, observed.get(d.node), stats, marks.has(d.node)));
}
