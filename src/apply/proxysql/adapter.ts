// ProxySQL as a router adapter: read mysql_servers (memory and runtime) -> pure plan -> write the memory
// layer -> LOAD MYSQL SERVERS TO RUNTIME (and SAVE ... TO DISK when configured) -> read runtime back and
// verify. The admin interface has no transactions: when a statement fails, the managed rows of the memory
// layer are put back as they were read and nothing is loaded, so the runtime never sees half a change.
import type { DecideNode } from '../../model/decide-config.js';
import type { DesiredRouting } from '../../model/decision.js';
import type { ApplyOutcome } from '../../model/tick.js';
import type { RouterAdapter } from '../router.js';
import type { AdminClientOptions } from './admin-client.js';
import { AdminClient, ProxySqlError, int } from './admin-client.js';
import { acquireClusterLock } from '../../coordinate/proxysql-cluster-lock.js';
import { monitorConflicts } from './monitor-conflicts.js';
import { commentWarnings, compareRows, insertStatement, planServers } from './plan.js';
import type { Hostgroups, ServerRow } from './servers.js';
import { SERVER_COLUMNS, addressOf, maintenanceOf, managedGroups, parseServerRow, readGroups, topologyOf } from './servers.js';
import { monotonicMs } from '../../model/monotonic.js';

export interface ProxySqlAdapterOptions {
  admin: AdminClientOptions;
  groups: Hostgroups;
  /** SAVE MYSQL SERVERS TO DISK after each change */
  saveToDisk?: boolean;
  /** the whole apply (read, write, load, verify) must end within this */
  applyTimeoutMs?: number;
  /** injected for tests and for the scheduler run, which shares one session; default AdminClient.connect */
  connect?: (o: AdminClientOptions) => Promise<AdminClient>;
  /** keep the admin session open between applies (daemon mode) */
  keepAlive?: boolean;
  /** the configured nodes, to name the current writers (default: "host:port", as in scheduler mode) */
  nodes?: readonly { name: string; host: string; port: number }[];
  /** warnings that do not stop an apply (a template comment that cannot be copied) */
  warn?: (msg: string) => void;
  /**
   * several ProxySQL nodes, one warden each (daemon mode): only the holder of the ProxySQL-cluster lock writes
   * (the lock of scheduler mode, same key); the others apply nothing and say so once
   */
  clusterLock?: { key: string; timeoutMs: number };
}

/** What ProxySQL routes by now, for a cold start: the writers and the nodes it keeps parked. */
export interface RoutingSnapshot {
  /** ONLINE in the writer hostgroup */
  writers: string[];
  /** in a maintenance group (9000+hg), or OFFLINE_SOFT / OFFLINE_HARD in the writer or reader hostgroup */
  parked: string[];
  /** every managed group is empty (a fresh installation: nothing to adopt) */
  empty: boolean;
}

export class ProxySqlAdapter implements RouterAdapter {
  readonly name = 'proxysql';
  #client: AdminClient | undefined;
  #closed = false;
  /** the last cluster-lock verdict, to log changes only */
  #holder: string | undefined;
  #checkedMonitors = false;
  /** the monitor check started early (prefetchMonitorCheck), for the first apply to take */
  #monitorCheck: Promise<string[]> | undefined;

  constructor(private readonly o: ProxySqlAdapterOptions) {
    if (!Number.isInteger(o.groups.writer) || !Number.isInteger(o.groups.reader)) throw new TypeError('hostgroups must be integers');
  }

  async #session(deadline: number): Promise<AdminClient> {
    if (this.#closed) throw new ProxySqlError('E_PROXYSQL_CONNECT', 'ProxySQL adapter is closed');
    if (!this.#client) {
      const connect = this.o.connect ?? ((opts) => AdminClient.connect(opts));
      // the session itself keeps only the configured deadline (a scheduler run's); each operation adds its own
      const timeout = Math.max(1, Math.min(this.o.admin.connectTimeoutMs ?? 2000, deadline - Date.now()));
      this.#client = await connect({ ...this.o.admin, connectTimeoutMs: timeout });
    }
    this.#client.limit(deadline);
    return this.#client;
  }

