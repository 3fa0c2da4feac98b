// Pure parsing of SHOW GLOBAL STATUS / VARIABLES rows into a NodeStatus. Tolerant of what differs
// between MariaDB and PXC (absent pxc_maint_mode, empty wsrep_reject_queries) and of a server
// without Galera (no wsrep variables at all: wsrep_on=OFF, state 0, Disconnected).
import type { ClusterMember, NodeStatus, PxcMaintMode, RejectQueries, TableAccess } from '../model/observation.js';

export type VariableMap = ReadonlyMap<string, string>;

/** Rows of a SHOW ... result, as [name, value] arrays, into a map keyed by lower-case name. */
export function toVariableMap(rows: readonly unknown[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const row of rows) {
    if (!Array.isArray(row) || row.length < 2) continue;
    const [name, value] = row as unknown[];
    if (typeof name !== 'string') continue;
    map.set(name.toLowerCase(), cell(value));
  }
  return map;
}

/** A text-protocol cell: a string, or null; anything else (numbers, buffers) as its string form. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' ? String(value) : '';
}

export function parseBool(value: string | undefined): boolean {
  if (value === undefined) return false;
  return ['on', '1', 'yes', 'true'].includes(value.trim().toLowerCase());
}

export function parseInteger(value: string | undefined, fallback = 0): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value.trim());
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

/**
 * An index or view id: -1 when absent, or when the server reports 2^64-1 (Galera's "none", shown
 * by a node outside the Primary component).
 */
export function parseIndex(value: string | undefined): number {
  const n = parseInteger(value, -1);
  return Number.isSafeInteger(n) ? n : -1;
}

/** Comma-separated list; empty string gives []. */
export function parseList(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Empty or absent is NONE; an unknown value counts as ALL (refuse rather than route blindly). */
export function parseRejectQueries(value: string | undefined): RejectQueries {
  const v = (value ?? '').trim().toUpperCase();
  if (v === '' || v === 'NONE') return 'NONE';
  if (v === 'ALL' || v === 'ALL_KILL') return v;
  return 'ALL';
}

/** Absent (MariaDB) is DISABLED; an unknown value counts as MAINTENANCE. */
export function parseMaintMode(value: string | undefined): PxcMaintMode {
  const v = (value ?? '').trim().toUpperCase();
  if (v === '' || v === 'DISABLED') return 'DISABLED';
  if (v === 'SHUTDOWN' || v === 'MAINTENANCE') return v;
  return 'MAINTENANCE';
}

/** gmcast.segment from wsrep_provider_options ("...; gmcast.segment = 2; ..."), 0 when absent. */
export function parseSegment(providerOptions: string | undefined): number {
  const m = /(?:^|;)\s*gmcast\.segment\s*=\s*(\d+)\s*(?:;|$)/.exec(providerOptions ?? '');
  return m ? Number(m[1]) : 0;
}

/** Rows of SQL_MEMBERS (node_uuid, node_name, node_incoming_address). */
export function parseMembers(rows: readonly unknown[]): ClusterMember[] {
  const members: ClusterMember[] = [];
  for (const row of rows) {
    if (!Array.isArray(row) || row.length < 3) continue;
    const [uuid, name, address] = (row as unknown[]).map(cell);
    members.push({ uuid: uuid!, name: name!, address: address! });
  }
  return members;
}

export function parseNodeStatus(status: VariableMap, variables: VariableMap, tableAccess: TableAccess, members?: ClusterMember[]): NodeStatus {
  const s = (name: string) => status.get(name);
  const v = (name: string) => variables.get(name);
  const result: NodeStatus = {
    localState: parseInteger(s('wsrep_local_state')),
    localStateComment: s('wsrep_local_state_comment') ?? '',
    clusterStatus: s('wsrep_cluster_status') || 'Disconnected',
    ready: parseBool(s('wsrep_ready')),
    connected: parseBool(s('wsrep_connected')),
    rejectQueries: parseRejectQueries(v('wsrep_reject_queries')),
    donorRejectsQueries: parseBool(v('wsrep_sst_donor_rejects_queries')),
    desync: parseBool(v('wsrep_desync')),
    pxcMaintMode: parseMaintMode(v('pxc_maint_mode')),
    readOnly: parseBool(v('read_only')),
    segment: parseSegment(v('wsrep_provider_options')),
    localIndex: parseIndex(s('wsrep_local_index')),
    recvQueue: parseInteger(s('wsrep_local_recv_queue')),
    clusterSize: parseInteger(s('wsrep_cluster_size')),
    clusterConfId: parseIndex(s('wsrep_cluster_conf_id')),
    clusterStateUuid: s('wsrep_cluster_state_uuid') ?? '',
    gcommUuid: s('wsrep_gcomm_uuid') ?? '',
    incomingAddresses: parseList(s('wsrep_incoming_addresses')),
    evsDelayed: parseList(s('wsrep_evs_delayed')),
    evsEvictList: parseList(s('wsrep_evs_evict_list')),
    wsrepOn: parseBool(v('wsrep_on')),
    tableAccess,
    version: v('version') ?? '',
  };
  if (members !== undefined) result.members = members;
  return result;
}
