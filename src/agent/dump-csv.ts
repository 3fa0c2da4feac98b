// `galera-warden agent dump`: seed 001's P1, the query digest and the query rules to CSV files (RFC 4180:
// a header row with ProxySQL's column names, every field quoted when it holds a comma, quote, CR or LF;
// NULL as an empty field). One file per table, named <table>-<UTC timestamp>.csv.
import fs from 'node:fs';
import path from 'node:path';
import type { AdminRow } from '../apply/proxysql/admin-client.js';

export const DUMP_TABLES = ['stats_mysql_query_digest', 'mysql_query_rules', 'stats_mysql_query_rules'] as const;

export function csvField(v: string | null | undefined): string {
  if (v === null || v === undefined) return '';
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** CSV text of admin rows; `columns` fixes the header when there are no rows. */
export function toCsv(rows: readonly AdminRow[], columns: readonly string[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(r[c])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

export interface DumpSource {
  /** rows and column names of one SELECT */
  select(sql: string): Promise<{ rows: AdminRow[]; columns: string[] }>;
}

/** Writes one CSV per table into dir; the paths written. */
export async function dumpTables(src: DumpSource, dir: string, now = new Date()): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const written: string[] = [];
  for (const t of DUMP_TABLES) {
    const { rows, columns } = await src.select(`SELECT * FROM ${t}`);
    const file = path.join(dir, `${t}-${stamp}.csv`);
    fs.writeFileSync(`${file}.tmp`, toCsv(rows, columns));
    fs.renameSync(`${file}.tmp`, file);
    written.push(file);
  }
  return written;
}

/** A DumpSource on a fresh admin connection (text protocol; every step under timeoutMs). */
export async function adminDumpSource(o: { host: string; port: number; user: string; password: string; timeoutMs: number }): Promise<DumpSource & { close(): void }> {
  const mysql = (await import('mysql2/promise')).default;
  const conn = await mysql.createConnection({ host: o.host, port: o.port, user: o.user, password: o.password, connectTimeout: o.timeoutMs, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  conn.on('error', () => undefined);
  return {
    select: async (sql) => {
      const [rows, fields] = await conn.query({ sql, timeout: o.timeoutMs });
      return { rows: rows as AdminRow[], columns: (fields ?? []).map((f) => f.name) };
    },
    close: () => conn.destroy(),
  };
}
