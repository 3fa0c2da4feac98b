// Can fencing work with the probe account? Evicting needs SET GLOBAL wsrep_provider_options (SUPER, or
// SYSTEM_VARIABLES_ADMIN: MariaDB spells it SYSTEM VARIABLES ADMIN), and naming the member to evict needs
// SELECT on mysql.wsrep_cluster_members. Judged from the account's SHOW GRANTS lines. Pure.
import type { FencingOperative } from '../model/fencing.js';

export interface MissingGrant {
  /** what is missing, e.g. "SUPER or SYSTEM_VARIABLES_ADMIN" */
  privilege: string;
  /** what it is needed for */
  purpose: string;
  /** the statement to run, for the account the lines are for */
  grant: string;
}

interface Granted {
  privileges: Set<string>;
  /** `*.*`, `mysql.*` or `mysql.wsrep_cluster_members` (quotes removed, lower case) */
  object: string;
}

const unquote = (s: string): string => s.replace(/[`'"]/g, '').toLowerCase();

/** Parses `GRANT <privileges> ON <object> TO <account>` lines; role grants and PROXY lines are skipped. */
function parse(lines: readonly string[]): { granted: Granted[]; account: string | null } {
  const granted: Granted[] = [];
  let account: string | null = null;
  for (const line of lines) {
    const m = /^GRANT\s+(.+?)\s+ON\s+(\S+)\s+TO\s+(\S+@\S+|\S+)/i.exec(line.trim());
    if (m === null) continue;
    account ??= m[3]!.replace(/`/g, "'");
    // column lists ("SELECT (a, b)") are dropped: a column grant is not a table grant
    const privileges = new Set(m[1]!.replace(/[A-Z_ ]+\([^)]*\)/gi, '').split(',').map((p) => p.trim().toUpperCase().replace(/\s+/g, ' ')).filter((p) => p !== ''));
    granted.push({ privileges, object: unquote(m[2]!) });
  }
  return { granted, account };
}

const has = (g: Granted[], objects: string[], any: string[]): boolean =>
  g.some((x) => objects.includes(x.object) && any.some((p) => x.privileges.has(p)));

/** The privileges fencing needs that the SHOW GRANTS lines do not give. */
export function missingFencingGrants(lines: readonly string[]): MissingGrant[] {
  const { granted, account } = parse(lines);
  const to = account ?? "'<probe user>'@'<host>'";
  const missing: MissingGrant[] = [];
  if (!has(granted, ['*.*'], ['ALL PRIVILEGES', 'ALL', 'SUPER', 'SYSTEM VARIABLES ADMIN', 'SYSTEM_VARIABLES_ADMIN'])) {
    missing.push({ privilege: 'SUPER or SYSTEM_VARIABLES_ADMIN', purpose: 'SET GLOBAL wsrep_provider_options (evs.evict)', grant: `GRANT SUPER ON *.* TO ${to}` });
  }
  if (!has(granted, ['*.*', 'mysql.*', 'mysql.wsrep_cluster_members'], ['ALL PRIVILEGES', 'ALL', 'SELECT'])) {
    missing.push({ privilege: 'SELECT on mysql.wsrep_cluster_members', purpose: 'reading the ids of the view\'s members', grant: `GRANT SELECT ON mysql.wsrep_cluster_members TO ${to}` });
  }
  return missing;
}

/**
 * The verdict over the nodes whose grants are known (the account may differ per node): operative when every
 * known node gives what fencing needs; unknown (null) before any node's grants were read.
 */
export function fencingOperative(grants: Readonly<Record<string, readonly string[] | null>>): FencingOperative {
  const known = Object.entries(grants).filter((e): e is [string, readonly string[]] => e[1] !== null).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (known.length === 0) return { operative: null, reason: 'the probe account\'s grants have not been read yet (no node answered)', missing: [] };
  for (const [node, lines] of known) {
    const missing = missingFencingGrants(lines);
    if (missing.length > 0) {
      const reason = `the probe account lacks ${missing.map((m) => `${m.privilege} (for ${m.purpose})`).join(' and ')} on ${node}; run: ${missing.map((m) => `${m.grant};`).join(' ')}`;
      return { operative: false, reason, missing: missing.map((m) => ({ node, privilege: m.privilege, grant: m.grant })) };
    }
  }
  return { operative: true, reason: null, missing: [] };
}
