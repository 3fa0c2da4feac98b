// What the agent wants in proxysql_servers, and the satellite's "every core is gone" rule: pure functions
// of what the pod list and the admin tables say.
import type { PodInfo } from './pod-watcher.js';

export interface ServerRow {
  hostname: string;
  port: number;
  weight: number;
  comment: string;
}

/** proxysql_servers for the serving core pods: their IP and the admin port, the pod name as comment. */
export function desiredRows(cores: readonly PodInfo[], adminPort: number): ServerRow[] {
  return cores
    .filter((p) => p.ready && !p.deleting && p.ip !== undefined)
    .map((p) => ({ hostname: p.ip!, port: adminPort, weight: 0, comment: p.name }))
    .sort(byAddress);
}

export function byAddress(a: ServerRow, b: ServerRow): number {
  return a.hostname === b.hostname ? a.port - b.port : a.hostname < b.hostname ? -1 : 1;
}

const key = (r: ServerRow): string => `${r.hostname}:${r.port}/${r.weight}/${r.comment}`;

/** Same rows, order aside. */
export function sameRows(a: readonly ServerRow[], b: readonly ServerRow[]): boolean {
  if (a.length !== b.length) return false;
  const s = new Set(a.map(key));
  return b.every((r) => s.has(key(r)));
}

/** Admin rows (strings) as ServerRows. */
export function parseRows(rows: ReadonlyArray<Record<string, string | null>>): ServerRow[] {
  return rows.map((r) => ({ hostname: r.hostname ?? '', port: Number(r.port), weight: Number(r.weight ?? 0), comment: r.comment ?? '' })).sort(byAddress);
}

/** A stable fingerprint of the serving satellites (IPs), to notice when that set changes. */
export function podSetKey(pods: readonly PodInfo[]): string {
  return pods.filter((p) => p.ready && !p.deleting && p.ip !== undefined).map((p) => p.ip!).sort().join(',');
}

export interface PeerMetric {
  hostname: string;
  port: number;
  /** ms since the last successful check of that peer */
  lastCheckMs: number;
  uptimeS: number;
}

/**
 * The satellite's rule: every core it points at is gone when each row of runtime_proxysql_servers has no
 * fresh metrics (last_check_ms at or above staleMs, or never reached: Uptime_s 0) AND is not the IP of a
 * serving core pod. A core that is slow to answer but still listed as a serving pod is not gone; a pod
 * list that says nothing (not synced) leaves only the metrics to judge. No rows at all: gone.
 */
export function everyCoreGone(rows: readonly ServerRow[], metrics: readonly PeerMetric[], servingCoreIps: ReadonlySet<string>, staleMs: number): boolean {
  return rows.every((r) => {
    const m = metrics.find((x) => x.hostname === r.hostname && x.port === r.port);
    const fresh = m !== undefined && m.uptimeS > 0 && m.lastCheckMs < staleMs;
    return !fresh && !servingCoreIps.has(r.hostname);
  });
}

/**
 * A node is stranded when serving core pods exist (other than itself: `self` is its pod name) and its
 * proxysql_servers names none of them (empty, every listed peer gone, or only the core Service of its
 * config): ProxySQL syncs only from the peers its own table lists, and only from one whose table is newer
 * than its own, so such a node would keep its table until somebody rewrites it.
 */
export function stranded(rows: readonly ServerRow[], servingCores: readonly PodInfo[], self?: string): boolean {
  const peers = new Set(servingCores.filter((p) => p.name !== self && p.ip !== undefined).map((p) => p.ip!));
  return peers.size > 0 && !rows.some((r) => peers.has(r.hostname));
}

/** The statements that make proxysql_servers equal to `rows` and load them (one statement per call). */
export function rewriteStatements(rows: readonly ServerRow[], quote: (s: string) => string): string[] {
  return [
    'DELETE FROM proxysql_servers',
    ...rows.map((r) => `INSERT INTO proxysql_servers (hostname, port, weight, comment) VALUES (${quote(r.hostname)}, ${Math.trunc(r.port)}, ${Math.trunc(r.weight)}, ${quote(r.comment)})`),
    'LOAD PROXYSQL SERVERS TO RUNTIME',
    'SAVE PROXYSQL SERVERS TO DISK',
  ];
}
