// A minimal MySQL client for the scheduler's path (issue 16: a scheduler run is a new process every interval,
// and mysql2 running cold for four logins and a dozen statements was a third of an empty Node's start): the
// part of mysql2's Connection that src/observe/mysql-session.ts and src/apply/proxysql/admin-client.ts use
// (createConnection, connect, query with text results, end, destroy, the 'connect' and 'error' events; and
// mysql2's escape, all src/coordinate/galera-writer-store.ts takes from it), with
// the same errors (code, errno, sqlState, sqlMessage, fatal; system errors keep their code) and the same row
// values for their options. scripts/bundle-scheduler.mjs hands it to those two modules in the scheduler bundle
// in place of mysql2 (and to galera-writer-store.ts); the daemon keeps mysql2.
//
// It logs in with mysql_native_password only. Anything else goes to mysql2 for that connection, so nothing
// narrows: options it does not handle (TLS, a database, other value conversions), a server asking for another
// login plugin in its greeting (the greeting is handed to mysql2 as if it had just arrived), or an
// AuthSwitchRequest to another plugin (mysql2 replays the login up to it: it computes the same response, which
// is not sent again, since both clients send the same capabilities). mysql2 loads only then.
import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Connection, ConnectionOptions } from 'mysql2';
import {
  CAP, CLIENT_FLAGS, COM_QUIT, MARIADB_EXTENDED_METADATA, PacketReader, ResultParser, frame, handshakeResponse, nativeScramble,
  parseErr, parseGreeting, queryPayload,
} from './codec.js';
import type { Column, QueryResult, ServerError } from './codec.js';
import { errorName, escape } from './mysql2-parts.js';

type QueryCallback = (err: LeanError | null, rows?: QueryResult | QueryResult[], fields?: Column[] | Column[][]) => void;

export interface LeanError extends Error {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

const NATIVE = 'mysql_native_password';

/** the options this client handles itself; any other (or another value) sends the connection to mysql2 */
const HANDLED = new Set(['host', 'port', 'user', 'password', 'connectTimeout', 'stream', 'connectAttributes', 'maxPreparedStatements', 'multipleStatements', 'supportBigNumbers', 'bigNumberStrings', 'dateStrings']);

function handles(o: ConnectionOptions): boolean {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    if (!HANDLED.has(k)) return false;
  }
  return o.multipleStatements !== true && (o.dateStrings === undefined || o.dateStrings === true);
}

/** an ERR packet as mysql2 reports it (not marked fatal, even when it ends a login) */
function serverError(e: ServerError): LeanError {
  const err: LeanError = new Error(e.message);
  err.code = errorName(e.errno);
  err.errno = e.errno;
  err.sqlState = e.sqlState;
  err.sqlMessage = e.message;
  return err;
}

function fatalError(message: string, code: string): LeanError {
  return Object.assign(new Error(message), { code, fatal: true });
}

interface Command {
  sql?: string;
  rowsAsArray?: boolean;
  cb?: QueryCallback;
  quit?: () => void;
}

const innerQuery = (inner: Connection, q: unknown, cb: QueryCallback): void => {
  (inner as unknown as { query(q: unknown, cb: QueryCallback): void }).query(q, cb);
};

type Mysql2 = { createConnection(o: ConnectionOptions): Connection };

export class LeanConnection extends EventEmitter {
  readonly #o: ConnectionOptions;
  #socket: net.Socket | undefined;
  readonly #reader = new PacketReader();
  /** every byte received before login completed: replayed to mysql2 if it takes over */
  readonly #received: Buffer[] = [];
  #sentResponse = false;
  #phase: 'greeting' | 'auth' | 'ready' | 'closed' = 'greeting';
  #flags = 0;
  #extended = false;
  #seq = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #started = Date.now();
  #queue: Command[] = [];
  #current: { cmd: Command; parser: ResultParser | undefined } | undefined;
  #closing = false;
  #fatal: LeanError | undefined;
  #loggedIn = false;
  /** mysql2's connection once it took over; before that, what to hand it when it does */
  #inner: Connection | undefined;
  #handingOver = false;

  constructor(o: ConnectionOptions) {
    super();
    this.#o = o;
    if (!handles(o)) {
      this.#handOver(undefined);
      return;
    }
    const stream: unknown = o.stream;
    const socket: net.Socket = typeof stream === 'function' ? (stream as (x: unknown) => net.Socket)({ config: o }) : (stream as net.Socket | undefined) ?? net.connect(o.port ?? 3306, o.host ?? 'localhost');
    if (stream === undefined) {
      socket.setKeepAlive(true, 0);
      socket.setNoDelay(true);
    }
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('error', this.#onError);
    socket.on('close', this.#onClose);
    const timeout = o.connectTimeout ?? 10_000;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      socket.destroy();
      this.#failed(Object.assign(new Error('connect ETIMEDOUT'), { errorno: 'ETIMEDOUT', code: 'ETIMEDOUT', syscall: 'connect' }));
    }, timeout);
  }

