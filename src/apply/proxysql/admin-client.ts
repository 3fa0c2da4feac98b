// A client for ProxySQL's admin interface: text protocol only (`query`, never `execute`: the admin
// interface has no prepared statements), one statement per call (only the first of several would run),
// values quoted by doubling ' (backslash is no escape there), and a hard deadline on every step that
// destroys the socket, so a wedged admin interface can never hold a run past its deadline.
import mysql from 'mysql2';
import type { Connection, FieldPacket, QueryError, ResultSetHeader, RowDataPacket } from 'mysql2';
import type { Secret } from '../../config/secret.js';
import { WardenError } from '../../model/errors.js';

export type AdminErrorCode =
  | 'E_PROXYSQL_AUTH' // wrong user or password (1045 "ProxySQL Error: Access denied ...")
  | 'E_PROXYSQL_SQL' // the statement was refused (1045 "ProxySQL Admin Error: ...")
  | 'E_PROXYSQL_LOCKED' // SQLite "database is locked" (1205)
  | 'E_PROXYSQL_TIMEOUT' // no answer before the deadline
  | 'E_PROXYSQL_CONNECT' // refused, unreachable, closed
  | 'E_PROXYSQL_VERIFY'; // the runtime does not show what was loaded

export class ProxySqlError extends WardenError {
  constructor(code: AdminErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

export interface AdminTarget {
  host: string;
  port: number;
  user: string;
  password: Secret<string> | string;
}

export interface AdminClientOptions extends AdminTarget {
  /** TCP connect + login */
  connectTimeoutMs?: number;
  /** one statement */
  queryTimeoutMs?: number;
  /** absolute time (epoch ms) after which nothing more is attempted */
  deadline?: number;
  /** aborted while connecting: the socket is destroyed and connect() rejects */
  signal?: AbortSignal;
}

/** A string literal for the admin interface: '' doubles a quote; a backslash stays a backslash. */
export function quote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** An integer literal, refusing anything that is not one (nothing else is ever spliced into SQL). */
export function int(value: number): string {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return String(value);
}

export type AdminRow = Record<string, string | null>;

const reveal = (p: Secret<string> | string): string => (typeof p === 'string' ? p : p.reveal());

function classify(err: unknown, where: string): ProxySqlError {
  if (err instanceof ProxySqlError) return err;
  const e = err as QueryError & { errno?: number };
  const message = e?.message ?? String(err);
  // mysql2's own connectTimeout: TCP accepted (or not) but no handshake / login answer in time
  if ((e as { code?: string })?.code === 'ETIMEDOUT') return new ProxySqlError('E_PROXYSQL_TIMEOUT', `ProxySQL admin ${where}: no answer in time (${message})`, { cause: err });
  if (e?.errno === 1205 || /database is locked/i.test(message)) return new ProxySqlError('E_PROXYSQL_LOCKED', `ProxySQL admin ${where}: database is locked (1205): ${message}`, { cause: err });
  if (e?.errno === 1045 && /Access denied/i.test(message) && !/Admin Error/i.test(message)) return new ProxySqlError('E_PROXYSQL_AUTH', `ProxySQL admin ${where}: ${message}`, { cause: err });
  if (e?.errno !== undefined && e.errno > 0 && e.fatal !== true) return new ProxySqlError('E_PROXYSQL_SQL', `ProxySQL admin ${where}: ${message}`, { cause: err });
  return new ProxySqlError('E_PROXYSQL_CONNECT', `ProxySQL admin ${where}: ${message}`, { cause: err });
}

export class AdminClient {
  readonly address: string;
  #conn: Connection | undefined;
  readonly #o: AdminClientOptions;
  /** a tighter deadline for the operation under way (an apply), on top of the session's own */
  #step: number | undefined;

  private constructor(o: AdminClientOptions) {
    this.#o = o;
    this.address = `${o.host}:${o.port}`;
  }

  /** Connects and logs in, or throws a ProxySqlError by the deadline. */
  static async connect(o: AdminClientOptions): Promise<AdminClient> {
    const c = new AdminClient(o);
    const timeout = c.#remaining(o.connectTimeoutMs ?? 2000);
    const conn = mysql.createConnection({
      host: o.host, port: o.port, user: o.user, password: reveal(o.password), connectTimeout: timeout,
      // the admin interface has no transactions, schemas or session variables worth setting
      multipleStatements: false, supportBigNumbers: true, dateStrings: true,
      // never prepares (ProxySQL admin has no prepared statements); mysql2 otherwise preallocates a
      // 16,000-entry statement cache (~0.5 MB) per connection
      maxPreparedStatements: 1,
    });
    c.#conn = conn;
    conn.on('error', () => undefined);
    const given = (): ProxySqlError => new ProxySqlError('E_PROXYSQL_CONNECT', `ProxySQL admin ${c.address}: connect given up (closing)`);
    let onAbort: (() => void) | undefined;
    try {
      await c.#within(timeout, 'login', () => new Promise<void>((resolve, reject) => {
        onAbort = (): void => { c.destroy(); reject(given()); };
        if (o.signal?.aborted) return onAbort();
        o.signal?.addEventListener('abort', onAbort, { once: true });
        conn.connect((err) => (err ? reject(err) : resolve()));
      }));
    } finally {
      if (onAbort) o.signal?.removeEventListener('abort', onAbort);
    }
    return c;
  }

  /** The deadline in force: the session's, or the operation's if sooner. */
  get deadline(): number | undefined {
    const d = Math.min(this.#o.deadline ?? Infinity, this.#step ?? Infinity);
    return Number.isFinite(d) ? d : undefined;
  }

  /** Bounds the statements that follow by `deadline` too (undefined: only the session's deadline again). */
  limit(deadline: number | undefined): void {
    this.#step = deadline;
  }

  #remaining(cap: number): number {
    const d = this.deadline;
    const left = d === undefined ? cap : d - Date.now();
    return Math.max(1, Math.min(cap, left));
  }

  async #within<T>(ms: number, what: string, run: () => Promise<T>): Promise<T> {
    const d = this.deadline;
    if (d !== undefined && Date.now() >= d) {
      this.destroy();
      throw new ProxySqlError('E_PROXYSQL_TIMEOUT', `ProxySQL admin ${this.address}: deadline passed before ${what}`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.destroy();
        reject(new ProxySqlError('E_PROXYSQL_TIMEOUT', `ProxySQL admin ${this.address}: no answer to ${what} within ${ms} ms`));
      }, ms);
    });
    try {
      return await Promise.race([run(), timedOut]);
    } catch (err) {
      throw classify(err, `${this.address} (${what})`);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs one statement; rows for a SELECT, the affected-row count otherwise. */
  async query(sql: string): Promise<AdminRow[]> {
    const conn = this.#conn;
    if (!conn) throw new ProxySqlError('E_PROXYSQL_CONNECT', `ProxySQL admin ${this.address}: not connected`);
    const what = sql.length > 80 ? `${sql.slice(0, 77)}...` : sql;
    return this.#within(this.#remaining(this.#o.queryTimeoutMs ?? 2000), `"${what}"`, () => new Promise<AdminRow[]>((resolve, reject) => {
      conn.query(sql, (err: QueryError | null, rows: RowDataPacket[] | ResultSetHeader, _f: FieldPacket[]) => {
        if (err) reject(err);
        else resolve(Array.isArray(rows) ? (rows) : []);
      });
    }));
  }

  /** COM_QUIT, or destroy when that does not finish at once. */
  async close(): Promise<void> {
    const conn = this.#conn;
    this.#conn = undefined;
    if (!conn) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => { conn.destroy(); resolve(); }, 200);
      conn.end(() => { clearTimeout(timer); resolve(); });
    });
  }

  destroy(): void {
    this.#conn?.destroy();
    this.#conn = undefined;
  }
}
