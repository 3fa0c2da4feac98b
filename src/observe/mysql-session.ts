// One MySQL connection for probing, over a socket we own so that it can be destroyed at once
// (mysql2's own destroy() only half-closes, which a frozen peer never acknowledges). Text queries
// only, rows as arrays. TLS: ca / cert / key, chain check (rejectUnauthorized) and identity check,
// against serverName when set (the connection then names the server by it; the socket still goes
// to the node's host).
import net from 'node:net';
import mysql from 'mysql2';
import type { Connection, SslOptions } from 'mysql2';
import type { ProbeOptions, ProbeTls } from './probe-options.js';

export interface SessionTarget {
  host: string;
  port: number;
}

export interface SessionOptions {
  user: string;
  password: string;
  connectTimeoutMs: number;
  tls?: ProbeTls;
  keepAlive?: boolean;
}

/**
 * A session's options with the probe's account and TLS (the probe's own sessions, the fencer's, the re-form
 * watch's): `connectTimeoutMs`, when given, can only shorten the probe's; `keepAlive` for a kept session.
 */
export function probeSessionOptions(p: ProbeOptions, o: { connectTimeoutMs?: number; keepAlive?: boolean } = {}): SessionOptions {
  return {
    user: p.user,
    password: p.password.reveal(),
    connectTimeoutMs: o.connectTimeoutMs === undefined ? p.connectTimeoutMs : Math.min(p.connectTimeoutMs, o.connectTimeoutMs),
    ...(p.tls && { tls: p.tls }),
    ...(o.keepAlive === true && { keepAlive: true }),
  };
}

/** How long a graceful close (COM_QUIT) may take before the socket is destroyed. */
const QUIT_GRACE_MS = 1000;

// mysql2 caches its TLS context per ssl object: build one object per ProbeTls and keep it.
const sslCache = new WeakMap<ProbeTls, SslOptions>();

function sslOptions(tls: ProbeTls): SslOptions {
  let ssl = sslCache.get(tls);
  if (ssl === undefined) {
    ssl = { rejectUnauthorized: tls.verifyCertificate, verifyIdentity: tls.verifyCertificate && tls.verifyIdentity };
    if (tls.ca !== undefined) ssl.ca = tls.ca;
    if (tls.cert !== undefined) ssl.cert = tls.cert;
    if (tls.key !== undefined) ssl.key = tls.key.reveal();
    sslCache.set(tls, ssl);
  }
  return ssl;
}

export class MysqlSession {
  readonly #socket: net.Socket;
  readonly #conn: Connection;
  readonly ready: Promise<void>;
  /** rejecters of everything awaiting this connection: all fail when the socket closes */
  readonly #pending = new Set<(err: Error) => void>();
  #closedError: Error | undefined;
  #closeReason: string | undefined;
  #tcpConnected = false;
  #loggedIn = false;
  #dead = false;
  /** close() or destroy() was called: a close that follows is ours, not the server's */
  #byUs = false;
  #onLost: ((reset: boolean) => void) | undefined;

