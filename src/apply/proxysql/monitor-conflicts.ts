// ProxySQL's own monitors move servers between hostgroups too: a mysql_galera_hostgroups or
// mysql_replication_hostgroups row that covers galera-warden's hostgroups makes the two fight over the same
// rows. Read at start (daemon) and on every scheduler run; each conflict is a warning naming the row. Also
// mysql-query_retries_on_failure other than 0 (a statement retried on the new writer may commit twice).
import type { AdminClient } from './admin-client.js';
import type { Hostgroups } from './servers.js';
import { managedGroups } from './servers.js';

const COLUMNS: Record<string, string[]> = {
  mysql_galera_hostgroups: ['writer_hostgroup', 'backup_writer_hostgroup', 'reader_hostgroup', 'offline_hostgroup'],
  mysql_replication_hostgroups: ['writer_hostgroup', 'reader_hostgroup'],
};

/** Rows of ProxySQL's runtime monitor tables that name one of the managed or configuration hostgroups. */
export async function monitorConflicts(client: AdminClient, g: Hostgroups): Promise<string[]> {
  const ours = new Set([...managedGroups(g), g.backupWriter, g.backupReader]);
  const out: string[] = [];
  for (const [table, cols] of Object.entries(COLUMNS)) {
    let rows: Record<string, string | null>[];
    try {
      rows = await client.query(`SELECT ${cols.join(',')} FROM runtime_${table}`);
    } catch (err) {
      // an admin interface without the table has no such monitor; anything else (timeout, closed) is the apply's error
      if ((err as { code?: string }).code === 'E_PROXYSQL_SQL') continue;
      throw err;
    }
    for (const r of rows) {
      const hit = cols.filter((c) => ours.has(Number(r[c])));
      if (hit.length === 0) continue;
      out.push(`ProxySQL ${client.address}: ${table} row (${cols.map((c) => `${c}=${r[c]}`).join(', ')}) covers galera-warden's hostgroups `
        + `(${hit.map((c) => `${c} ${r[c]}`).join(', ')}): ProxySQL's own monitor would move the same servers; delete that row or pick other hostgroups`);
    }
  }
  try {
    const v = await client.query("SELECT variable_value FROM runtime_global_variables WHERE variable_name='mysql-query_retries_on_failure'");
    const retries = v[0]?.variable_value;
    if (retries !== undefined && retries !== null && retries !== '0') {
      out.push(`ProxySQL ${client.address}: mysql-query_retries_on_failure=${retries}: a statement cut off when the writer moves can be re-run on the new writer and commit twice; set it to 0 (galera-warden proxysql install does; docs/proxysql.md)`);
    }
  } catch (err) {
    if ((err as { code?: string }).code !== 'E_PROXYSQL_SQL') throw err;
  }
  return out;
}
