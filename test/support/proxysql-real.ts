// Real ProxySQL instances for integration tests. The binary is found through PROXYSQL_BIN, then
// ../shared/tools/proxysql/proxysql beside the repository; without one, the tests that need it are skipped
// with a message saying how to enable them. Each instance gets its own fresh datadir and ports, is started in
// the foreground (-f) and stopped by its pid (SIGTERM, then SIGKILL), in after-hooks and on process exit.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AdminClient } from '../../src/apply/proxysql/admin-client.js';
import { firstExecutable, killOnExit } from '../../src/chaos/child-processes.js';
import type { AdminRow } from '../../src/apply/proxysql/admin-client.js';

/** The repository root (this file runs as dist/test/support/proxysql-real.js). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The ProxySQL binary to test against, or undefined when there is none. */
export function proxysqlBinary(): string | undefined {
  return firstExecutable([process.env.PROXYSQL_BIN, path.resolve(REPO_ROOT, '../shared/tools/proxysql/proxysql')]);
}

/** false when a binary is there; else the reason to hand to describe/it `skip`. */
export const skipRealProxySql: string | false = proxysqlBinary() === undefined
  ? 'no ProxySQL binary: set PROXYSQL_BIN=/path/to/proxysql (or put one at ../shared/tools/proxysql/proxysql) to run the tests against a real ProxySQL'
  : false;

if (skipRealProxySql) process.stdout.write(`# ${skipRealProxySql}\n`);


export interface RealProxySqlOptions {
  adminPort: number;
  mysqlPort: number;
  /** extra lines inside mysql_variables={...}, e.g. 'monitor_username="warden"' */
  mysqlVariables?: string[];
}

export class RealProxySql {
  readonly host = '127.0.0.1';
  readonly #child: ChildProcess;
  #client: AdminClient | undefined;
  #log = '';

  private constructor(readonly dir: string, readonly adminPort: number, readonly mysqlPort: number, child: ChildProcess) {
    this.#child = child;
    child.stderr?.on('data', (d: Buffer) => { this.#log = (this.#log + String(d)).slice(-20_000); });
    child.stdout?.on('data', (d: Buffer) => { this.#log = (this.#log + String(d)).slice(-20_000); });
  }

  /** Starts one instance in a fresh datadir and waits (up to 30 s) until its admin interface answers. */
  static async start(o: RealProxySqlOptions): Promise<RealProxySql> {
    const bin = proxysqlBinary();
    if (!bin) throw new Error(skipRealProxySql || 'no ProxySQL binary');
    if (o.adminPort >= 32768 || o.mysqlPort >= 32768) throw new RangeError('ProxySQL test ports must stay below 32768');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gw-proxysql-${o.adminPort}-`));
    fs.writeFileSync(path.join(dir, 'proxysql.cnf'), [
      `datadir="${dir}"`,
      'admin_variables=', '{', '  admin_credentials="admin:admin"', `  mysql_ifaces="127.0.0.1:${o.adminPort}"`, '}',
      'mysql_variables=', '{', '  threads=2', `  interfaces="127.0.0.1:${o.mysqlPort}"`, ...(o.mysqlVariables ?? []).map((l) => `  ${l}`), '}', '',
    ].join('\n'));
    const child = spawn(bin, ['-f', '-e', '--no-version-check', '-c', path.join(dir, 'proxysql.cnf'), '-D', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    killOnExit(child);
    const p = new RealProxySql(dir, o.adminPort, o.mysqlPort, child);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`ProxySQL on admin port ${o.adminPort} exited at start: ${p.#log.slice(-2000)}`);
      try {
        p.#client = await AdminClient.connect({ host: p.host, port: o.adminPort, user: 'admin', password: 'admin', connectTimeoutMs: 2000, queryTimeoutMs: 10_000 });
        return p;
      } catch (err) {
        if (Date.now() > deadline) {
          await p.stop();
          throw new Error(`ProxySQL admin 127.0.0.1:${o.adminPort} did not answer within 30 s: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** the end of ProxySQL's own log (stderr), for failure messages */
  get log(): string {
    return this.#log;
  }

  /** Runs admin statements one by one on the kept session; the rows of the last. */
  async sql(...statements: string[]): Promise<AdminRow[]> {
    this.#client ??= await AdminClient.connect({ host: this.host, port: this.adminPort, user: 'admin', password: 'admin', connectTimeoutMs: 5000, queryTimeoutMs: 10_000 });
    let rows: AdminRow[] = [];
    for (const s of statements) rows = await this.#client.query(s);
    return rows;
  }

  /** SIGSTOP / SIGCONT (a frozen ProxySQL accepts TCP and never answers). */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.#child.pid) process.kill(this.#child.pid, sig);
  }

  /** SIGTERM, SIGKILL after 5 s; removes the datadir. */
  async stop(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
    const c = this.#child;
    if (c.pid && c.exitCode === null && c.signalCode === null) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      try {
        process.kill(c.pid, 'SIGCONT');
        process.kill(c.pid, 'SIGTERM');
      } catch {
        // gone already
      }
      const timer = setTimeout(() => { if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGKILL'); }, 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Rows of a runtime or memory table as "hg host:port STATUS" lines, sorted (for assertions). */
export async function serverLines(p: RealProxySql, table: 'mysql_servers' | 'runtime_mysql_servers', below = 8000): Promise<string[]> {
  const rows = await p.sql(`SELECT hostgroup_id, hostname, port, status FROM ${table} WHERE hostgroup_id < ${below}`);
  return rows.map((r) => `${r.hostgroup_id} ${r.hostname}:${r.port} ${r.status}`).sort();
}
