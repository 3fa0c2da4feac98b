// Pure: from ProxySQL's mysql_servers (memory and runtime layers) and the desired routing to the statements
// that make the managed hostgroups match, or nothing when they already do.
//
// Role -> rows (per pool; the writer pool uses hgW and its template row in 8000+hgW, the reader pool hgR and
// 8000+hgR):
//   writer / reader      row in hgW / hgR, ONLINE
//   offline_soft         row in hgW / hgR, OFFLINE_SOFT (no new connections, the open ones drain)
//   offline_hard         row in hgW / hgR, OFFLINE_HARD (connections severed)
//   offline_soft + sever row in hgW, OFFLINE_HARD: a demoted writer while another writer exists (decide() says
//                        `sever`): its open transactions and unmultiplexable sessions must not keep committing
//   maintenance          no row in hgW / hgR; row in 9000+hgW / 9000+hgR, OFFLINE_SOFT
//   backup, none         no row (a writer candidate that is not the writer stays listed in 8000+hgW only:
//                        under single writer only the writer is in hgW, as in pxcScheduler)
// Every managed row takes its template values from the node's 8000 row of the same pool (else the other
// pool's, else ProxySQL's defaults). Rows of the managed groups that no node's role asks for are removed,
// so that nothing but the decision routes writes. The 8000 groups are never written.
import type { DesiredRouting, ReaderRole, WriterRole } from '../../model/decision.js';
import { int, quote } from './admin-client.js';
import type { Hostgroups, ServerRow, ServerStatus, ServerTemplate } from './servers.js';
import { DEFAULT_TEMPLATE, SERVER_COLUMNS, TEMPLATE_COLUMNS, addressOf, maintenanceOf, managedGroups, rowKey, templateOf } from './servers.js';

export interface ServersPlan {
  /** the managed groups' rows as they must be, sorted by key */
  target: ServerRow[];
  /** statements for the memory layer, in order (then LOAD MYSQL SERVERS TO RUNTIME) */
  statements: string[];
  /** the runtime layer differs from the target (load needed even when memory already matches) */
  load: boolean;
  noop: boolean;
  actions: string[];
}

function placement(role: WriterRole | ReaderRole, active: 'writer' | 'reader', hg: number, sever: boolean): { hostgroup: number; status: ServerStatus } | null {
  if (role === active) return { hostgroup: hg, status: 'ONLINE' };
  switch (role) {
    case 'offline_soft': return { hostgroup: hg, status: sever ? 'OFFLINE_HARD' : 'OFFLINE_SOFT' };
    case 'offline_hard': return { hostgroup: hg, status: 'OFFLINE_HARD' };
    case 'maintenance': return { hostgroup: maintenanceOf(hg), status: 'OFFLINE_SOFT' };
    default: return null;
  }
}

/**
 * The admin interface is utf8mb3: a 4-byte character (an emoji) stored in a comment comes back as replacement
 * characters (measured on ProxySQL 2.7.1), so it can never be copied faithfully. Managed rows get the comment
 * without them.
 */
