// One interface over the two ProxySQL admin interfaces the tests run against: a real ProxySQL 2.7.1 (when the
// binary is there) and the project's admin test double. Integration tests loop over TARGETS and skip the real
// one with a message when no binary is found.
import { FakeProxySqlAdmin } from '../../src/apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../../src/apply/proxysql/testing/seed-example.js';
import type { AdminRow } from '../../src/apply/proxysql/admin-client.js';
import { RealProxySql, skipRealProxySql } from './proxysql-real.js';

export type TargetKind = 'double' | 'real';
export const TARGETS: readonly TargetKind[] = ['double', 'real'];

/** describe/it options: skip the real ProxySQL when there is no binary (the reason says how to enable it). */
export const skipFor = (kind: TargetKind): { skip: string | false } => ({ skip: kind === 'real' ? skipRealProxySql : false });

export interface ProxySqlTarget {
  readonly kind: TargetKind;
  readonly host: string;
  /** the admin port */
  readonly port: number;
  /** the MySQL-protocol port clients use (real only) */
  readonly mysqlPort?: number;
  /** admin statements, one by one */
  sql(...statements: string[]): Promise<AdminRow[]>;
  /** LOAD MYSQL SERVERS TO RUNTIME issued so far (real: runtime_checksums_values' version) */
  loads(): Promise<number>;
  /** "hg host:port STATUS" of runtime_mysql_servers below 8000, sorted */
  managed(): Promise<string[]>;
  /** ONLINE host:port in a runtime hostgroup, sorted */
  online(hg: number): Promise<string[]>;
  readonly real?: RealProxySql;
  readonly double?: FakeProxySqlAdmin;
  close(): Promise<void>;
}

export interface TargetOptions {
  /** the real instance's admin port (its MySQL port is adminPort + 1); both below 32768 */
  adminPort: number;
  monitorUser?: string;
  monitorPassword?: string;
  /** the double's admin port (0: any) */
  doublePort?: number;
  /** ProxySQL's own monitor (real only): off by default, on for tests with a real Galera sandbox */
  monitor?: boolean;
}

function common(kind: TargetKind, host: string, port: number, sql: ProxySqlTarget['sql'], loads: () => Promise<number>): Omit<ProxySqlTarget, 'close'> {
  const managed = async () => (await sql('SELECT hostgroup_id, hostname, port, status FROM runtime_mysql_servers WHERE hostgroup_id < 8000'))
    .map((r) => `${r.hostgroup_id} ${r.hostname}:${r.port} ${r.status}`).sort();
  const online = async (hg: number) => (await sql(`SELECT hostname, port FROM runtime_mysql_servers WHERE hostgroup_id = ${hg} AND status = 'ONLINE'`))
    .map((r) => `${r.hostname}:${r.port}`).sort();
  return { kind, host, port, sql, loads, managed, online };
}

export async function startTarget(kind: TargetKind, o: TargetOptions): Promise<ProxySqlTarget> {
  if (kind === 'double') {
    const d = await FakeProxySqlAdmin.start({ port: o.doublePort ?? 0, ...(o.monitorUser ? { monitorUser: o.monitorUser } : {}), ...(o.monitorPassword !== undefined ? { monitorPassword: o.monitorPassword } : {}) });
    const sql = async (...s: string[]): Promise<AdminRow[]> => {
      let last: AdminRow[] = [];
      for (const x of s) {
        const r = d.store.execute(x);
        last = r.kind === 'rows' ? r.rows.map((v) => Object.fromEntries(r.columns.map((c, i) => [c, v[i] ?? null]))) : [];
      }
      return last;
    };
    const loads = async () => d.queries.filter((q) => /^\s*LOAD\s+MYSQL\s+SERVERS\s+TO\s+RUNTIME/i.test(q)).length;
    return { ...common(kind, d.host, d.port, sql, loads), double: d, close: () => d.close() };
  }
  const p = await RealProxySql.start({ adminPort: o.adminPort, mysqlPort: o.adminPort + 1 });
  const sets: string[] = [];
  if (o.monitorUser) sets.push(`UPDATE global_variables SET variable_value='${o.monitorUser}' WHERE variable_name='mysql-monitor_username'`);
  if (o.monitorPassword !== undefined) sets.push(`UPDATE global_variables SET variable_value='${o.monitorPassword.replace(/'/g, "''")}' WHERE variable_name='mysql-monitor_password'`);
  if (!o.monitor) sets.push("UPDATE global_variables SET variable_value='false' WHERE variable_name='mysql-monitor_enabled'");
  if (sets.length > 0) await p.sql(...sets, 'LOAD MYSQL VARIABLES TO RUNTIME');
  const base = Number((await p.sql("SELECT version FROM runtime_checksums_values WHERE name='mysql_servers'"))[0]?.version ?? 0);
  const loads = async () => Number((await p.sql("SELECT version FROM runtime_checksums_values WHERE name='mysql_servers'"))[0]?.version ?? 0) - base;
  return { ...common(kind, p.host, p.adminPort, (...s) => p.sql(...s), loads), mysqlPort: p.mysqlPort, real: p, close: () => p.stop() };
}

/** Seed 000's example rows (any hosts) on either target. */
export async function seed(t: ProxySqlTarget, g: { writer: number; reader: number }, hosts?: readonly { host: string; port: number }[]): Promise<void> {
  const statements: string[] = [];
  seedExample({ exec: (...s: string[]) => statements.push(...s) }, g, hosts);
  await t.sql(...statements);
}
