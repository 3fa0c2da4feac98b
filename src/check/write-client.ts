// A small load client that records a history (history.ts): N clients per router, each on its own connection,
// each writing a unique row every few ms. A write is one round trip, one transaction:
//   START TRANSACTION; INSERT INTO t (id, client, router, node, at) SELECT ?, ?, ?, <node>, ?; SELECT <node>; COMMIT
// so the answer names the node that committed it, and the row names the node that ran it (a transaction stays on
// its connection's backend, whatever the router). Every write ends by a hard timeout: on timeout or a lost
// connection the outcome is unknown and the connection is destroyed (which rolls back an uncommitted
// transaction); a server error means the transaction did not commit (failed). A client reconnects after any
// error. Used by the integration tests and `galera-warden chaos`.
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import type { Operation, ReadBack } from './history.js';

export interface RouterTarget {
  name: string;
  host: string;
  port: number;
}

export interface WriteClientOptions {
  routers: readonly RouterTarget[];
  clientsPerRouter: number;
  user: string;
  password: string;
  /** `schema.table`, made by createHistoryTable() */
  table: string;
  /** pause between two writes of one client */
  everyMs: number;
  connectTimeoutMs?: number;
  /** hard timeout of one write */
  writeTimeoutMs?: number;
  /** what names a node, in SQL; default @@wsrep_node_name */
  nodeExpr?: string;
  /** a prefix of the row ids, unique per run */
  runId: string;
  now?: () => number;
}

const TABLE_RE = /^[A-Za-z0-9_]{1,64}\.[A-Za-z0-9_]{1,64}$/;

function checkTable(table: string): string {
  if (!TABLE_RE.test(table)) throw new TypeError(`history table: expected schema.table of plain names, got "${table}"`);
  return table;
}

/** The history table, on a connection to any node of the cluster. */
export async function createHistoryTable(conn: Connection, table: string): Promise<void> {
  await conn.query(`CREATE TABLE IF NOT EXISTS ${checkTable(table)} (id VARCHAR(96) NOT NULL PRIMARY KEY, client VARCHAR(64) NOT NULL, router VARCHAR(64) NOT NULL, node VARCHAR(128) NOT NULL, at BIGINT NOT NULL) ENGINE=InnoDB`);
}

/** Every row of the run `runId` on the node behind `conn` (a direct connection), after the node caught up. */
export async function readBackRows(conn: Connection, table: string, from: string, runId: string): Promise<ReadBack> {
  const [rows] = await conn.query(`SET STATEMENT wsrep_sync_wait=1 FOR SELECT id, node FROM ${checkTable(table)} WHERE id LIKE ?`, [`${runId}-%`]);
  return { from, rows: (rows as { id: string; node: string }[]).map((r) => ({ id: String(r.id), node: String(r.node) })) };
}

class HardTimeout extends Error {}

export class WriteClient {
  private readonly ops: Operation[] = [];
  private readonly conns = new Set<Connection>();
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly now: () => number;

  constructor(private readonly o: WriteClientOptions) {
    checkTable(o.table);
    if (!/^[A-Za-z0-9_]{1,40}$/.test(o.runId)) throw new TypeError(`runId: expected letters, digits or _, got "${o.runId}"`);
    this.now = o.now ?? Date.now;
  }

  /** The operations so far (a copy). */
  history(): Operation[] {
    return [...this.ops];
  }

  /** Operations that completed after `since`, for "where do this router's writes land now". */
  since(t: number, router?: string): Operation[] {
    return this.ops.filter((x) => x.completeAt >= t && (router === undefined || x.router === router));
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const r of this.o.routers) {
      for (let i = 0; i < this.o.clientsPerRouter; i++) this.loops.push(this.loop(r, `${r.name}#${i}`));
    }
  }

  /** Stops sending, waits for the writes in flight (each ends by its hard timeout), returns the history. */
  async stop(): Promise<Operation[]> {
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    return this.history();
  }

  private async loop(r: RouterTarget, client: string): Promise<void> {
    let conn: Connection | undefined;
    let seq = 0;
    const drop = () => {
      if (conn) {
        conn.destroy();
        this.conns.delete(conn);
      }
      conn = undefined;
    };
    while (this.running) {
      const id = `${this.o.runId}-${client.replace(/[^A-Za-z0-9_]/g, '_')}-${seq++}`;
      const tried = this.now();
      if (!conn) {
        try {
          conn = await this.connect(r);
        } catch (err) {
          this.ops.push({ id, kind: 'write', client, router: r.name, invokeAt: tried, completeAt: this.now(), outcome: 'failed', error: `connect: ${message(err)}` });
          await pause(this.o.everyMs);
          continue;
        }
      }
      const op = await this.write(conn, id, client, r.name);
      this.ops.push(op);
      if (op.outcome !== 'ok') drop();
      await pause(this.o.everyMs);
    }
    drop();
  }

  private async connect(r: RouterTarget): Promise<Connection> {
    const timeout = this.o.connectTimeoutMs ?? 2000;
    const pending = mysql.createConnection({ host: r.host, port: r.port, user: this.o.user, password: this.o.password, connectTimeout: timeout, multipleStatements: true });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HardTimeout(`no connection within ${timeout} ms`)), timeout + 500);
    });
    try {
      const c = await Promise.race([pending, late]);
      c.on('error', () => undefined);
      this.conns.add(c);
      return c;
    } catch (err) {
      void pending.then((c) => c.destroy(), () => undefined);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private async write(conn: Connection, id: string, client: string, router: string): Promise<Operation> {
    const node = this.o.nodeExpr ?? '@@wsrep_node_name';
    const timeout = this.o.writeTimeoutMs ?? 3000;
    const invokeAt = this.now();
    const sql = `START TRANSACTION; INSERT INTO ${this.o.table} (id, client, router, node, at) SELECT ?, ?, ?, ${node}, ?; SELECT ${node} AS node; COMMIT`;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new HardTimeout(`no answer within ${timeout} ms`)), timeout);
    });
    const base = { id, kind: 'write' as const, client, router, invokeAt };
    try {
      const [results] = await Promise.race([conn.query(sql, [id, client, router, invokeAt]), late]);
      const rows = (results as unknown[])[2] as { node: unknown }[];
      return { ...base, completeAt: this.now(), outcome: 'ok', node: String(rows[0]?.node) };
    } catch (err) {
      const completeAt = this.now();
      // a server error (errno): the statement that failed and everything after it did not run, COMMIT included;
      // the connection is destroyed next, which rolls back what ran before it
      const errno = (err as { errno?: unknown }).errno;
      const serverError = !(err instanceof HardTimeout) && typeof errno === 'number' && errno > 0 && (err as { fatal?: boolean }).fatal !== true;
      return { ...base, completeAt, outcome: serverError ? 'failed' : 'unknown', error: message(err) };
    } finally {
      clearTimeout(timer);
    }
  }
}

const message = (err: unknown): string => {
  const e = err as { code?: unknown; message?: unknown };
  return `${typeof e.code === 'string' ? `${e.code}: ` : ''}${String(e.message ?? err).split('\n')[0]}`;
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