export const UNRETURNABLE = /[\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Template comments that hold characters the admin interface cannot return, as warnings naming the row. */
export function commentWarnings(rows: readonly ServerRow[], g: Hostgroups): string[] {
  return rows.filter((r) => (r.hostgroup === g.backupWriter || r.hostgroup === g.backupReader) && new RegExp(UNRETURNABLE.source, 'u').test(r.comment))
    .map((r) => `mysql_servers hg ${r.hostgroup} ${addressOf(r)}: the comment holds a 4-byte character (e.g. an emoji) that ProxySQL's utf8mb3 admin interface returns as replacement characters; it is left out of the managed rows (remove it from the ${r.hostgroup} row)`);
}

/** The managed rows the decision asks for. */
export function targetRows(rows: readonly ServerRow[], desired: DesiredRouting, g: Hostgroups): ServerRow[] {
  const template = (hg: number, address: string): ServerTemplate | undefined => {
    const r = rows.find((x) => x.hostgroup === hg && addressOf(x) === address);
    return r ? { ...templateOf(r), comment: r.comment.replace(UNRETURNABLE, '') } : undefined;
  };
  const out = new Map<string, ServerRow>();
  for (const n of desired.nodes) {
    const address = addressOf(n);
    const pools: [WriterRole | ReaderRole, 'writer' | 'reader', number, number, number, boolean][] = [
      [n.writer, 'writer', g.writer, g.backupWriter, g.backupReader, n.writerConnections === 'sever'],
      [n.reader, 'reader', g.reader, g.backupReader, g.backupWriter, n.readerConnections === 'sever'],
    ];
    for (const [role, active, hg, own, other, sever] of pools) {
      const p = placement(role, active, hg, sever);
      if (!p) continue;
      const t = template(own, address) ?? template(other, address) ?? DEFAULT_TEMPLATE;
      const row: ServerRow = { ...t, hostgroup: p.hostgroup, hostname: n.host, port: n.port, status: p.status };
      out.set(rowKey(row), row);
    }
  }
  return [...out.values()].sort((a, b) => (rowKey(a) < rowKey(b) ? -1 : 1));
}

/** ProxySQL's monitor may shun a server at runtime: for our purposes that is still the row we loaded. */
const sameStatus = (actual: ServerStatus, want: ServerStatus, runtime: boolean): boolean =>
  actual === want || (runtime && actual === 'SHUNNED' && want === 'ONLINE');

function differences(actual: ServerRow, want: ServerRow, runtime: boolean): string[] {
  const diff: string[] = [];
  if (!sameStatus(actual.status, want.status, runtime)) diff.push('status');
  for (const [k] of TEMPLATE_COLUMNS) if (actual[k] !== want[k]) diff.push(k);
  return diff;
}

/**
 * Managed rows that differ between `actual` and `target`, as human lines naming the row; empty when they match.
 * The runtime layer (`runtime` true) is compared with what ProxySQL is documented and measured to keep: a row
 * loaded as OFFLINE_HARD is purged from runtime_mysql_servers (absent is a match), and a server removed while
 * connections to it are still in use stays listed there as OFFLINE_HARD until they close (an extra
 * OFFLINE_HARD row is a match).
 */
export function compareRows(actual: readonly ServerRow[], target: readonly ServerRow[], g: Hostgroups, runtime: boolean): string[] {
  const managed = new Set(managedGroups(g));
  const have = new Map(actual.filter((r) => managed.has(r.hostgroup)).map((r) => [rowKey(r), r]));
  const out: string[] = [];
  for (const t of target) {
    const a = have.get(rowKey(t));
    have.delete(rowKey(t));
    if (!a) {
      if (runtime && t.status === 'OFFLINE_HARD') continue;
      out.push(`hg ${t.hostgroup}: add ${addressOf(t)} ${t.status}`);
    } else {
      const d = differences(a, t, runtime);
      if (d.length === 0 || (runtime && a.status === 'OFFLINE_HARD' && t.status === 'OFFLINE_HARD')) continue;
      out.push(d.includes('status') ? `hg ${t.hostgroup}: ${addressOf(t)} ${a.status} -> ${t.status}` : `hg ${t.hostgroup}: ${addressOf(t)} ${d.join(', ')} from template`);
    }
  }
  for (const a of have.values()) {
    if (runtime && a.status === 'OFFLINE_HARD') continue;
    out.push(`hg ${a.hostgroup}: remove ${addressOf(a)} ${a.status}`);
  }
  return out;
}

const sqlValue = (k: keyof ServerTemplate, v: ServerTemplate[keyof ServerTemplate]): string => (k === 'comment' ? quote(String(v)) : int(Number(v)));
const where = (r: ServerRow): string => `hostgroup_id=${int(r.hostgroup)} AND hostname=${quote(r.hostname)} AND port=${int(r.port)}`;

export function insertStatement(rows: readonly ServerRow[]): string {
  const tuple = (r: ServerRow) => `(${[int(r.hostgroup), quote(r.hostname), int(r.port), int(r.gtidPort), quote(r.status),
    ...TEMPLATE_COLUMNS.slice(1).map(([k]) => sqlValue(k, r[k]))].join(',')})`;
  return `INSERT INTO mysql_servers (${SERVER_COLUMNS}) VALUES ${rows.map(tuple).join(',')}`;
}

export function planServers(memory: readonly ServerRow[], runtime: readonly ServerRow[], desired: DesiredRouting, g: Hostgroups): ServersPlan {
  const target = targetRows(memory, desired, g);
  const managed = new Set(managedGroups(g));
  const have = new Map(memory.filter((r) => managed.has(r.hostgroup)).map((r) => [rowKey(r), r]));
  const deletes: string[] = [];
  const updates: string[] = [];
  const inserts: ServerRow[] = [];
  for (const t of target) {
    const a = have.get(rowKey(t));
    have.delete(rowKey(t));
    if (!a) inserts.push(t);
    else {
      const d = differences(a, t, false);
      if (d.length === 0) continue;
      const sets = d.map((k) => (k === 'status' ? `status=${quote(t.status)}` : `${TEMPLATE_COLUMNS.find(([f]) => f === k)![1]}=${sqlValue(k as keyof ServerTemplate, t[k as keyof ServerTemplate])}`));
      updates.push(`UPDATE mysql_servers SET ${sets.join(',')} WHERE ${where(t)}`);
    }
  }
  for (const a of have.values()) deletes.push(`DELETE FROM mysql_servers WHERE ${where(a)}`);
  // one INSERT for all new rows: a single SQLite statement, all rows or none
  const statements = [...deletes, ...updates, ...(inserts.length > 0 ? [insertStatement(inserts)] : [])];
  const memoryActions = compareRows(memory, target, g, false);
  const runtimeActions = compareRows(runtime, target, g, true);
  const load = runtimeActions.length > 0;
  const actions = statements.length > 0 ? memoryActions : load ? ['load the configured mysql_servers to runtime', ...runtimeActions] : [];
  return { target, statements, load: load || statements.length > 0, noop: statements.length === 0 && !load, actions };
}