  constructor(target: SessionTarget, options: SessionOptions) {
    const socket = net.connect({ host: target.host, port: target.port });
    socket.setNoDelay(true);
    // Node checks a TLS server's identity against servername || host || socket._host || 'localhost'.
    // mysql2 gives neither for an IP address, and net leaves _host empty for one: without this, a node
    // addressed by IP would be checked against "localhost" (seen with MariaDB 10.11 and an IP SAN).
    const identity = options.tls?.serverName ?? target.host;
    if (options.tls && net.isIP(identity) !== 0) (socket as unknown as { _host: string | null })._host = identity;
    if (options.keepAlive) socket.setKeepAlive(true, 10_000);
    socket.once('connect', () => {
      this.#tcpConnected = true;
    });
    socket.once('close', (hadError: boolean) => {
      const lost = !this.#byUs && this.#loggedIn ? this.#onLost : undefined;
      this.#onLost = undefined;
      this.#dead = true;
      const err = new Error(this.#closeReason ?? 'the connection closed');
      this.#closedError = Object.assign(err, { code: this.#closeReason ? 'PROBE_ABORTED' : 'PROTOCOL_CONNECTION_LOST', fatal: true });
      for (const fail of this.#pending) fail(this.#closedError);
      this.#pending.clear();
      lost?.(hadError);
    });
    this.#socket = socket;
    this.#conn = mysql.createConnection({
      // mysql2 names the TLS server after `host`; the bytes go through our socket to target.host.
      host: options.tls?.serverName ?? target.host,
      port: target.port,
      user: options.user,
      password: options.password,
      connectTimeout: options.connectTimeoutMs,
      stream: () => socket,
      ...(options.tls && { ssl: sslOptions(options.tls) }),
      connectAttributes: { program_name: 'galera-warden' },
      // never prepares; mysql2 otherwise preallocates a 16000-entry statement cache (~0.5 MB) per connection
      maxPreparedStatements: 1,
      multipleStatements: false,
      supportBigNumbers: true,
      bigNumberStrings: true,
      dateStrings: true,
    });
    // Errors after the probe has moved on (late fatal errors, a reset) must not crash the process.
    this.#conn.on('error', () => {
      this.#dead = true;
    });
    this.ready = this.#guard<void>((resolve, reject) => {
      this.#conn.once('connect', () => {
        this.#loggedIn = true;
        resolve();
      });
      this.#conn.once('error', reject);
    });
    this.ready.catch(() => undefined);
  }

  /** the TCP connection is up (a failure after this happened during login or later) */
  get tcpConnected(): boolean {
    return this.#tcpConnected;
  }

  get loggedIn(): boolean {
    return this.#loggedIn;
  }

  /** logged in and not failed: may be reused for another probe */
  get usable(): boolean {
    return this.#loggedIn && !this.#dead && !this.#socket.destroyed;
  }

  /**
   * Called once if the server side ends this logged-in session (its process died, a KILL, a restart): not
   * after close() or destroy(). `reset`: the socket ended with an error (ECONNRESET) rather than a FIN.
   */
  onLost(fn: ((reset: boolean) => void) | undefined): void {
    this.#onLost = fn;
  }

  /** A text query (never a prepared statement); rows as arrays of strings / nulls. */
  query(sql: string): Promise<unknown[]> {
    return this.#guard<unknown[]>((resolve, reject) => {
      this.#conn.query({ sql, rowsAsArray: true }, (err, rows) => {
        if (err) {
          if (err.fatal) this.#dead = true;
          reject(err);
        } else resolve(Array.isArray(rows) ? rows : []);
      });
    });
  }

  /** A text query whose rows come back as objects keyed by column name (SHOW SLAVE STATUS has ~60 columns). */
  queryNamed(sql: string): Promise<Record<string, unknown>[]> {
    return this.#guard<Record<string, unknown>[]>((resolve, reject) => {
      this.#conn.query({ sql, rowsAsArray: false }, (err, rows) => {
        if (err) {
          if (err.fatal) this.#dead = true;
          reject(err);
        } else resolve(Array.isArray(rows) ? (rows as Record<string, unknown>[]) : []);
      });
    });
  }

  /** A promise that also fails as soon as the socket closes (mysql2 stays silent when it closed it itself). */
  #guard<T>(start: (resolve: (value: T) => void, reject: (err: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#closedError) {
        reject(this.#closedError);
        return;
      }
      const fail = (err: Error) => reject(err);
      this.#pending.add(fail);
      start(
        (value) => {
          this.#pending.delete(fail);
          resolve(value);
        },
        (err) => {
          this.#pending.delete(fail);
          reject(err);
        },
      );
    });
  }

  /** Says goodbye (COM_QUIT, so the server logs no aborted connection), destroying the socket if that stalls. */
  close(): void {
    this.#byUs = true;
    if (this.#socket.destroyed) return;
    if (!this.usable) {
      this.destroy();
      return;
    }
    this.#dead = true;
    const timer = setTimeout(() => this.#socket.destroy(), QUIT_GRACE_MS);
    timer.unref();
    this.#socket.once('close', () => clearTimeout(timer));
    // mysql2 calls end()'s callback before it writes COM_QUIT: let the server close the connection.
    this.#conn.end();
  }

  /** Drops the connection at once; whatever awaits it fails with `reason`. */
  destroy(reason?: string): void {
    this.#byUs = true;
    this.#closeReason ??= reason;
    this.#dead = true;
    this.#socket.destroy();
    this.#conn.destroy();
  }
}