  async #done(ok: boolean): Promise<void> {
    if (ok && this.o.keepAlive) return;
    const c = this.#client;
    this.#client = undefined;
    if (!c) return;
    if (ok) await c.close();
    else c.destroy();
  }

  async #rows(client: AdminClient, table: 'mysql_servers' | 'runtime_mysql_servers'): Promise<ServerRow[]> {
    const rows = await client.query(`SELECT ${SERVER_COLUMNS} FROM ${table} WHERE hostgroup_id IN (${readGroups(this.o.groups).map(int).join(',')})`);
    return rows.map(parseServerRow);
  }

  /**
   * Starts the first apply's check of ProxySQL's own monitors (three reads) now, on the session, so that its round
   * trips overlap whatever the caller waits for meanwhile (a scheduler run: the probes; issue 16). The first
   * apply takes its warnings, or its error, as if it had read them itself.
   */
  prefetchMonitorCheck(): void {
    if (this.#checkedMonitors || this.#monitorCheck) return;
    const deadline = Date.now() + (this.o.applyTimeoutMs ?? 5000);
    this.#monitorCheck = this.#session(deadline).then((c) => monitorConflicts(c, this.o.groups));
    // the apply reports a failure; a run that ends before its apply drops it
    this.#monitorCheck.catch(() => undefined);
  }

  /** The cluster as the 8000 groups of the runtime describe it: DecideConfig.nodes for ProxySQL mode. */
  async readTopology(): Promise<DecideNode[]> {
    const deadline = Date.now() + (this.o.applyTimeoutMs ?? 5000);
    let ok = false;
    try {
      const client = await this.#session(deadline);
      const nodes = topologyOf(await this.#rows(client, 'runtime_mysql_servers'), this.o.groups);
      ok = true;
      return nodes;
    } finally {
      await this.#done(ok);
    }
  }

  /** The managed and template rows as loaded in the runtime (what ProxySQL routes by). */
  async actual(): Promise<ServerRow[]> {
    const deadline = Date.now() + (this.o.applyTimeoutMs ?? 5000);
    let ok = false;
    try {
      const rows = await this.#rows(await this.#session(deadline), 'runtime_mysql_servers');
      ok = true;
      return rows;
    } finally {
      await this.#done(ok);
    }
  }

  #name(r: ServerRow): string {
    const n = this.o.nodes?.find((x) => x.host === r.hostname && x.port === r.port);
    return n ? n.name : addressOf(r);
  }

  /** The routing ProxySQL holds in its runtime now (writer hostgroup ONLINE rows, parked nodes). */
  async snapshot(): Promise<RoutingSnapshot> {
    const rows = await this.actual();
    const g = this.o.groups;
    const managed = rows.filter((r) => managedGroups(g).includes(r.hostgroup));
    const writers = managed.filter((r) => r.hostgroup === g.writer && r.status === 'ONLINE').map((r) => this.#name(r));
    const parked = managed.filter((r) => r.hostgroup === maintenanceOf(g.writer) || r.hostgroup === maintenanceOf(g.reader) || r.status === 'OFFLINE_SOFT' || r.status === 'OFFLINE_HARD')
      .map((r) => this.#name(r));
    const sort = (a: string[]) => [...new Set(a)].sort();
    return { writers: sort(writers), parked: sort(parked).filter((p) => !writers.includes(p)), empty: managed.length === 0 };
  }

  /** The writers ProxySQL routes to now (node names), or null when the admin interface cannot tell. */
  async currentWriters(): Promise<string[] | null> {
    try {
      return (await this.snapshot()).writers;
    } catch {
      return null;
    }
  }

  async apply(desired: DesiredRouting): Promise<ApplyOutcome> {
    const started = monotonicMs();
    const deadline = Date.now() + (this.o.applyTimeoutMs ?? 5000);
    const outcome = (o: Omit<ApplyOutcome, 'router' | 'durationMs'>): ApplyOutcome => ({ router: this.name, durationMs: monotonicMs() - started, ...o });
    let client: AdminClient | undefined;
    let wrote = false;
    let before: ServerRow[] = [];
    let actions: string[] = [];
    try {
      client = await this.#session(deadline);
      if (this.o.clusterLock && !(await this.#lockHeld(client))) {
        await this.#done(true);
        return outcome({ ok: true, changed: false, actions: [] });
      }
      if (!this.#checkedMonitors) {
        this.#checkedMonitors = true;
        for (const w of await (this.#monitorCheck ?? monitorConflicts(client, this.o.groups))) this.o.warn?.(w);
      }
      before = await this.#rows(client, 'mysql_servers');
      const runtime = await this.#rows(client, 'runtime_mysql_servers');
      const plan = planServers(before, runtime, desired, this.o.groups);
      for (const w of commentWarnings(before, this.o.groups)) this.o.warn?.(`ProxySQL ${client.address}: ${w}`);
      actions = plan.actions;
      if (plan.noop) {
        await this.#done(true);
        return outcome({ ok: true, changed: false, actions: [] });
      }
      for (const s of plan.statements) {
        wrote = true;
        await client.query(s);
      }
      await client.query('LOAD MYSQL SERVERS TO RUNTIME');
      wrote = false; // loaded: memory and runtime agree again, nothing to put back
      if (this.o.saveToDisk) await client.query('SAVE MYSQL SERVERS TO DISK');
      // LOAD always answers OK: only the runtime table tells whether it took
      const mismatch = compareRows(await this.#rows(client, 'runtime_mysql_servers'), plan.target, this.o.groups, true);
      if (mismatch.length > 0) throw new ProxySqlError('E_PROXYSQL_VERIFY', `ProxySQL ${client.address}: after LOAD MYSQL SERVERS TO RUNTIME, runtime_mysql_servers differs from what was loaded in ${mismatch.length} row(s): ${mismatch.join('; ')}`);
      await this.#done(true);
      return outcome({ ok: true, changed: true, actions });
    } catch (err) {
      const e = err instanceof ProxySqlError ? err : new ProxySqlError('E_PROXYSQL_SQL', `ProxySQL ${this.o.admin.host}:${this.o.admin.port}: ${(err as Error).message}`);
      if (wrote && client) await this.#restore(client, before);
      await this.#done(false);
      return outcome({ ok: false, changed: false, actions, error: { code: e.code, message: e.message } });
    }
  }

  async #lockHeld(client: AdminClient): Promise<boolean> {
    const l = this.o.clusterLock!;
    const lock = await acquireClusterLock({
      local: client, self: { host: this.o.admin.host, port: this.o.admin.port }, key: l.key, timeoutMs: l.timeoutMs,
      connectPeer: (p) => AdminClient.connect({ ...this.o.admin, ...p, connectTimeoutMs: 1000, queryTimeoutMs: 1000 }),
    });
    const verdict = lock.acquired ? 'self' : lock.reason;
    if (verdict !== this.#holder) {
      this.o.warn?.(lock.acquired ? `ProxySQL ${client.address}: holding the ProxySQL-cluster lock ${l.key}: this warden writes mysql_servers` : `ProxySQL ${client.address}: ${lock.reason}: this warden writes nothing while it does`);
      this.#holder = verdict;
    }
    return lock.acquired;
  }

  /** Best effort: the managed rows of the memory layer as they were read (no LOAD: the runtime was not touched). */
  async #restore(client: AdminClient, before: readonly ServerRow[]): Promise<void> {
    const managed = managedGroups(this.o.groups);
    try {
      await client.query(`DELETE FROM mysql_servers WHERE hostgroup_id IN (${managed.map(int).join(',')})`);
      const rows = before.filter((r) => managed.includes(r.hostgroup));
      if (rows.length > 0) await client.query(insertStatement(rows));
    } catch {
      // the admin interface is failing: the runtime still holds the last loaded state
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    const c = this.#client;
    this.#client = undefined;
    await c?.close();
  }

  async destroy(): Promise<void> {
    this.#closed = true;
    this.#client?.destroy();
    this.#client = undefined;
  }
}
