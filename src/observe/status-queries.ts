// The statements a probe sends. Plain text queries only (no prepared statements), all valid on
// MariaDB Galera and Percona XtraDB Cluster, none needing any privilege except the members table.

/** wsrep status variables read with SHOW GLOBAL STATUS. */
export const STATUS_NAMES = [
  'wsrep_local_state',
  'wsrep_local_state_comment',
  'wsrep_cluster_status',
  'wsrep_ready',
  'wsrep_connected',
  'wsrep_local_index',
  'wsrep_local_recv_queue',
  'wsrep_cluster_size',
  'wsrep_cluster_conf_id',
  'wsrep_cluster_state_uuid',
  'wsrep_gcomm_uuid',
  'wsrep_incoming_addresses',
  'wsrep_evs_delayed',
  'wsrep_evs_evict_list',
] as const;

/** server variables read with SHOW GLOBAL VARIABLES (pxc_maint_mode exists on PXC only). */
export const VARIABLE_NAMES = [
  'wsrep_on',
  'wsrep_desync',
  'wsrep_reject_queries',
  'wsrep_sst_donor_rejects_queries',
  'pxc_maint_mode',
  'read_only',
  'wsrep_provider_options',
  'version',
] as const;

const list = (names: readonly string[]) => names.map((n) => `'${n}'`).join(',');

export const SQL_STATUS = `SHOW GLOBAL STATUS WHERE Variable_name IN (${list(STATUS_NAMES)})`;
export const SQL_VARIABLES = `SHOW GLOBAL VARIABLES WHERE Variable_name IN (${list(VARIABLE_NAMES)})`;

/**
 * Table-access check. Galera refuses every statement that touches a real table with error 1047
 * (ER_UNKNOWN_COM_ERROR, "WSREP has not yet prepared node for application use") while the node is
 * not Primary / not ready or under wsrep_reject_queries; that gate runs before the privilege and
 * existence checks. So this statement needs no grant and no such table: error 1142 (no privilege)
 * or 1146 (no such table) mean the gate let it through. Checked on MariaDB 10.11: the mysql.wsrep_*
 * tables, information_schema and performance_schema are exempt from the gate (readable under
 * wsrep_reject_queries=ALL), so they cannot serve as this check. An operator may create the table
 * and grant SELECT on it; the check then simply succeeds.
 */
export const SQL_TABLE_ACCESS = 'SELECT 1 FROM galera_warden.access_check LIMIT 0';

/** errnos that mean the gate passed the statement (the failure came from a later check). */
export const TABLE_ACCESS_PASSED_ERRNOS: ReadonlySet<number> = new Set([
  1142, // ER_TABLEACCESS_DENIED_ERROR: no SELECT privilege on the table
  1146, // ER_NO_SUCH_TABLE
  1049, // ER_BAD_DB_ERROR
  1044, // ER_DBACCESS_DENIED_ERROR
]);

/** MariaDB 10.4+: the members of the current Primary view (needs SELECT on this table). */
export const SQL_MEMBERS = 'SELECT node_uuid, node_name, node_incoming_address FROM mysql.wsrep_cluster_members';

/** errnos of the members read that mean "not available here", not a probe failure. */
export const MEMBERS_UNAVAILABLE_ERRNOS: ReadonlySet<number> = new Set([1142, 1146, 1049, 1044, 1047]);