  readonly #onData = (chunk: Buffer): void => {
    if (this.#phase !== 'ready') this.#received.push(chunk);
    this.#reader.push(chunk);
    for (let p = this.#reader.next(); p !== undefined && !this.#handingOver && this.#phase !== 'closed'; p = this.#reader.next()) {
      this.#seq = p.seq + 1;
      try {
        this.#packet(p.payload);
      } catch (err) {
        const e = err as LeanError;
        e.code ??= 'PROTOCOL_PACKETS_OUT_OF_ORDER';
        this.#socket?.destroy();
        this.#failed(e);
        return;
      }
    }
  };

  #packet(payload: Buffer): void {
    if (this.#phase === 'greeting') {
      if (payload[0] === 0xff) {
        this.#loginFailed(serverError(parseErr(payload)));
        return;
      }
      const g = parseGreeting(payload);
      if (!(g.capabilities & CAP.PROTOCOL_41) || !(g.capabilities & CAP.SECURE_CONNECTION) || (g.plugin !== '' && g.plugin !== NATIVE)) {
        this.#handOver(this.#socket);
        return;
      }
      let flags = CLIENT_FLAGS | (g.capabilities & CAP.MULTI_FACTOR_AUTHENTICATION);
      let mariadb = 0;
      if (g.mariadbCapabilities & MARIADB_EXTENDED_METADATA) {
        flags &= ~CAP.LONG_PASSWORD;
        mariadb = MARIADB_EXTENDED_METADATA;
      }
      this.#flags = (flags & g.capabilities) >>> 0;
      this.#extended = mariadb !== 0;
      const response = handshakeResponse({
        flags,
        mariadbFlags: mariadb,
        user: this.#o.user ?? '',
        auth: nativeScramble(this.#o.password ?? '', g.seed.subarray(0, 20)),
        database: '',
        plugin: NATIVE,
        attributes: { _client_name: 'galera-warden', ...this.#o.connectAttributes },
      });
      this.#phase = 'auth';
      this.#sentResponse = true;
      this.#write(response);
      return;
    }
    if (this.#phase === 'auth') {
      if (payload[0] === 0x00) {
        this.#phase = 'ready';
        this.#received.length = 0;
        this.#loggedIn = true;
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.emit('connect');
        this.#run();
      } else if (payload[0] === 0xff) {
        this.#loginFailed(serverError(parseErr(payload)));
      } else if (payload[0] === 0xfe && payload.length > 1) {
        const end = payload.indexOf(0, 1);
        const plugin = payload.toString('latin1', 1, end < 0 ? payload.length : end);
        if (plugin !== NATIVE) {
          this.#handOver(this.#socket);
          return;
        }
        let seed = payload.subarray(end + 1);
        if (seed.length > 0 && seed[seed.length - 1] === 0) seed = seed.subarray(0, -1);
        this.#write(nativeScramble(this.#o.password ?? '', seed));
      } else {
        // AuthMoreData and the rest of the other plugins' exchanges
        this.#handOver(this.#socket);
      }
      return;
    }
    const cur = this.#current;
    if (!cur?.parser) throw new Error('Unexpected packet while no commands in the queue');
    cur.parser.feed(payload);
    const done = cur.parser.done;
    if (done === undefined) return;
    this.#current = undefined;
    if ('error' in done) cur.cmd.cb?.(serverError(done.error));
    else if (done.results.length === 1) cur.cmd.cb?.(null, done.results[0], done.fields[0]);
    else cur.cmd.cb?.(null, done.results, done.fields);
    this.#run();
  }

  #write(payload: Buffer): void {
    this.#socket?.write(frame(payload, this.#seq));
  }

