// A real ProxySQL for the bench: the binary from PROXYSQL_BIN or ../shared/tools/proxysql/proxysql beside the
// repository, started in the foreground (-f) in a fresh datadir inside the bench's work folder, with its own
// admin and MySQL ports, as one of the bench's processes (stopped by pid with everything else).
import { firstExecutable } from '../../src/chaos/child-processes.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminClient } from '../../src/apply/proxysql/admin-client.js';
import type { AdminRow } from '../../src/apply/proxysql/admin-client.js';
import type { ManagedProcess, ProcessGroup } from './procs.js';
import { waitFor } from './util.js';

/** The repository root (this file runs as dist/bench/lib/proxysql.js). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function proxysqlBinary(): string | undefined {
  return firstExecutable([process.env.PROXYSQL_BIN, path.resolve(REPO_ROOT, '../shared/tools/proxysql/proxysql')]);
}

export class BenchProxySql {
  private client: AdminClient | undefined;

  private constructor(readonly name: string, readonly adminPort: number, readonly mysqlPort: number, readonly proc: ManagedProcess, readonly logFile: string) {}

  static async start(o: { name: string; procs: ProcessGroup; workDir: string; adminPort: number; mysqlPort: number; signal: AbortSignal }): Promise<BenchProxySql> {
    const bin = proxysqlBinary();
    if (!bin) throw new Error('no ProxySQL binary: set PROXYSQL_BIN=/path/to/proxysql (or put one at ../shared/tools/proxysql/proxysql)');
    const dir = path.join(o.workDir, o.name);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const cnf = path.join(dir, 'proxysql.cnf');
    fs.writeFileSync(cnf, [
      `datadir="${dir}"`,
      'admin_variables=', '{', '  admin_credentials="admin:admin"', `  mysql_ifaces="127.0.0.1:${o.adminPort}"`, '}',
      'mysql_variables=', '{', '  threads=2', `  interfaces="127.0.0.1:${o.mysqlPort}"`, '}', '',
    ].join('\n'));
    const logFile = path.join(o.workDir, `${o.name}.log`);
    const proc = o.procs.spawn(o.name, bin, ['-f', '-e', '--no-version-check', '-c', cnf, '-D', dir], logFile);
    const p = new BenchProxySql(o.name, o.adminPort, o.mysqlPort, proc, logFile);
    await waitFor(`${o.name}: the admin interface on 127.0.0.1:${o.adminPort}`, 30_000, async () => {
      if (!proc.running) throw new Error(`${o.name} exited at start; see ${logFile}`);
      p.client = await AdminClient.connect({ host: '127.0.0.1', port: o.adminPort, user: 'admin', password: 'admin', connectTimeoutMs: 2000, queryTimeoutMs: 10_000 });
      return true;
    }, { everyMs: 200, signal: o.signal });
    return p;
  }

  /** Admin statements one by one on a kept session (reconnecting after an error); the rows of the last. */
  async sql(...statements: string[]): Promise<AdminRow[]> {
    let rows: AdminRow[] = [];
    for (const s of statements) {
      this.client ??= await AdminClient.connect({ host: '127.0.0.1', port: this.adminPort, user: 'admin', password: 'admin', connectTimeoutMs: 5000, queryTimeoutMs: 10_000 });
      try {
        rows = await this.client.query(s);
      } catch (err) {
        this.client.destroy();
        this.client = undefined;
        throw err;
      }
    }
    return rows;
  }

  /** ONLINE host:port of a runtime hostgroup, sorted. */
  async online(hg: number): Promise<string[]> {
    const rows = await this.sql(`SELECT hostname, port FROM runtime_mysql_servers WHERE hostgroup_id = ${hg} AND status = 'ONLINE'`);
    return rows.map((r) => `${r.hostname}:${r.port}`).sort();
  }

  close(): void {
    this.client?.destroy();
    this.client = undefined;
  }
}

/** Single-quoted for the admin interface (quotes doubled; no backslash escapes). */
export const q = (s: string): string => `'${s.replace(/'/g, "''")}'`;
