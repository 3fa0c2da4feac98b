// The probe account's grants (SHOW GRANTS), read when fencing is on: whether fencing can work is judged from
// them (src/decide/fencing-grants.ts). Password hashes and authentication clauses are cut off the lines.
import type { Deadline } from './deadline.js';
import type { MysqlSession } from './mysql-session.js';

/** Fresh sessions only; with a new connection per probe, at most this often (and after every failed probe). */
export const GRANTS_RECHECK_MS = 60_000;

export function cleanGrantLine(line: string): string {
  return line.replace(/\s+IDENTIFIED\s+(BY|VIA|WITH)\b.*$/is, '').trim();
}

/** SHOW GRANTS as lines; undefined when the server refuses it (the verdict then waits for a later read). */
export async function readGrants(session: MysqlSession, deadline: Deadline): Promise<string[] | undefined> {
  try {
    const rows = (await deadline.race(session.query('SHOW GRANTS'))) as unknown[][];
    return rows.map((r) => (typeof r[0] === 'string' ? cleanGrantLine(r[0]) : '')).filter((l) => l !== '');
  } catch (err) {
    if (deadline.passed) throw err;
    return undefined;
  }
}
