// The queries of one probe on a logged-in session, each raced against the probe's deadline.
import type { ClusterMember, NodeStatus, TableAccess } from '../model/observation.js';
import type { ProbePhase } from './classify-error.js';
import type { Deadline } from './deadline.js';
import type { MysqlSession } from './mysql-session.js';
import { parseMembers, parseNodeStatus, toVariableMap } from './parse-status.js';
import {
  MEMBERS_UNAVAILABLE_ERRNOS,
  SQL_MEMBERS,
  SQL_STATUS,
  SQL_TABLE_ACCESS,
  SQL_VARIABLES,
  TABLE_ACCESS_PASSED_ERRNOS,
} from './status-queries.js';

interface ServerError {
  errno?: unknown;
  fatal?: unknown;
  sqlMessage?: unknown;
  message?: unknown;
}

/** A non-fatal error the server sent back for one statement (the session is still fine). */
function serverErrno(err: unknown): number | undefined {
  const e = err as ServerError | undefined;
  if (!e || e.fatal === true || typeof e.errno !== 'number' || e.errno <= 0) return undefined;
  return e.errno;
}

async function checkTableAccess(session: MysqlSession, deadline: Deadline): Promise<TableAccess> {
  try {
    await deadline.race(session.query(SQL_TABLE_ACCESS));
    return { ok: true };
  } catch (err) {
    const errno = serverErrno(err);
    if (errno === undefined) throw err;
    if (TABLE_ACCESS_PASSED_ERRNOS.has(errno)) return { ok: true };
    const e = err as ServerError;
    const message = typeof e.sqlMessage === 'string' ? e.sqlMessage : String(e.message);
    return { ok: false, errno, message };
  }
}

async function readMembers(session: MysqlSession, deadline: Deadline): Promise<ClusterMember[] | undefined> {
  try {
    return parseMembers(await deadline.race(session.query(SQL_MEMBERS)));
  } catch (err) {
    const errno = serverErrno(err);
    if (errno !== undefined && MEMBERS_UNAVAILABLE_ERRNOS.has(errno)) return undefined;
    throw err;
  }
}

/**
 * Reads the node's state. `onPhase` is told each step before it starts, so that a failure or a
 * timeout can say where the node got stuck. Throws driver errors and DeadlineExceeded.
 */
export async function readNodeStatus(session: MysqlSession, deadline: Deadline, onPhase: (phase: ProbePhase) => void): Promise<NodeStatus> {
  onPhase('status query');
  const status = toVariableMap(await deadline.race(session.query(SQL_STATUS)));
  onPhase('variables query');
  const variables = toVariableMap(await deadline.race(session.query(SQL_VARIABLES)));
  onPhase('table access check');
  const tableAccess = await checkTableAccess(session, deadline);
  // Members only from a node that serves tables: a node outside the Primary component keeps a stale list.
  let members: ClusterMember[] | undefined;
  if (tableAccess.ok && status.size > 0) {
    onPhase('members query');
    members = await readMembers(session, deadline);
  }
  return parseNodeStatus(status, variables, tableAccess, members);
}