  #loginFailed(err: LeanError): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#closing = true;
    this.#socket?.end();
    this.#failed(err, false);
  }

  readonly #onError = (err: LeanError): void => {
    if (err.code === 'ECONNRESET' && this.#closing) return;
    this.#failed(err);
  };

  readonly #onClose = (): void => {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closing || this.#handingOver) return;
    this.#failed(fatalError('Connection lost: The server closed the connection.', 'PROTOCOL_CONNECTION_LOST'));
  };

  /** a fatal error: the command under way and every queued one fail with it; 'error' when no command takes it */
  #failed(err: LeanError, fatal = true): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#fatal || this.#handingOver) return;
    if (fatal) err.fatal = true;
    this.#fatal = err;
    this.#phase = 'closed';
    let bubble = true;
    const cur = this.#current;
    this.#current = undefined;
    if (cur?.cmd.cb) {
      cur.cmd.cb(err);
      bubble = false;
    }
    const queued = this.#queue;
    this.#queue = [];
    for (const c of queued) {
      if (c.cb) c.cb(err);
      else bubble = true;
    }
    if (bubble || !this.#loggedIn) this.emit('error', err);
    this.#closing = true;
    this.#socket?.destroy();
  }

  #run(): void {
    if (this.#phase !== 'ready' || this.#current) return;
    const cmd = this.#queue.shift();
    if (!cmd) return;
    this.#seq = 0;
    if (cmd.quit) {
      this.#closing = true;
      cmd.quit();
      this.#write(COM_QUIT);
      return;
    }
    this.#current = {
      cmd,
      parser: new ResultParser(
        { rowsAsArray: cmd.rowsAsArray ?? false, supportBigNumbers: this.#o.supportBigNumbers === true, bigNumberStrings: this.#o.bigNumberStrings === true },
        (this.#flags & CAP.DEPRECATE_EOF) !== 0,
        this.#extended,
      ),
    };
    this.#write(queryPayload(cmd.sql ?? '', this.#flags));
  }

  #closedState(cb: ((err: LeanError) => void) | undefined): void {
    const err: LeanError = Object.assign(new Error("Can't add new command when connection is in closed state"), { fatal: true });
    if (cb) cb(err);
    else this.emit('error', err);
  }

  /** mysql2's connect(cb): called once, with the login's error or null */
  connect(cb?: (err: LeanError | null) => void): void {
    if (this.#inner) {
      this.#inner.connect((err) => cb?.(err));
      return;
    }
    if (!cb) return;
    if (this.#fatal) return cb(this.#fatal);
    if (this.#loggedIn) return cb(null);
    let called = false;
    const once = (err: LeanError | null): void => {
      if (!called) cb(err);
      called = true;
    };
    this.once('error', (err: LeanError) => once(err));
    this.once('connect', () => once(null));
  }

  query(q: string | { sql: string; rowsAsArray?: boolean }, cb: QueryCallback): void {
    const inner = this.#inner;
    if (inner) {
      innerQuery(inner, q, cb);
      return;
    }
    const cmd: Command = typeof q === 'string' ? { sql: q, cb } : { sql: q.sql, rowsAsArray: q.rowsAsArray, cb };
    if (this.#fatal || (this.#closing && !this.#handingOver)) {
      this.#closedState(cb);
      return;
    }
    this.#queue.push(cmd);
    this.#run();
  }

  /** COM_QUIT once the queue has run (mysql2's end: the callback runs before COM_QUIT is written) */
  end(cb?: (err?: LeanError) => void): void {
    const inner = this.#inner;
    if (inner) {
      inner.end((err) => cb?.(err ?? undefined));
      return;
    }
    if (this.#fatal) {
      this.#closedState(cb);
      return;
    }
    this.#queue.push({ quit: () => cb?.() });
    if (!this.#handingOver) this.#closing = true;
    this.#run();
  }

  destroy(): void {
    this.#closing = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#socket?.destroy();
    this.#inner?.destroy();
  }

  /**
   * mysql2 takes this connection over: a new one when `socket` is undefined, else this socket with the bytes
   * received so far put back in front (and its own copy of a login response already sent, dropped). Whatever
   * was queued here goes to it, in order.
   */
  #handOver(socket: net.Socket | undefined): void {
    this.#handingOver = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (socket) {
      socket.pause();
      socket.removeListener('data', this.#onData);
      socket.removeListener('error', this.#onError);
      socket.removeListener('close', this.#onClose);
    }
    void import('./mysql2-fallback.js').then(({ default: mysql }: { default: Mysql2 }) => {
      if (this.#closing && !this.#queue.some((c) => c.quit)) {
        // destroyed while mysql2 loaded
        socket?.destroy();
        return;
      }
      let o: ConnectionOptions = this.#o;
      if (socket) {
        const left = Math.max(1, (this.#o.connectTimeout ?? 10_000) - (Date.now() - this.#started));
        if (this.#sentResponse) {
          // an own property over the prototype's write, for one call
          const own = socket as unknown as { write: unknown };
          own.write = (): boolean => {
            delete (own as { write?: unknown }).write;
            return true;
          };
        }
        socket.unshift(Buffer.concat(this.#received));
        this.#received.length = 0;
        o = { ...this.#o, connectTimeout: left, stream: socket };
      }
      const inner = mysql.createConnection(o);
      this.#inner = inner;
      inner.on('error', (err) => this.emit('error', err));
      inner.once('connect', (h) => this.emit('connect', h));
      for (const c of this.#queue) {
        if (c.quit) inner.end(() => c.quit?.());
        else innerQuery(inner, { sql: c.sql, rowsAsArray: c.rowsAsArray }, c.cb ?? (() => undefined));
      }
      this.#queue = [];
      socket?.resume();
    }, (err: unknown) => this.emit('error', err));
  }
}

/** mysql2's createConnection, for the options the project passes */
export function createConnection(o: ConnectionOptions): Connection {
  return new LeanConnection(o) as unknown as Connection;
}

/** mysql2's escape (src/coordinate/galera-writer-store.ts uses nothing else of mysql2) */
export { escape };

export default { createConnection, escape };
