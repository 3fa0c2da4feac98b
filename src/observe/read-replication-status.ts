// The replication-aware probe path (async GTID replication, no wsrep): read_only, the replication threads,
// Seconds_Behind_Master, the GTID position and the master, on a logged-in session within the probe's deadline.
// The Galera probe (read-node-status.ts) is not involved.
import type { ReplicationStatus } from '../model/replication.js';
import { Deadline } from './deadline.js';
import { MysqlSession } from './mysql-session.js';

export const SQL_REPLICATION_VARIABLES = 'SELECT @@global.read_only, @@global.gtid_current_pos';
export const SQL_SLAVE_STATUS = 'SHOW SLAVE STATUS';

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return v === null || v === undefined ? '' : JSON.stringify(v);
}

/** Pure: the two answers as a ReplicationStatus (MariaDB's SHOW SLAVE STATUS column names). */
export function parseReplicationStatus(variables: readonly unknown[], slave: readonly Record<string, unknown>[]): ReplicationStatus {
  const row = Array.isArray(variables[0]) ? (variables[0] as unknown[]) : [];
  const s = slave[0] ?? {};
  const host = str(s.Master_Host);
  const behind = str(s.Seconds_Behind_Master);
  const port = Number(str(s.Master_Port));
  return {
    readOnly: str(row[0]) === '1' || str(row[0]).toUpperCase() === 'ON',
    ioRunning: str(s.Slave_IO_Running),
    sqlRunning: str(s.Slave_SQL_Running),
    secondsBehindMaster: behind === '' || !Number.isFinite(Number(behind)) ? null : Number(behind),
    gtidPosition: str(row[1]),
    master: host === '' ? null : { host, port: Number.isInteger(port) ? port : 0 },
    lastError: str(s.Last_IO_Error) || str(s.Last_SQL_Error),
  };
}

export async function readReplicationStatus(session: MysqlSession, deadline: Deadline): Promise<ReplicationStatus> {
  const variables = await deadline.race(session.query(SQL_REPLICATION_VARIABLES));
  const slave = await deadline.race(session.queryNamed(SQL_SLAVE_STATUS));
  return parseReplicationStatus(variables, slave);
}

export interface ReplicationProbeOptions {
  user: string;
  password: string;
  connectTimeoutMs: number;
  /** hard deadline for login and both queries */
  timeoutMs: number;
}

/** One replication probe on a fresh session: connect, log in, read, close; rejects on failure or deadline. */
export async function probeReplication(target: { host: string; port: number }, o: ReplicationProbeOptions): Promise<ReplicationStatus> {
  const session = new MysqlSession(target, { user: o.user, password: o.password, connectTimeoutMs: o.connectTimeoutMs });
  const deadline = new Deadline(o.timeoutMs, () => session.destroy());
  try {
    await deadline.race(session.ready);
    return await readReplicationStatus(session, deadline);
  } finally {
    deadline.clear();
    session.close();
  }
}
