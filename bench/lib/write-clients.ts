// The application as the fail-over bench sees it: per router, a writer on one persistent connection
// (reconnecting on error) and a prober opening a new connection for every write. Every write is an
// INSERT into app.bench; the node that took it is read once per connection (a proxied TCP connection is
// pinned to one node), or, with `nodePerWrite` (ProxySQL, which picks a backend per statement), returned by
// the INSERT itself (MariaDB's INSERT ... RETURNING). Each acknowledged write is recorded as (time, node).
import mysql from 'mysql2/promise';
import { clock, errorCode, sleep, withTimeout } from './util.js';

export type ClientKind = 'persistent' | 'prober';

export interface Ack {
  /** when the write was acknowledged */
  t: number;
  node: string;
  /** when the write was sent (the INSERT, after any connect) */
  sent?: number;
}

export interface ClientError {
  t: number;
  code: string;
}

export interface WriteClientOptions {
  router: string;
  kind: ClientKind;
  connection: mysql.ConnectionOptions;
  /** time between the starts of two writes */
  everyMs: number;
  /** a query that has not answered after this long counts as failed (safety net, far above any fail-over) */
  queryTimeoutMs: number;
  /** take the node from each INSERT (RETURNING) instead of once per connection */
  nodePerWrite?: boolean;
}

const INSERT = 'INSERT INTO app.bench (router, client, seq, node) VALUES (?, ?, ?, @@wsrep_node_name)';
const INSERT_RETURNING = `${INSERT} RETURNING node`;

export class WriteClient {
  readonly acks: Ack[] = [];
  readonly errors: ClientError[] = [];
  readonly connects: Ack[] = [];
  private stopped = false;
  /** rejecters of the calls under way: stop() abandons them (mysql2 does not fail a pending query on
   * destroy). Per call, so that nothing keeps settled results alive. */
  private readonly pending = new Set<(err: Error) => void>();
  private conn: mysql.Connection | undefined;
  private loop: Promise<void> | undefined;
  private seq = 0;

  constructor(readonly o: WriteClientOptions) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const reject of this.pending) reject(new Error('stopped'));
    this.conn?.destroy();
    await this.loop;
  }

  /** `p`, unless the client is stopped first. */
  private until<T>(p: Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('stopped'));
    return new Promise<T>((resolve, reject) => {
      this.pending.add(reject);
      p.then(
        (v) => {
          this.pending.delete(reject);
          resolve(v);
        },
        (err: unknown) => {
          this.pending.delete(reject);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  private async open(): Promise<{ conn: mysql.Connection; node: string }> {
    let abandoned = false;
    const raw = mysql.createConnection(this.o.connection);
    // a connection that arrives after the client gave up on it (stop, or the safety timeout) is closed
    raw.then((c) => {
      c.on('error', () => undefined);
      if (abandoned) c.destroy();
    }, () => undefined);
    let conn: mysql.Connection;
    try {
      conn = await this.until(withTimeout(raw, (this.o.connection.connectTimeout ?? 10_000) + 1000, 'connect'));
    } catch (err) {
      abandoned = true;
      throw err;
    }
    this.conn = conn;
    if (this.o.nodePerWrite) {
      this.connects.push({ t: clock(), node: '' });
      return { conn, node: '' };
    }
    try {
      const [rows] = await this.until(conn.query({ sql: 'SELECT @@wsrep_node_name AS n', timeout: this.o.queryTimeoutMs }));
      const node = (rows as { n: string }[])[0]!.n;
      this.connects.push({ t: clock(), node });
      return { conn, node };
    } catch (err) {
      conn.destroy();
      throw err;
    }
  }

  private async run(): Promise<void> {
    let current: { conn: mysql.Connection; node: string } | undefined;
    while (!this.stopped) {
      const started = clock();
      try {
        current ??= await this.open();
        const sent = clock();
        const [rows] = await this.until(current.conn.query({ sql: this.o.nodePerWrite ? INSERT_RETURNING : INSERT, timeout: this.o.queryTimeoutMs }, [this.o.router, this.o.kind, ++this.seq]));
        const node = this.o.nodePerWrite ? ((rows as { node?: string }[])[0]?.node ?? '?') : current.node;
        if (!this.stopped) this.acks.push({ t: clock(), node, sent });
        if (this.o.kind === 'prober') {
          current.conn.destroy();
          current = undefined;
        }
      } catch (err) {
        if (!this.stopped) this.errors.push({ t: clock(), code: errorCode(err) });
        current?.conn.destroy();
        current = undefined;
      }
      const wait = started + this.o.everyMs - clock();
      if (wait > 0 && !this.stopped) await sleep(wait);
    }
    current?.conn.destroy();
  }
}
