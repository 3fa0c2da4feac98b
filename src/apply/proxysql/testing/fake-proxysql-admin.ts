// A stand-in for ProxySQL's admin interface (port 6032) speaking the MySQL protocol (mysql2's createServer),
// for tests of the ProxySQL adapter, the scheduler mode and the cluster lock. The tables and layers are in
// admin-sql.ts; this file adds what a client sees on the wire: login (errno 1045 "ProxySQL Error: Access
// denied ..."), SQL errors (also 1045, prefix "ProxySQL Admin Error: "), no prepared statements, only the
// first of several statements run, every value a string. Test hooks: a server that never answers (TCP only,
// or after login: wedged), injected faults (e.g. 1205 "database is locked"), a LOAD that does not take.
import { nativePasswordMatches } from '../../../testing/mysql-native-password.js';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import mysql from 'mysql2';
import type { Result, Row } from './admin-sql.js';
import { AdminSqlError, AdminStore, firstStatement } from './admin-sql.js';

export type AdminMode =
  /** a working admin interface */
  | 'answer'
  /** accepts TCP, never sends the handshake */
  | 'silent'
  /** completes the login, then never answers a statement (a wedged admin thread) */
  | 'wedged';

export interface AdminFault {
  /** statements matching this fail */
  match: RegExp;
  errno: number;
  message: string;
  /** how many times; undefined: always */
  times?: number;
}

export interface FakeAdminOptions {
  user?: string;
  password?: string;
  /** listen port; 0 (default) picks a free one */
  port?: number;
  /** mysql-monitor_username / mysql-monitor_password in global_variables */
  monitorUser?: string;
  monitorPassword?: string;
}

interface ServerConn {
  stream: Socket;
  sequenceId: number;
  serverHandshake(args: Record<string, unknown>): void;
  on(event: 'query' | 'stmt_prepare', listener: (sql: string) => void): void;
  on(event: 'stmt_execute', listener: (...args: unknown[]) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'quit', listener: () => void): void;
  writeColumns(columns: object[]): void;
  writeTextRow(values: (string | null)[]): void;
  writeEof(): void;
  writeOk(args?: { affectedRows?: number }): void;
  writeError(args: { code: number; message: string }): void;
}

interface Mysql2Server {
  _server: NetServer;
  on(event: 'connection', listener: (conn: ServerConn) => void): void;
}


const column = (name: string) => ({
  catalog: 'def', schema: '', table: '', orgTable: '', name, orgName: name,
  characterSet: 33, columnLength: 1024, columnType: 253, flags: 0, decimals: 0,
});

/**
 * ProxySQL's admin sends text as stored (4-byte UTF-8 for an emoji) under charset 33 (utf8mb3), which a client
 * decodes as CESU-8: each byte of a 4-byte character becomes a replacement character (measured with mysql2).
 */
const utf8mb3 = (v: string | null): string | null => (v === null ? v : v.replace(/[\u{10000}-\u{10FFFF}]/gu, '\uFFFD'.repeat(4)));

export class FakeProxySqlAdmin {
  readonly store: AdminStore;
  mode: AdminMode = 'answer';
  readonly faults: AdminFault[] = [];
  /** every statement received (as sent, before the first-statement cut), in order */
  readonly queries: string[] = [];
  /** LOAD ... TO RUNTIME is answered OK but does nothing while this is set */
  loadIgnored = false;
  /** servers ("host:port") with connections in use: kept in runtime as OFFLINE_HARD when removed */
  readonly busyServers = new Set<string>();
  /** delay before every answer, ms */
  delayMs = 0;
  connections = 0;
  readonly #user: string;
  readonly #password: string;
  readonly #server: Mysql2Server;
  readonly #sockets = new Set<Socket>();

