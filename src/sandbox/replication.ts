// The replication topology of the sandbox: one primary and N-1 replicas with MariaDB GTID replication, no wsrep.
// Node 1 starts as primary; `promote N` does what Orchestrator's recovery does (stop and reset replication on N,
// read_only off, re-point every other running node at N with read_only on).
import fs from 'node:fs';
import { SandboxError } from '../model/errors.js';
import type { SandboxLayout, SandboxNode } from './layout.js';
import { nodePaths } from './layout.js';
import { serverLines } from './my-cnf.js';
import { livePid } from './node-process.js';
import { run, sleep, sqlOverSocket } from './shell.js';

export const REPLICATION_USER = 'repl';

export function renderReplicationCnf(node: SandboxNode): string {
  return [
    '# written by galera-warden sandbox (replication topology): do not edit, `sandbox up` rewrites it',
    ...serverLines(node),
    `server_id=${node.index}`,
    'log_bin=binlog',
    'log_slave_updates=ON',
    'binlog_format=ROW',
    'gtid_strict_mode=ON',
    'relay_log=relay',
    // a restarted node resumes replication by itself (its master.info is kept); read_only is set at run time
    '',
  ].join('\n');
}

/** Resolves once the node answers SQL over its socket; fails early when its process dies. */
export async function waitAnswering(node: SandboxNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (livePid(node) === undefined) throw new SandboxError(`${node.name} exited while starting; see ${nodePaths(node).errorLog}`);
    try {
      await sqlOverSocket(nodePaths(node).socket, 'SELECT 1', 2000);
      return;
    } catch {
      await sleep(150);
    }
  }
  throw new SandboxError(`${node.name} did not answer within ${timeoutMs} ms; see ${nodePaths(node).errorLog}`);
}

const sql = (n: SandboxNode, q: string): Promise<string[][]> => sqlOverSocket(nodePaths(n).socket, q, 15_000);

/** Makes `replica` replicate from `master` by GTID (its current position), read_only on. */
export async function attach(replica: SandboxNode, master: SandboxNode, password: string): Promise<void> {
  await sql(replica, [
    'STOP SLAVE',
    `CHANGE MASTER TO MASTER_HOST='${master.host}', MASTER_PORT=${master.sqlPort}, MASTER_USER='${REPLICATION_USER}', MASTER_PASSWORD='${password}', MASTER_USE_GTID=current_pos, MASTER_CONNECT_RETRY=1`,
    'START SLAVE',
    'SET GLOBAL read_only=ON',
  ].join(';'));
}

/** Orchestrator's recovery by hand: `promoted` becomes primary, every other running node follows it. */
export async function promote(layout: SandboxLayout, promoted: SandboxNode, password: string): Promise<void> {
  await sql(promoted, 'STOP SLAVE; RESET SLAVE ALL; SET GLOBAL read_only=OFF');
  const others = layout.nodes.filter((n) => n.index !== promoted.index && livePid(n) !== undefined);
  for (const n of others) await attach(n, promoted, password);
}

export interface ReplicationNodeState {
  readOnly: boolean;
  ioRunning: string;
  sqlRunning: string;
  secondsBehindMaster: number | null;
  gtidCurrentPos: string;
  /** host:port it replicates from; null when it has no master */
  master: string | null;
  lastError: string;
}

/** What `sandbox status` shows for a node of a replication sandbox. */
export async function replicationState(node: SandboxNode): Promise<ReplicationNodeState> {
  const [vars] = await sqlOverSocket(nodePaths(node).socket, 'SELECT @@read_only, @@gtid_current_pos', 2000);
  const { stdout } = await run('mariadb', ['--no-defaults', '-uroot', '-S', nodePaths(node).socket, '-E', '-e', 'SHOW SLAVE STATUS'], { timeoutMs: 2000 });
  const field = (name: string): string => new RegExp(`^\\s*${name}: (.*)$`, 'm').exec(stdout)?.[1]?.trim() ?? '';
  const host = field('Master_Host');
  const behind = field('Seconds_Behind_Master');
  return {
    readOnly: vars?.[0] === '1',
    ioRunning: field('Slave_IO_Running') || 'No',
    sqlRunning: field('Slave_SQL_Running') || 'No',
    secondsBehindMaster: behind === '' || behind === 'NULL' ? null : Number(behind),
    gtidCurrentPos: vars?.[1] ?? '',
    master: host === '' ? null : `${host}:${field('Master_Port')}`,
    lastError: field('Last_IO_Error') || field('Last_SQL_Error'),
  };
}

/** Waits until `replica` has applied everything `master` has (its gtid_current_pos contains the master's). */
export async function waitCaughtUp(replica: SandboxNode, master: SandboxNode, timeoutMs: number): Promise<void> {
  const [[pos] = []] = await sql(master, 'SELECT @@gtid_binlog_pos');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [[done] = []] = await sql(replica, `SELECT MASTER_GTID_WAIT('${pos ?? ''}', 1)`);
    if (done === '0') return;
  }
  const s = await replicationState(replica);
  throw new SandboxError(`${replica.name} did not catch up with ${master.name} within ${timeoutMs} ms (IO ${s.ioRunning}, SQL ${s.sqlRunning}: ${s.lastError})`);
}

export function writeReplicationCnfs(layout: SandboxLayout): void {
  for (const n of layout.nodes) {
    fs.mkdirSync(nodePaths(n).data, { recursive: true });
    fs.mkdirSync(nodePaths(n).tmp, { recursive: true });
    fs.writeFileSync(nodePaths(n).cnf, renderReplicationCnf(n));
  }
}
