// mysql_servers rows and the hostgroups galera-warden manages in ProxySQL, after pxcScheduler:
//   hgW / hgR            the writer and reader hostgroups the query rules route to (managed)
//   8000+hgW / 8000+hgR  the configuration: candidate lists and template values (weight, max_connections,
//                        use_ssl, comment, ...) as the operator set them; read, never written
//   9000+hgW / 9000+hgR  where a node in maintenance is parked (managed)
import type { DecideNode } from '../../model/decide-config.js';
import type { AdminRow } from './admin-client.js';

export interface Hostgroups {
  writer: number;
  reader: number;
  /** default writer + 8000 */
  backupWriter: number;
  /** default reader + 8000 */
  backupReader: number;
}

export function hostgroups(writer: number, reader: number, backupWriter?: number, backupReader?: number): Hostgroups {
  return { writer, reader, backupWriter: backupWriter ?? writer + 8000, backupReader: backupReader ?? reader + 8000 };
}

export const maintenanceOf = (hg: number): number => hg + 9000;

/** The hostgroups whose rows the adapter writes. */
export function managedGroups(g: Hostgroups): number[] {
  return [...new Set([g.writer, g.reader, maintenanceOf(g.writer), maintenanceOf(g.reader)])];
}

/** Every hostgroup the adapter reads. */
export function readGroups(g: Hostgroups): number[] {
  return [...new Set([...managedGroups(g), g.backupWriter, g.backupReader])];
}

export type ServerStatus = 'ONLINE' | 'SHUNNED' | 'OFFLINE_SOFT' | 'OFFLINE_HARD';

/** The values of a row that follow the template row of the 8000 group. */
export interface ServerTemplate {
  gtidPort: number;
  weight: number;
  compression: number;
  maxConnections: number;
  maxReplicationLag: number;
  useSsl: number;
  maxLatencyMs: number;
  comment: string;
}

export interface ServerRow extends ServerTemplate {
  hostgroup: number;
  hostname: string;
  port: number;
  status: ServerStatus;
}

/** ProxySQL's column defaults, for a node that has no template row. */
export const DEFAULT_TEMPLATE: ServerTemplate = {
  gtidPort: 0, weight: 1000, compression: 0, maxConnections: 1000, maxReplicationLag: 0, useSsl: 0, maxLatencyMs: 0, comment: '',
};

export const SERVER_COLUMNS = 'hostgroup_id,hostname,port,gtid_port,status,weight,compression,max_connections,max_replication_lag,use_ssl,max_latency_ms,comment';

/** The SQL column of each template field, in SERVER_COLUMNS order. */
export const TEMPLATE_COLUMNS: [keyof ServerTemplate, string][] = [
  ['gtidPort', 'gtid_port'], ['weight', 'weight'], ['compression', 'compression'], ['maxConnections', 'max_connections'],
  ['maxReplicationLag', 'max_replication_lag'], ['useSsl', 'use_ssl'], ['maxLatencyMs', 'max_latency_ms'], ['comment', 'comment'],
];

const num = (v: string | null | undefined): number => (v === null || v === undefined || v === '' ? 0 : Number(v));

/** A row as the admin interface returns it (every value a string). */
export function parseServerRow(r: AdminRow): ServerRow {
  return {
    hostgroup: num(r.hostgroup_id),
    hostname: r.hostname ?? '',
    port: num(r.port),
    status: (r.status ?? 'ONLINE') as ServerStatus,
    gtidPort: num(r.gtid_port),
    weight: num(r.weight),
    compression: num(r.compression),
    maxConnections: num(r.max_connections),
    maxReplicationLag: num(r.max_replication_lag),
    useSsl: num(r.use_ssl),
    maxLatencyMs: num(r.max_latency_ms),
    comment: r.comment ?? '',
  };
}

export const addressOf = (r: { hostname?: string; host?: string; port: number }): string => `${r.hostname ?? r.host ?? ''}:${r.port}`;
export const rowKey = (r: ServerRow): string => `${r.hostgroup}|${addressOf(r)}`;

export function templateOf(r: ServerRow): ServerTemplate {
  return Object.fromEntries(TEMPLATE_COLUMNS.map(([k]) => [k, r[k]])) as unknown as ServerTemplate;
}

/** The node name `proxysql install --node host:port:weight:name` wrote into a configuration row's comment. */
export function nameInComment(comment: string): string | undefined {
  return /^galera-warden \[([A-Za-z0-9_.-]{1,64})\]/.exec(comment)?.[1];
}

/**
 * The cluster as the 8000 groups describe it (pxcScheduler: the 8000 group is the configuration): one node per
 * host:port listed in 8000+hgW or 8000+hgR, named by its rows' comment (`galera-warden [name] ...`, the name the
 * `run` daemons sharing the writer record use) or else "host:port"; weight from 8000+hgW (0 when only a reader);
 * writerCandidate = listed in 8000+hgW, readerCandidate = listed in 8000+hgR. Sorted by name.
 */

export function topologyOf(rows: readonly ServerRow[], g: Hostgroups): DecideNode[] {
  const nodes = new Map<string, DecideNode>();
  for (const r of rows) {
    if (r.hostgroup !== g.backupWriter && r.hostgroup !== g.backupReader) continue;
    const address = addressOf(r);
    const n = nodes.get(address) ?? { name: address, host: r.hostname, port: r.port, weight: 0, writerCandidate: false, readerCandidate: false };
    if (n.name === address) n.name = nameInComment(r.comment) ?? address;
    if (r.hostgroup === g.backupWriter) {
      n.writerCandidate = true;
      n.weight = r.weight;
    }
    if (r.hostgroup === g.backupReader) n.readerCandidate = true;
    nodes.set(address, n);
  }
  return [...nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
