// A fake Galera node speaking the MySQL protocol (mysql2's createServer), for tests of anything
// that probes: it answers the probe's statements from a mutable state, and can be made to refuse
// logins, stay silent after accepting TCP (a frozen node), close at once, or hang on a statement.
import { nativePasswordMatches } from '../../testing/mysql-native-password.js';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import mysql from 'mysql2';

export type FakeMode =
  /** a working server */
  | 'answer'
  /** accepts TCP, never sends the handshake (a SIGSTOPped mysqld) */
  | 'silent'
  /** accepts TCP and closes it at once */
  | 'close';

export interface FakeError {
  errno: number;
  message: string;
}

export interface FakeGaleraState {
  mode: FakeMode;
  user: string;
  /** undefined: any password is accepted */
  password: string | undefined;
  /** SHOW GLOBAL STATUS values (by variable name) */
  status: Record<string, string>;
  /** SHOW GLOBAL VARIABLES values (by variable name; omit pxc_maint_mode for MariaDB) */
  variables: Record<string, string>;
  /** answer to the table-access check: undefined for success, else this error */
  tableAccessError: FakeError | undefined;
  /** rows of mysql.wsrep_cluster_members, or an error (1146 on PXC) */
  members: [string, string, string][] | FakeError;
  /** SHOW SLAVE STATUS's row (MariaDB column names); undefined: not a replica (no row) */
  slaveStatus: Record<string, string | null> | undefined;
  /** @@gtid_current_pos */
  gtidCurrentPos: string;
  /** statements matching this are never answered */
  hangOn: RegExp | undefined;
  /** delay before every answer, ms */
  answerDelayMs: number;
}

export const SYNCED_PRIMARY_STATUS: Readonly<Record<string, string>> = {
  wsrep_local_state: '4',
  wsrep_local_state_comment: 'Synced',
  wsrep_cluster_status: 'Primary',
  wsrep_ready: 'ON',
  wsrep_connected: 'ON',
  wsrep_local_index: '0',
  wsrep_local_recv_queue: '0',
  wsrep_cluster_size: '3',
  wsrep_cluster_conf_id: '7',
  wsrep_cluster_state_uuid: 'b6c5a8f2-0000-11f1-8000-000000000001',
  wsrep_gcomm_uuid: 'a1a1a1a1-0000-11f1-8000-000000000001',
  wsrep_incoming_addresses: '127.0.0.1:3306,127.0.0.2:3306,127.0.0.3:3306',
  wsrep_evs_delayed: '',
  wsrep_evs_evict_list: '',
};

export const MARIADB_VARIABLES: Readonly<Record<string, string>> = {
  wsrep_on: 'ON',
  wsrep_desync: 'OFF',
  wsrep_reject_queries: 'NONE',
  wsrep_sst_donor_rejects_queries: 'OFF',
  read_only: 'OFF',
  wsrep_provider_options: 'base_dir = /var/lib/mysql/; evs.suspect_timeout = PT5S; gmcast.listen_addr = tcp://0.0.0.0:4567; gmcast.segment = 0; pc.weight = 1',
  version: '10.11.18-MariaDB-fake',
};

/** What Galera answers to a table read while not Primary or rejecting queries. */
export const ERR_WSREP_NOT_READY: FakeError = { errno: 1047, message: 'WSREP has not yet prepared node for application use' };

function defaultState(): FakeGaleraState {
  return {
    mode: 'answer',
    user: 'warden',
    password: undefined,
    status: { ...SYNCED_PRIMARY_STATUS },
    variables: { ...MARIADB_VARIABLES },
    tableAccessError: { errno: 1142, message: "SELECT command denied to user 'warden'@'localhost' for table `galera_warden`.`access_check`" },
    members: [['a1a1a1a1-0000-11f1-8000-000000000001', 'node1', '127.0.0.1:3306']],
    slaveStatus: undefined,
    gtidCurrentPos: '0-1-42',
    hangOn: undefined,
    answerDelayMs: 0,
  };
}

// The parts of mysql2's server-side connection this fake uses (its typings do not cover them).
interface ServerConn {
  stream: Socket;
  /** sequence id of the next packet; a reply to a command starts at 1, a new command at 0 */
  sequenceId: number;
  serverHandshake(args: Record<string, unknown>): void;
  on(event: 'query', listener: (sql: string) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
  on(event: 'quit', listener: () => void): void;
  writeColumns(columns: object[]): void;
  writeTextRow(values: (string | null)[]): void;
  writeEof(): void;
  writeError(args: { code: number; message: string }): void;
  close(): void;
}

interface Mysql2Server {
  _server: NetServer;
  on(event: 'connection', listener: (conn: ServerConn) => void): void;
}


const column = (name: string) => ({
  catalog: 'def', schema: '', table: '', orgTable: '', name, orgName: name,
  characterSet: 33, columnLength: 1024, columnType: 253, flags: 0, decimals: 0,
});

/** The names in "... WHERE Variable_name IN ('a','b')". */
function namesIn(sql: string): string[] {
  const m = /IN\s*\(([^)]*)\)/i.exec(sql);
  return m ? [...m[1]!.matchAll(/'([^']*)'/g)].map((x) => x[1]!) : [];
}

