// The agent's one long-lived session to the local ProxySQL admin interface. Calls run one at a time on
// a single connection; each has a hard deadline counted from the moment it is asked (waiting in line
// included), after which the socket is destroyed. A lost connection is re-opened lazily, no sooner than
// an exponential backoff allows; until then calls fail at once. So a wedged admin interface (SIGSTOP:
// it accepts TCP and never answers) costs at most one socket and a bounded queue, never a pile-up.
import { AdminClient, ProxySqlError } from '../apply/proxysql/admin-client.js';
import type { AdminRow, AdminTarget } from '../apply/proxysql/admin-client.js';

export interface AdminSessionOptions extends AdminTarget {
  /** TCP connect + login (capped by the call's own deadline) */
  connectTimeoutMs?: number;
  /** default deadline of one call */
  callTimeoutMs?: number;
  /** first and largest pause between two connection attempts */
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** calls allowed to wait in line; more fail at once with E_PROXYSQL_BUSY */
  maxWaiting?: number;
}

export interface AdminSessionState {
  connected: boolean;
  /** connections opened since start */
  connects: number;
  /** consecutive failed attempts or calls */
  failures: number;
  /** epoch ms of the last call answered, 0 if none */
  lastOkAt: number;
  lastError: string | undefined;
  waiting: number;
}

export class AdminSession {
  readonly address: string;
  readonly #o: Required<Omit<AdminSessionOptions, keyof AdminTarget>> & AdminTarget;
  #client: AdminClient | undefined;
  #tail: Promise<void> = Promise.resolve();
  #waiting = 0;
  #nextAttemptAt = 0;
  #connects = 0;
  #failures = 0;
  #lastOkAt = 0;
  #lastError: string | undefined;
  #closed = false;
  /** aborts a connection attempt under way when the session is closed */
  readonly #closing = new AbortController();

  constructor(o: AdminSessionOptions) {
    this.#o = { connectTimeoutMs: 2000, callTimeoutMs: 3000, backoffMinMs: 250, backoffMaxMs: 10_000, maxWaiting: 8, ...o };
    if (this.#o.backoffMinMs < 1 || this.#o.backoffMaxMs < this.#o.backoffMinMs) throw new RangeError('AdminSession: need 1 <= backoffMinMs <= backoffMaxMs');
    this.address = `${o.host}:${o.port}`;
  }

  get state(): AdminSessionState {
    return { connected: this.#client !== undefined, connects: this.#connects, failures: this.#failures, lastOkAt: this.#lastOkAt, lastError: this.#lastError, waiting: this.#waiting };
  }

  /** Runs one statement by `timeoutMs` from now (default callTimeoutMs), or throws a ProxySqlError. */
  async query(sql: string, timeoutMs = this.#o.callTimeoutMs): Promise<AdminRow[]> {
    if (this.#closed) throw new ProxySqlError('E_PROXYSQL_CONNECT', `ProxySQL admin ${this.address}: session closed`);
    if (this.#waiting >= this.#o.maxWaiting) {
      throw new ProxySqlError('E_PROXYSQL_TIMEOUT', `ProxySQL admin ${this.address}: ${this.#waiting} calls already waiting (admin interface slow or wedged)`);
    }
    const deadline = Date.now() + timeoutMs;
    const before = this.#tail;
    let release!: () => void;
    const mine = new Promise<void>((r) => { release = r; });
    // the next call waits for this one AND the ones before it, even if this one gives up early
    this.#tail = before.then(() => mine);
    this.#waiting += 1;
    try {
      await this.#until(before, deadline, sql);
      return await this.#run(sql, deadline);
    } finally {
      this.#waiting -= 1;
      release();
    }
  }

  /** Runs statements in order, each under its own deadline; the rows of the last. */
  async queries(statements: readonly string[], timeoutMs = this.#o.callTimeoutMs): Promise<AdminRow[]> {
    let rows: AdminRow[] = [];
    for (const s of statements) rows = await this.query(s, timeoutMs);
    return rows;
  }

  async #until(turn: Promise<void>, deadline: number, sql: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => { timer = setTimeout(() => r('late'), Math.max(0, deadline - Date.now())); });
    try {
      if ((await Promise.race([turn.then(() => 'turn' as const), late])) === 'late') {
        throw new ProxySqlError('E_PROXYSQL_TIMEOUT', `ProxySQL admin ${this.address}: "${short(sql)}" still waiting behind an unanswered call at its deadline`);
      }
    } finally {
      clearTimeout(timer);
    }
  }

  async #run(sql: string, deadline: number): Promise<AdminRow[]> {
    const client = await this.#connected(deadline);
    client.limit(deadline);
    try {
      const rows = await client.query(sql);
      this.#ok();
      return rows;
    } catch (err) {
      const e = err as ProxySqlError;
      // a refused statement leaves the session usable; anything else (timeout, closed) drops it
      if (e.code === 'E_PROXYSQL_SQL' || e.code === 'E_PROXYSQL_LOCKED') this.#ok();
      else this.#lost(client, e);
      throw err;
    } finally {
      client.limit(undefined);
    }
  }

  async #connected(deadline: number): Promise<AdminClient> {
    if (this.#client) return this.#client;
    const now = Date.now();
    if (now < this.#nextAttemptAt) {
      throw new ProxySqlError('E_PROXYSQL_CONNECT', `ProxySQL admin ${this.address}: not connected, next attempt in ${this.#nextAttemptAt - now} ms (last error: ${this.#lastError ?? 'none'})`);
    }
    const timeout = Math.max(1, Math.min(this.#o.connectTimeoutMs, deadline - now));
    try {
      const c = await AdminClient.connect({ host: this.#o.host, port: this.#o.port, user: this.#o.user, password: this.#o.password, connectTimeoutMs: timeout, queryTimeoutMs: this.#o.callTimeoutMs, signal: this.#closing.signal });
      this.#connects += 1;
      if (this.#closed) {
        c.destroy();
        throw new ProxySqlError('E_PROXYSQL_CONNECT', `ProxySQL admin ${this.address}: session closed`);
      }
      this.#client = c;
      return c;
    } catch (err) {
      this.#lost(undefined, err as ProxySqlError);
      throw err;
    }
  }

  #ok(): void {
    this.#failures = 0;
    this.#lastOkAt = Date.now();
  }

  #lost(client: AdminClient | undefined, err: Error): void {
    client?.destroy();
    if (client === undefined || this.#client === client) this.#client = undefined;
    this.#failures += 1;
    this.#lastError = err.message;
    const pause = Math.min(this.#o.backoffMaxMs, this.#o.backoffMinMs * 2 ** Math.min(20, this.#failures - 1));
    this.#nextAttemptAt = Date.now() + pause;
  }

  /** Lets the next call try to connect at once (a forced resync, a test). */
  resetBackoff(): void {
    this.#nextAttemptAt = 0;
  }

  /** COM_QUIT on the open connection (a connection attempt under way is cut); later calls fail. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    const c = this.#client;
    this.#client = undefined;
    await c?.close();
  }

  destroy(): void {
    this.#closed = true;
    this.#closing.abort();
    this.#client?.destroy();
    this.#client = undefined;
  }
}

function short(sql: string): string {
  return sql.length > 60 ? `${sql.slice(0, 57)}...` : sql;
}
