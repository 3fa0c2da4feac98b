// Starts a real ProxySQL (2.x, `proxysql -f`) in a fresh folder for the chaos campaign, waits until its admin
// interface answers, sets it up as an application would use it (the application's user with the writer hostgroup
// as its default, no query retry), and stops it by pid. The binary: PROXYSQL_BIN, else `proxysql` on the PATH.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AdminClient, int, quote } from '../apply/proxysql/admin-client.js';
import { firstExecutable, killOnExit, stopChild } from './child-processes.js';

/** The ProxySQL binary: PROXYSQL_BIN, else the first `proxysql` on the PATH; undefined when there is none. */
export function proxysqlBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return firstExecutable(env.PROXYSQL_BIN ? [env.PROXYSQL_BIN] : (env.PATH ?? '').split(':').filter(Boolean).map((d) => path.join(d, 'proxysql')));
}

/** undefined when a ProxySQL binary is there, else why not */
export function proxysqlMissing(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (proxysqlBinary(env)) return undefined;
  return env.PROXYSQL_BIN ? `PROXYSQL_BIN=${env.PROXYSQL_BIN} is not an executable file` : 'no proxysql on the PATH; set PROXYSQL_BIN=/path/to/proxysql';
}

export interface ProxysqlProcessOptions {
  adminPort: number;
  mysqlPort: number;
  /** the application's account: ProxySQL logs in to the nodes with it; its default hostgroup is `writerHostgroup` */
  appUser: string;
  appPassword: string;
  writerHostgroup: number;
  /** ProxySQL's monitor account on the nodes */
  monitorUser: string;
  monitorPassword: string;
  deadlineMs?: number;
}

export interface ProxysqlProcess {
  readonly adminPort: number;
  readonly mysqlPort: number;
  readonly pid: number | undefined;
  /** the end of ProxySQL's own output */
  output(): string;
  stop(): Promise<void>;
}

const adminLogin = (port: number) => ({ host: '127.0.0.1', port, user: 'admin', password: 'admin', connectTimeoutMs: 2000, queryTimeoutMs: 10_000 });

export async function startProxysql(o: ProxysqlProcessOptions): Promise<ProxysqlProcess> {
  const bin = proxysqlBinary();
  if (!bin) throw new Error(`ProxySQL: ${proxysqlMissing()}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gw-proxysql-${o.adminPort}-`));
  const cnf = path.join(dir, 'proxysql.cnf');
  fs.writeFileSync(cnf, [
    `datadir="${dir}"`,
    'admin_variables=', '{', '  admin_credentials="admin:admin"', `  mysql_ifaces="127.0.0.1:${o.adminPort}"`, '}',
    'mysql_variables=', '{', '  threads=2', `  interfaces="127.0.0.1:${o.mysqlPort}"`,
    `  monitor_username="${o.monitorUser}"`, `  monitor_password="${o.monitorPassword}"`, '}', '',
  ].join('\n'));
  const child = killOnExit(spawn(bin, ['-f', '-e', '--no-version-check', '-c', cnf, '-D', dir], { stdio: ['ignore', 'pipe', 'pipe'] }));
  let out = '';
  const keep = (d: Buffer) => { out = (out + String(d)).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + (o.deadlineMs ?? 30_000);
  let admin: AdminClient | undefined;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`ProxySQL (admin port ${o.adminPort}) exited at start: ${out.slice(-2000)}`);
    }
    try {
      admin = await AdminClient.connect(adminLogin(o.adminPort));
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`ProxySQL admin 127.0.0.1:${o.adminPort} did not answer within ${o.deadlineMs ?? 30_000} ms: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    for (const s of [
      `INSERT INTO mysql_users (username,password,default_hostgroup,transaction_persistent) VALUES (${quote(o.appUser)},${quote(o.appPassword)},${int(o.writerHostgroup)},1)`,
      'LOAD MYSQL USERS TO RUNTIME',
      // a statement cut off on a writer that leaves the writer hostgroup must not run again on the next one
      "UPDATE global_variables SET variable_value='0' WHERE variable_name='mysql-query_retries_on_failure'",
      'LOAD MYSQL VARIABLES TO RUNTIME',
    ]) await admin.query(s);
  } catch (err) {
    await stop();
    throw new Error(`ProxySQL admin 127.0.0.1:${o.adminPort}: setting it up failed: ${(err as Error).message}`);
  } finally {
    admin.destroy();
  }
  return { adminPort: o.adminPort, mysqlPort: o.mysqlPort, get pid() { return child.pid; }, output: () => out, stop };
}