export class FakeGaleraServer {
  readonly state: FakeGaleraState = defaultState();
  /** every statement received, in order */
  readonly queries: string[] = [];
  /** TCP connections accepted */
  connections = 0;
  /** connections the client ended politely, with COM_QUIT */
  quits = 0;
  #dropNext = false;
  readonly #server: Mysql2Server;
  readonly #sockets = new Set<Socket>();

  private constructor() {
    this.#server = mysql.createServer(() => undefined) as unknown as Mysql2Server;
    this.#server._server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      // without it every statement waits on Nagle + delayed ACK (~40 ms), as a real server does not
      socket.setNoDelay(true);
    });
    this.#server.on('connection', (conn) => this.#accept(conn));
  }

  /** `port`: 0 (default) picks a free one */
  static async start(state: Partial<FakeGaleraState> = {}, port = 0): Promise<FakeGaleraServer> {
    const fake = new FakeGaleraServer();
    Object.assign(fake.state, state);
    await new Promise<void>((resolve, reject) => {
      fake.#server._server.once('error', reject);
      fake.#server._server.listen(port, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get port(): number {
    return (this.#server._server.address() as AddressInfo).port;
  }

  /** TCP connections open now */
  get openConnections(): number {
    return this.#sockets.size;
  }

  /** The next statement received, on any connection, is answered by closing that connection (a KILL). */
  dropNextStatement(): void {
    this.#dropNext = true;
  }

  /** Stops listening and drops every connection. */
  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server._server.close(() => resolve()));
  }

  #accept(conn: ServerConn): void {
    this.connections++;
    conn.on('error', () => undefined);
    const { mode } = this.state;
    if (mode === 'silent') return;
    if (mode === 'close') {
      conn.stream.destroy();
      return;
    }
    conn.serverHandshake({
      protocolVersion: 10,
      serverVersion: this.state.variables.version ?? '10.11.18-MariaDB-fake',
      connectionId: this.connections,
      statusFlags: 2,
      characterSet: 33,
      capabilityFlags: 0xffffff & ~0x800, // everything but CLIENT_SSL
      authCallback: (p: { user: string; authPluginData1: Buffer; authPluginData2: Buffer; authToken: Buffer }, cb: (err: null, e?: { message: string; code: number }) => void) => {
        const scramble = Buffer.concat([p.authPluginData1, p.authPluginData2]).subarray(0, 20);
        const { user, password } = this.state;
        const ok = p.user === user && (password === undefined || nativePasswordMatches(password, scramble, p.authToken));
        if (ok) {
          cb(null); // writes the OK packet synchronously
          conn.sequenceId = 0; // the client's first command starts a new sequence
        } else cb(null, { code: 1045, message: `Access denied for user '${p.user}'@'localhost' (using password: ${p.authToken.length > 0 ? 'YES' : 'NO'})` });
      },
    });
    conn.on('quit', () => {
      this.quits++;
      conn.stream.end();
    });
    conn.on('query', (sql) => {
      this.queries.push(sql);
      if (this.#dropNext) {
        this.#dropNext = false;
        conn.stream.destroy();
        return;
      }
      if (this.state.hangOn?.test(sql)) return;
      const answer = () => this.#answer(conn, sql);
      if (this.state.answerDelayMs > 0) setTimeout(answer, this.state.answerDelayMs);
      else answer();
    });
  }

  #rows(conn: ServerConn, names: string[], rows: (string | null)[][]): void {
    conn.writeColumns(names.map(column));
    for (const r of rows) conn.writeTextRow(r);
    conn.writeEof();
  }

  #answer(conn: ServerConn, sql: string): void {
    conn.sequenceId = 1;
    this.#reply(conn, sql);
    conn.sequenceId = 0;
  }

  #reply(conn: ServerConn, sql: string): void {
    const s = this.state;
    const pick = (values: Record<string, string>) =>
      namesIn(sql).filter((n) => values[n] !== undefined).map((n) => [n, values[n]!]);
    if (/^SHOW GLOBAL STATUS/i.test(sql)) this.#rows(conn, ['Variable_name', 'Value'], pick(s.status));
    else if (/^SHOW GLOBAL VARIABLES/i.test(sql)) this.#rows(conn, ['Variable_name', 'Value'], pick(s.variables));
    else if (/wsrep_cluster_members/i.test(sql)) {
      if (Array.isArray(s.members)) this.#rows(conn, ['node_uuid', 'node_name', 'node_incoming_address'], s.members);
      else conn.writeError({ code: s.members.errno, message: s.members.message });
    } else if (/galera_warden\.access_check/i.test(sql)) {
      if (s.tableAccessError) conn.writeError({ code: s.tableAccessError.errno, message: s.tableAccessError.message });
      else this.#rows(conn, ['1'], []);
    } else if (/^SELECT @@global\.read_only, @@global\.gtid_current_pos$/i.test(sql)) {
      this.#rows(conn, ['@@global.read_only', '@@global.gtid_current_pos'], [[s.variables.read_only === 'ON' ? '1' : '0', s.gtidCurrentPos]]);
    } else if (/^SHOW SLAVE STATUS$/i.test(sql)) {
      const row = s.slaveStatus;
      this.#rows(conn, row ? Object.keys(row) : ['Slave_IO_State', 'Master_Host'], row ? [Object.values(row)] : []);
    } else conn.writeError({ code: 1064, message: `You have an error in your SQL syntax near '${sql.slice(0, 20)}'` });
  }
}
