// The ProxySQL-cluster lock: with several ProxySQL nodes running the same scheduler, one node acts.
// As in pxcScheduler the lock lives in proxysql_servers, where every node can see it.
//
// Lock row format: the holder marks its OWN row (the proxysql_servers row naming this ProxySQL node) in its
// OWN admin's memory layer, by appending to the row's comment
//     #gw-lock{key=<clusterId>_<hgW>_<hgR>,expires=<epoch ms>}
// The rest of the comment is kept; the marker is replaced on renewal. Only the memory layer is written (never
// LOAD PROXYSQL SERVERS TO RUNTIME), so ProxySQL's own cluster sync does not spread it; the holder is the node
// the marked row names, wherever the marker is found. A node acts when no reachable node (itself included)
// shows an unexpired marker for the key on another node's row; it then marks its row, re-reads the peers, and
// if a peer marked concurrently the lower host:port keeps the lock. Unreachable peers are skipped. The holder
// renews the marker on every run; if it stops, the lock expires after lockclustertimeout.
import os from 'node:os';
import type { AdminClient } from '../apply/proxysql/admin-client.js';
import { int, quote } from '../apply/proxysql/admin-client.js';

export interface PeerAddress {
  host: string;
  port: number;
}

export interface ClusterLockOptions {
  /** the session to this node's admin interface */
  local: AdminClient;
  /** how this node's admin interface was reached (to find its own row) */
  self: PeerAddress;
  /** `${clusterId}_${hgW}_${hgR}` */
  key: string;
  timeoutMs: number;
  /** opens a session to a peer's admin interface; may throw (the peer is then skipped) */
  connectPeer: (peer: PeerAddress) => Promise<AdminClient>;
  now?: () => number;
  log?: (msg: string) => void;
}

export type ClusterLockResult =
  | { acquired: true; self: string; renewed: boolean; skipped: string[] }
  | { acquired: false; holder: string; skipped: string[]; reason: string };

const MARKER = /\s*#gw-lock\{key=([^,}]*),expires=(\d+)\}/g;

export function lockMarker(key: string, expires: number): string {
  return `#gw-lock{key=${key},expires=${expires}}`;
}

/** The comment without any marker for `key` (markers for other keys stay). */
export function stripMarker(comment: string, key: string): string {
  return comment.replace(MARKER, (m, k: string) => (k === key ? '' : m));
}

/** The expiry of the marker for `key` in a comment, or null. */
export function markerExpiry(comment: string, key: string): number | null {
  for (const m of comment.matchAll(MARKER)) if (m[1] === key) return Number(m[2]);
  return null;
}

interface ServerRow {
  hostname: string;
  port: number;
  comment: string;
}

const addr = (r: PeerAddress | { hostname: string; port: number }): string => `${'hostname' in r ? r.hostname : r.host}:${r.port}`;

async function rowsOf(client: AdminClient): Promise<ServerRow[]> {
  const rows = await client.query('SELECT hostname, port, comment FROM proxysql_servers');
  return rows.map((r) => ({ hostname: r.hostname ?? '', port: Number(r.port), comment: r.comment ?? '' }));
}

/** This node's row: the one naming the address we reached it on, else a local interface address with that port. */
function selfRow(rows: readonly ServerRow[], self: PeerAddress): ServerRow | undefined {
  const exact = rows.find((r) => r.hostname === self.host && r.port === self.port);
  if (exact) return exact;
  const local = new Set([os.hostname(), 'localhost', ...Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address))]);
  return rows.find((r) => r.port === self.port && local.has(r.hostname));
}

/** Unexpired markers for `key` on rows other than `self`, as host:port. */
function foreignLocks(rows: readonly ServerRow[], self: string, key: string, now: number): string[] {
  return rows.filter((r) => addr(r) !== self && (markerExpiry(r.comment, key) ?? 0) > now).map(addr);
}

export async function acquireClusterLock(o: ClusterLockOptions): Promise<ClusterLockResult> {
  const now = o.now ?? Date.now;
  const local = await rowsOf(o.local);
  const me = selfRow(local, o.self);
  if (!me) return { acquired: false, holder: '', skipped: [], reason: `this ProxySQL node (${addr(o.self)}) has no row in its proxysql_servers: it cannot take the cluster lock` };
  const self = addr(me);
  const skipped: string[] = [];
  const peers = local.filter((r) => addr(r) !== self);

  const scan = async (): Promise<string[]> => {
    const found = foreignLocks(await rowsOf(o.local), self, o.key, now());
    await Promise.all(peers.map(async (p) => {
      let c: AdminClient | undefined;
      try {
        c = await o.connectPeer({ host: p.hostname, port: p.port });
        found.push(...foreignLocks(await rowsOf(c), self, o.key, now()));
      } catch (err) {
        if (!skipped.includes(addr(p))) skipped.push(addr(p));
        o.log?.(`cluster lock: peer ${addr(p)} unreachable, skipped: ${(err as Error).message}`);
      } finally {
        c?.destroy();
      }
    }));
    return [...new Set(found)].sort();
  };

  const before = await scan();
  if (before.length > 0) return { acquired: false, holder: before[0]!, skipped, reason: `ProxySQL node ${before[0]} holds the cluster lock ${o.key}` };
  const renewed = (markerExpiry(me.comment, o.key) ?? 0) > now();
  const comment = `${stripMarker(me.comment, o.key)} ${lockMarker(o.key, now() + o.timeoutMs)}`.trimStart();
  await o.local.query(`UPDATE proxysql_servers SET comment=${quote(comment)} WHERE hostname=${quote(me.hostname)} AND port=${int(me.port)}`);
  const after = (await scan()).filter((a) => a < self);
  if (after.length > 0) {
    await releaseClusterLock(o.local, me, o.key);
    return { acquired: false, holder: after[0]!, skipped, reason: `ProxySQL node ${after[0]} took the cluster lock ${o.key} at the same time and wins (lower address)` };
  }
  return { acquired: true, self, renewed, skipped };
}

/** Removes this node's marker for `key`. */
export async function releaseClusterLock(local: AdminClient, me: { hostname: string; port: number }, key: string): Promise<void> {
  const rows = await rowsOf(local);
  const row = rows.find((r) => r.hostname === me.hostname && r.port === me.port);
  if (!row || markerExpiry(row.comment, key) === null) return;
  await local.query(`UPDATE proxysql_servers SET comment=${quote(stripMarker(row.comment, key))} WHERE hostname=${quote(me.hostname)} AND port=${int(me.port)}`);
}
