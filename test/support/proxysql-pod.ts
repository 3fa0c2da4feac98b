// A ProxySQL 2.7.1 "pod" for the agent tests: its own loopback IP (127.0.0.x, like a pod IP) and datadir,
// the same ports on every pod (as in a Deployment), cluster credentials so pods can sync, and optional
// proxysql_servers in its config file (what LOAD PROXYSQL SERVERS FROM CONFIG reads). Stopped by pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminClient } from '../../src/apply/proxysql/admin-client.js';
import type { AdminRow } from '../../src/apply/proxysql/admin-client.js';
import { proxysqlBinary, skipRealProxySql } from './proxysql-real.js';

export interface PodOptions {
  ip: string;
  adminPort: number;
  mysqlPort: number;
  /** proxysql_servers of the config file: "host:port:comment" */
  configServers?: string[];
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.pid && c.exitCode === null && c.signalCode === null) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
});

export class ProxySqlPod {
  #client: AdminClient | undefined;
  #log = '';
  private constructor(readonly o: PodOptions, readonly dir: string, readonly child: ChildProcess) {
    child.stderr?.on('data', (d: Buffer) => { this.#log = (this.#log + String(d)).slice(-10_000); });
  }

  static async start(o: PodOptions): Promise<ProxySqlPod> {
    const bin = proxysqlBinary();
    if (!bin) throw new Error(skipRealProxySql || 'no ProxySQL binary');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gw-agent-pod-${o.ip}-`));
    const servers = (o.configServers ?? []).map((s) => {
      const [h, p, c] = s.split(':');
      return `  { hostname="${h}", port=${p}, weight=0, comment="${c ?? ''}" }`;
    });
    fs.writeFileSync(path.join(dir, 'proxysql.cnf'), [
      `datadir="${dir}"`,
      'admin_variables=', '{',
      '  admin_credentials="admin:admin;cluster:cluster"', `  mysql_ifaces="${o.ip}:${o.adminPort}"`,
      '  cluster_username="cluster"', '  cluster_password="cluster"', '  cluster_check_interval_ms=300',
      '}',
      'mysql_variables=', '{', '  threads=2', `  interfaces="${o.ip}:${o.mysqlPort}"`, '  monitor_enabled=false', '}',
      'mysql_users=', '(', '  { username="app", password="app", default_hostgroup=0 }', ')',
      ...(servers.length > 0 ? ['proxysql_servers=', '(', servers.join(',\n'), ')'] : []),
      '',
    ].join('\n'));
    const child = spawn(bin, ['-f', '-e', '--no-version-check', '-c', path.join(dir, 'proxysql.cnf'), '-D', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    const pod = new ProxySqlPod(o, dir, child);
    const end = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`ProxySQL ${o.ip} exited at start: ${pod.#log.slice(-1500)}`);
      try {
        await pod.sql('SELECT 1');
        return pod;
      } catch (err) {
        if (Date.now() > end) {
          await pod.stop();
          throw new Error(`ProxySQL ${o.ip}:${o.adminPort} did not answer in 30 s: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  /** the tail of ProxySQL's own log (stderr) */
  get log(): string {
    return this.#log;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async sql(...statements: string[]): Promise<AdminRow[]> {
    this.#client ??= await AdminClient.connect({ host: this.o.ip, port: this.o.adminPort, user: 'admin', password: 'admin', connectTimeoutMs: 2000, queryTimeoutMs: 10_000 });
    let rows: AdminRow[] = [];
    try {
      for (const s of statements) rows = await this.#client.query(s);
    } catch (err) {
      this.#client.destroy();
      this.#client = undefined;
      throw err;
    }
    return rows;
  }

  /** proxysql_servers in runtime as sorted "host:port" */
  async runtimeServers(): Promise<string[]> {
    return (await this.sql('SELECT hostname, port FROM runtime_proxysql_servers')).map((r) => `${r.hostname}:${r.port}`).sort();
  }

  /** how many times proxysql_servers was loaded to runtime (the checksum's version counts every LOAD) */
  async serversVersion(): Promise<number> {
    const rows = await this.sql("SELECT version FROM runtime_checksums_values WHERE name = 'proxysql_servers'");
    return Number(rows[0]?.version ?? -1);
  }

  signal(sig: 'SIGSTOP' | 'SIGCONT'): void {
    process.kill(this.pid, sig);
  }

  async stop(): Promise<void> {
    this.#client?.destroy();
    this.#client = undefined;
    const c = this.child;
    if (c.exitCode === null && c.signalCode === null && c.pid) {
      const exited = new Promise<void>((r) => c.once('exit', () => r()));
      try {
        process.kill(c.pid, 'SIGCONT');
        process.kill(c.pid, 'SIGTERM');
      } catch {
        // gone
      }
      const t = setTimeout(() => { try { process.kill(c.pid!, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await exited;
      clearTimeout(t);
    }
    live.delete(c);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