  private constructor(options: FakeAdminOptions) {
    this.#user = options.user ?? 'admin';
    this.#password = options.password ?? 'admin';
    this.store = new AdminStore({ onLoadToRuntime: () => !this.loadIgnored, busyServers: () => this.busyServers });
    // the monitor account ProxySQL checks backends with (and pxcScheduler, and galera-warden, probe them with)
    for (const layer of ['memory', 'runtime', 'disk'] as const) {
      this.store.insert(layer, 'global_variables', { variable_name: 'mysql-monitor_username', variable_value: options.monitorUser ?? 'monitor' });
      this.store.insert(layer, 'global_variables', { variable_name: 'mysql-monitor_password', variable_value: options.monitorPassword ?? 'monitor' });
    }
    this.#server = mysql.createServer(() => undefined) as unknown as Mysql2Server;
    this.#server._server.on('connection', (socket: Socket) => {
      // a reply is several small writes: without this, Nagle + delayed ACK add ~40 ms per statement
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    });
    this.#server.on('connection', (conn) => this.#accept(conn));
  }

  static async start(options: FakeAdminOptions = {}): Promise<FakeProxySqlAdmin> {
    const fake = new FakeProxySqlAdmin(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server._server.once('error', reject);
      fake.#server._server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    return (this.#server._server.address() as AddressInfo).port;
  }

  get openConnections(): number {
    return this.#sockets.size;
  }

  /** Runs statements as the operator would at the admin prompt (each through the same executor). */
  exec(...statements: string[]): Result[] {
    return statements.map((s) => this.store.execute(s));
  }

  /** Rows of a table as objects, e.g. table("runtime_mysql_servers"). */
  table(name: string): Row[] {
    const { layer, table } = this.store.resolve(name);
    return this.store.rows(layer, table).map((r) => ({ ...r }));
  }

  /** Sets a runtime status as ProxySQL's own monitor would (e.g. SHUNNED after connection errors). */
  setRuntimeStatus(hostgroup: number, hostname: string, port: number, status: string): void {
    for (const r of this.store.rows('runtime', 'mysql_servers')) {
      if (r.hostgroup_id === String(hostgroup) && r.hostname === hostname && r.port === String(port)) r.status = status;
    }
  }

  /** Makes the next `times` statements matching `match` fail with SQLite's "database is locked" (1205). */
  lockDatabase(match = /./, times = 1): void {
    this.faults.push({ match, errno: 1205, message: 'ProxySQL Admin Error: database is locked', times });
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server._server.close(() => resolve()));
  }

  #accept(conn: ServerConn): void {
    this.connections++;
    conn.on('error', () => undefined);
    if (this.mode === 'silent') return;
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: '5.5.30',
      connectionId: this.connections,
      statusFlags: 2,
      characterSet: 33,
      capabilityFlags: 0xffffff & ~0x800,
      authCallback: (p: { user: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken: Buffer }, cb: (err: null, e?: { message: string; code: number }) => void) => {
        const scramble = Buffer.concat([p.authPluginData1, p.authPluginData2]).subarray(0, 20);
        if (p.user === this.#user && nativePasswordMatches(this.#password, scramble, p.authToken)) {
          cb(null);
          conn.sequenceId = 0;
        } else {
          cb(null, { code: 1045, message: `ProxySQL Error: Access denied for user '${p.user}'@'127.0.0.1' (using password: ${p.authToken.length > 0 ? 'YES' : 'NO'})` });
        }
      },
    });
    conn.on('quit', () => conn.stream.end());
    conn.on('query', (sql) => this.#onQuery(conn, sql));
    // mysql2's server routes COM_STMT_PREPARE, and text statements starting with SET, here
    conn.on('stmt_prepare', (sql) => {
      if (/^SET\s/i.test(sql)) this.#onQuery(conn, sql);
      else this.#reply(conn, () => conn.writeError({ code: 1045, message: 'Command not supported' }));
    });
    conn.on('stmt_execute', () => this.#reply(conn, () => conn.writeError({ code: 1045, message: 'Command not supported' })));
  }

  #reply(conn: ServerConn, write: () => void): void {
    conn.sequenceId = 1;
    write();
    conn.sequenceId = 0;
  }

  #onQuery(conn: ServerConn, sql: string): void {
    this.queries.push(sql);
    if (this.mode === 'wedged') return;
    if (this.delayMs > 0) setTimeout(() => this.#execute(conn, sql), this.delayMs);
    else this.#execute(conn, sql);
  }

  #execute(conn: ServerConn, sql: string): void {
    const fault = this.faults.find((f) => f.match.test(firstStatement(sql)) && (f.times === undefined || f.times > 0));
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      this.#reply(conn, () => conn.writeError({ code: fault.errno, message: fault.message }));
      return;
    }
    if (/^\s*SET\s/i.test(sql)) {
      this.#reply(conn, () => conn.writeOk());
      return;
    }
    let result: Result;
    try {
      result = this.store.execute(sql);
    } catch (err) {
      const e = err instanceof AdminSqlError ? err : new AdminSqlError(String(err));
      this.#reply(conn, () => conn.writeError({ code: e.errno, message: `ProxySQL Admin Error: ${e.message}` }));
      return;
    }
    this.#reply(conn, () => {
      if (result.kind === 'ok') conn.writeOk({ affectedRows: result.affectedRows });
      else {
        conn.writeColumns(result.columns.map(column));
        for (const r of result.rows) conn.writeTextRow(r.map(utf8mb3));
        conn.writeEof();
      }
    });
  }
}
