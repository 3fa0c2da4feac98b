// The table `galera-warden status` prints: one row per node with what a person needs to see at a
// glance, then one line per reason. Pure: takes observations and their assessment, returns text.
import type { NodeHealth } from '../decide/node-health.js';
import { probeErrorLabel } from '../decide/node-health.js';
import type { NodeObservation } from '../model/observation.js';

export type RoleCandidate = 'writer' | 'reader' | 'none';

export interface StatusRow {
  observation: NodeObservation;
  health: NodeHealth;
}

/** writer: may take writes; reader: may take reads only (read_only allowed, or donor allowed); none. */
export function roleCandidate(health: NodeHealth): RoleCandidate {
  if (health.writable) return 'writer';
  return health.available ? 'reader' : 'none';
}

const onOff = (b: boolean) => (b ? 'ON' : 'OFF');

const HEADERS = ['NODE', 'ADDRESS', 'ROLE', 'STATE', 'PRIMARY', 'READY', 'REJECT', 'RO', 'DESYNC', 'SEG', 'IDX', 'RECVQ', 'MS', 'REASONS'] as const;
/** a replication topology has no wsrep state: read_only, the threads, lag and master instead */
const REPLICATION_HEADERS = ['NODE', 'ADDRESS', 'ROLE', 'RO', 'MASTER', 'IO', 'SQL', 'LAG', 'GTID', 'MS', 'REASONS'] as const;

export type StatusTopology = 'galera' | 'replication';

function replicationCells(row: StatusRow): string[] {
  const o = row.observation;
  const r = o.status?.replication;
  const reasons = row.health.reasons.map((x) => x.code).join(',') || '-';
  const ms = o.latencyMs < 10 ? o.latencyMs.toFixed(1) : String(Math.round(o.latencyMs));
  const head = [o.node, `${o.host}:${o.port}`, roleCandidate(row.health)];
  if (!o.status) return [...head, `(${o.error ? probeErrorLabel(o.error) : 'unknown'})`, '-', '-', '-', '-', '-', ms, reasons];
  if (!r) return [...head, onOff(o.status.readOnly), '(unknown)', '-', '-', '-', '-', ms, reasons];
  const master = r.master === null ? '(none)' : r.master.host.includes(':') ? `[${r.master.host}]:${r.master.port}` : `${r.master.host}:${r.master.port}`;
  const lag = r.master === null ? '-' : r.secondsBehindMaster === null ? 'NULL' : `${r.secondsBehindMaster}s`;
  return [...head, onOff(r.readOnly), master, r.ioRunning || '-', r.sqlRunning || '-', lag, r.gtidPosition || '-', ms, reasons];
}

function cells(row: StatusRow): string[] {
  const o = row.observation;
  const s = o.status;
  const role = roleCandidate(row.health);
  const reasons = row.health.reasons.map((r) => r.code).join(',') || '-';
  const ms = o.latencyMs < 10 ? o.latencyMs.toFixed(1) : String(Math.round(o.latencyMs));
  const head = [o.node, `${o.host}:${o.port}`, role];
  if (!s) return [...head, `(${o.error ? probeErrorLabel(o.error) : 'unknown'})`, '-', '-', '-', '-', '-', '-', '-', '-', ms, reasons];
  return [
    ...head,
    s.localStateComment || String(s.localState),
    s.clusterStatus === 'Primary' ? 'yes' : `no (${s.clusterStatus})`,
    onOff(s.ready),
    s.rejectQueries,
    onOff(s.readOnly),
    onOff(s.desync),
    String(s.segment),
    s.localIndex < 0 ? '-' : String(s.localIndex),
    String(s.recvQueue),
    ms,
    reasons,
  ];
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatColumns(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n');
}

export function renderStatusTable(rows: readonly StatusRow[], title: string, topology: StatusTopology = 'galera'): string {
  const table = topology === 'replication' ? formatColumns([[...REPLICATION_HEADERS], ...rows.map(replicationCells)]) : formatColumns([[...HEADERS], ...rows.map(cells)]);
  const notes: string[] = [];
  for (const row of rows) for (const r of row.health.reasons) notes.push(`  ${r.code}: ${r.message}`);
  const writers = rows.filter((r) => r.health.writable).length;
  const available = rows.filter((r) => r.health.available).length;
  const summary = `${rows.length} nodes: ${available} available, ${writers} writer candidates`;
  return [title, '', table, '', summary, ...(notes.length > 0 ? ['', 'reasons:', ...notes] : [])].join('\n') + '\n';
}
