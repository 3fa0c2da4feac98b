// The writer record kept in the Galera cluster itself: one row per cluster in `galera_warden.writer_record`
// (schema configurable), created when missing. Writes go through a node of the Primary component only (the
// session's wsrep_cluster_status must be Primary and wsrep_ready ON), so a minority partition can never move
// the writer; reads wait for the node to have applied everything committed before (wsrep_sync_wait=1), so a
// read sees the latest record. Compare-and-set is `UPDATE ... SET epoch = epoch + 1 WHERE cluster = ? AND
// epoch = ?` (or an INSERT for the first record): of two instances writing through different nodes, Galera's
// certification lets one commit and aborts the other (errno 1213), which then re-reads and reports "lost".
//
// Grants for the account ([credentials]): CREATE on `galera_warden`.* (first run only, to create the schema
// and table), SELECT, INSERT, UPDATE on `galera_warden`.`writer_record`. See docs/coordination.md.
import mysql from 'mysql2';
import type { CasResult, StoreFailure, StoreFailureCode, StoreRead, WriterRecord, WriterRecordChange } from '../model/writer-record.js';
import { Deadline, DeadlineExceeded } from '../observe/deadline.js';
import { MysqlSession } from '../observe/mysql-session.js';
import type { SessionOptions } from '../observe/mysql-session.js';
import type { WriterStore } from './writer-store.js';

export interface StoreNode {
  name: string;
  host: string;
  port: number;
}

export interface GaleraWriterStoreOptions {
  cluster: string;
  /** tried in this order (the node that answered last is tried first) */
  nodes: readonly StoreNode[];
  session: SessionOptions;
  /** hard timeout of one read or compare-and-set, over all nodes tried */
  timeoutMs: number;
  /** default galera_warden */
  schema?: string;
  /** injected for tests */
  openSession?: (node: StoreNode, options: SessionOptions) => MysqlSession;
}

export const DEFAULT_COORDINATION_SCHEMA = 'galera_warden';
export const RECORD_TABLE = 'writer_record';

/** errnos that say the statement did not run (the node is not in a Primary component or not ready) */
const NOT_PRIMARY_ERRNOS = new Set([1047, 1180]);
const CONFLICT_ERRNOS = new Set([1213, 1062]);
const NO_TABLE_ERRNOS = new Set([1146, 1049]);
const DENIED_ERRNOS = new Set([1142, 1143, 1044, 1045, 1227]);
/** ER_BAD_FIELD_ERROR: a table created before the traffic switch's who/when columns existed */
const NO_COLUMN_ERRNO = 1054;

class NodeFailure extends Error {
  constructor(readonly code: StoreFailureCode, message: string) {
    super(message);
  }
}

const errnoOf = (err: unknown): number | undefined => {
  const n = (err as { errno?: unknown }).errno;
  return typeof n === 'number' && n > 0 ? n : undefined;
};
const firstLine = (err: unknown): string => String((err as Error).message ?? err).split('\n')[0] ?? '';

function parseList(text: unknown, what: string): string[] {
  const v: unknown = JSON.parse(String(text));
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${what}: expected a JSON list of node names`);
  return v;
}

export class GaleraWriterStore implements WriterStore {
  readonly kind = 'galera';
  readonly cluster: string;
  private readonly table: string;
  private readonly sessions = new Map<string, MysqlSession>();
  private order: StoreNode[];
  private destroyed = false;

  constructor(private readonly o: GaleraWriterStoreOptions) {
    const schema = o.schema ?? DEFAULT_COORDINATION_SCHEMA;
    if (!/^[A-Za-z0-9_]{1,64}$/.test(schema)) throw new Error(`coordination.schema: "${schema}" is not a plain schema name (letters, digits, _)`);
    if (o.nodes.length === 0) throw new Error('coordination store: no nodes configured');
    this.cluster = o.cluster;
    this.table = `\`${schema}\`.\`${RECORD_TABLE}\``;
    this.order = [...o.nodes];
  }

  read(): Promise<StoreRead> {
    return this.onPrimary('read', async (s) => ({ ok: true, record: await this.select(s) }));
  }

  compareAndSet(expectedEpoch: number, change: WriterRecordChange): Promise<CasResult> {
    return this.onPrimary('write', async (s, node, markSent) => {
      let sent = false;
      try {
        const write = async (): Promise<boolean> => {
          sent = true;
          markSent();
          return expectedEpoch === 0 ? this.insert(s, change) : this.update(s, expectedEpoch, change);
        };
        let won: boolean;
        try {
          won = await write();
        } catch (err) {
          if (!NO_TABLE_ERRNOS.has(errnoOf(err) ?? 0)) throw err;
          sent = false;
          await this.createTable(s);
          won = await write();
        }
        if (won) return { ok: true, record: { ...change, maintenance: [...change.maintenance].sort(), cluster: this.cluster, epoch: expectedEpoch + 1 } };
      } catch (err) {
        const errno = errnoOf(err);
        if (errno !== undefined && CONFLICT_ERRNOS.has(errno)) {
          // certification conflict or duplicate first record: another instance won; fall through to re-read
        } else if (errno !== undefined && NOT_PRIMARY_ERRNOS.has(errno)) {
          throw new NodeFailure('COORD_NOT_PRIMARY', `${node.name} (${node.host}:${node.port}) refused the write: ${firstLine(err)}`);
        } else if (sent && errno === undefined) {
          // the statement went out and no answer came back: it may have committed
          throw new NodeFailure('COORD_WRITE_UNKNOWN', `${node.name} (${node.host}:${node.port}): the write's answer was lost (${firstLine(err)}); its outcome is unknown until the next read`);
        } else throw err;
      }
      return { ok: false, current: await this.select(s) };
    });
  }

  private async select(s: MysqlSession): Promise<WriterRecord | null> {
    let rows: unknown[];
    try {
      rows = await this.withColumns(s, () => s.query(`SET STATEMENT wsrep_sync_wait=1 FOR SELECT epoch, writers, set_by, set_at, maintenance, traffic_enabled, message, traffic_set_by, traffic_set_at FROM ${this.table} WHERE cluster = ${mysql.escape(this.cluster)}`));
    } catch (err) {
      if (NO_TABLE_ERRNOS.has(errnoOf(err) ?? 0)) return null;
      throw err;
    }
    const row = rows[0] as (string | null)[] | undefined;
    if (!row) return null;
    try {
      const epoch = Number(row[0]);
      if (!Number.isSafeInteger(epoch) || epoch < 1) throw new Error(`epoch: expected a positive integer, got ${String(row[0])}`);
      return {
        cluster: this.cluster, epoch, writers: parseList(row[1], 'writers'), setBy: String(row[2] ?? ''), setAt: Number(row[3] ?? 0),
        maintenance: parseList(row[4], 'maintenance').sort(), trafficEnabled: String(row[5]) !== '0', message: String(row[6] ?? ''),
        ...(row[7] ? { trafficSetBy: String(row[7]) } : {}), ...(Number(row[8] ?? 0) > 0 ? { trafficSetAt: Number(row[8]) } : {}),
      };
    } catch (err) {
      throw new NodeFailure('COORD_BAD_RECORD', `${this.table} row for cluster ${this.cluster}: ${(err as Error).message}`);
    }
  }

  private values(c: WriterRecordChange): string {
    const e = mysql.escape;
    return [`writers = ${e(JSON.stringify(c.writers))}`, `set_by = ${e(c.setBy)}`, `set_at = ${e(Math.round(c.setAt))}`, `maintenance = ${e(JSON.stringify([...c.maintenance].sort()))}`,
      `traffic_enabled = ${c.trafficEnabled ? 1 : 0}`, `message = ${e(c.message)}`, `traffic_set_by = ${e(c.trafficSetBy ?? '')}`, `traffic_set_at = ${e(Math.round(c.trafficSetAt ?? 0))}`].join(', ');
  }

  private async insert(s: MysqlSession, c: WriterRecordChange): Promise<boolean> {
    await this.withColumns(s, () => s.query(`INSERT INTO ${this.table} SET cluster = ${mysql.escape(this.cluster)}, epoch = 1, ${this.values(c)}`));
    return true;
  }

  private async update(s: MysqlSession, expected: number, c: WriterRecordChange): Promise<boolean> {
    await this.withColumns(s, () => s.query(`UPDATE ${this.table} SET ${this.values(c)}, epoch = epoch + 1 WHERE cluster = ${mysql.escape(this.cluster)} AND epoch = ${Math.floor(expected)}`));
    const rows = await s.query('SELECT ROW_COUNT()');
    return Number((rows[0] as unknown[] | undefined)?.[0]) === 1;
  }

  private async createTable(s: MysqlSession): Promise<void> {
    const schema = this.table.split('.')[0]!;
    await s.query(`CREATE DATABASE IF NOT EXISTS ${schema}`);
    await s.query(`CREATE TABLE IF NOT EXISTS ${this.table} (
      cluster VARCHAR(128) NOT NULL PRIMARY KEY, epoch BIGINT UNSIGNED NOT NULL, writers TEXT NOT NULL, set_by VARCHAR(255) NOT NULL,
      set_at BIGINT NOT NULL, maintenance TEXT NOT NULL, traffic_enabled TINYINT NOT NULL DEFAULT 1, message TEXT NOT NULL,
      traffic_set_by VARCHAR(255) NOT NULL DEFAULT '', traffic_set_at BIGINT NOT NULL DEFAULT 0
    ) ENGINE=InnoDB`);
  }

  /** Runs `q`; on a table from before the traffic switch's who/when columns, adds them (needs ALTER once) and runs it again. */
  private async withColumns<T>(s: MysqlSession, q: () => Promise<T>): Promise<T> {
    try {
      return await q();
    } catch (err) {
      if (errnoOf(err) !== NO_COLUMN_ERRNO) throw err;
      await s.query(`ALTER TABLE ${this.table} ADD COLUMN IF NOT EXISTS traffic_set_by VARCHAR(255) NOT NULL DEFAULT '', ADD COLUMN IF NOT EXISTS traffic_set_at BIGINT NOT NULL DEFAULT 0`);
      return q();
    }
  }

  /**
   * Runs `fn` on the first node (in order) whose session is in the Primary component, within the hard timeout.
   * Each node gets an equal share of the time left, so a frozen node costs its share and the next one is tried;
   * a node that failed moves to the end of the order. A write whose statement went out is never retried elsewhere.
   */
  private async onPrimary<T extends StoreRead | CasResult>(what: 'read' | 'write', fn: (s: MysqlSession, node: StoreNode, sent: () => void) => Promise<T>): Promise<T> {
    const fail = (error: StoreFailure) => ({ ok: false, error }) as T;
    if (this.destroyed) return fail({ code: 'COORD_STORE_UNAVAILABLE', message: 'the coordination store was closed' });
    const attempts: (NonNullable<StoreFailure['attempts']>[number] & { retry: boolean })[] = [];
    const started = Date.now();
    const nodes = [...this.order];
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i]!;
      const left = this.o.timeoutMs - (Date.now() - started);
      if (left <= 0) break;
      const budget = Math.max(1, Math.floor(left / (nodes.length - i)));
      let session: MysqlSession | undefined;
      let sent = false;
      const deadline = new Deadline(budget, () => session?.destroy(`coordination ${what} timed out`));
      try {
        session = this.session(node);
        await deadline.race(session.ready);
        const status = await deadline.race(session.query("SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status', 'wsrep_ready')"));
        const v = new Map((status as unknown[][]).map((r) => [String(r[0]).toLowerCase(), String(r[1])]));
        if (v.get('wsrep_cluster_status') !== 'Primary' || v.get('wsrep_ready') !== 'ON') {
          throw new NodeFailure('COORD_NOT_PRIMARY', `${node.name} (${node.host}:${node.port}) is not in the Primary component (wsrep_cluster_status ${v.get('wsrep_cluster_status') ?? '?'}, wsrep_ready ${v.get('wsrep_ready') ?? '?'})`);
        }
        const result = await deadline.race(fn(session, node, () => {
          sent = true;
        }));
        this.order = [node, ...this.order.filter((n) => n !== node)];
        return result;
      } catch (err) {
        const a = this.attempt(node, err, deadline, sent, budget);
        attempts.push(a);
        this.order = [...this.order.filter((n) => n !== node), node];
        if (!a.retry) break;
      } finally {
        deadline.clear();
      }
    }
    if (attempts.length === 0) attempts.push({ node: nodes[0]?.name ?? '?', code: 'COORD_TIMEOUT', message: `no time left of the store's timeout of ${this.o.timeoutMs} ms`, retry: false });
    const last = attempts[attempts.length - 1];
    const code: StoreFailureCode = attempts.some((a) => a.code === 'COORD_WRITE_UNKNOWN') ? 'COORD_WRITE_UNKNOWN'
      : attempts.every((a) => a.code === 'COORD_NOT_PRIMARY') ? 'COORD_NOT_PRIMARY'
        : last?.code === 'COORD_TIMEOUT' ? 'COORD_TIMEOUT' : attempts.find((a) => a.code !== 'COORD_NOT_PRIMARY' && a.code !== 'COORD_STORE_UNAVAILABLE')?.code ?? 'COORD_STORE_UNAVAILABLE';
    return fail({
      code,
      message: `coordination store (${this.table}): the ${what} failed on every node tried: ${attempts.map((a) => a.message).join('; ')}`,
      attempts: attempts.map(({ node, code: c, message }) => ({ node, code: c, message })),
    });
  }

  private attempt(node: StoreNode, err: unknown, deadline: Deadline, sent: boolean, budget: number): { node: string; code: StoreFailureCode; message: string; retry: boolean } {
    this.drop(node);
    const where = `${node.name} (${node.host}:${node.port})`;
    if (err instanceof NodeFailure) return { node: node.name, code: err.code, message: err.message, retry: err.code === 'COORD_NOT_PRIMARY' };
    if (err instanceof DeadlineExceeded || deadline.passed) {
      // a write that went out may still commit: only the next read can tell
      if (sent) return { node: node.name, code: 'COORD_WRITE_UNKNOWN', message: `${where}: no answer to the write within ${budget} ms; its outcome is unknown until the next read`, retry: false };
      return { node: node.name, code: 'COORD_TIMEOUT', message: `${where}: no answer within ${budget} ms (its share of the store's timeout of ${this.o.timeoutMs} ms)`, retry: true };
    }
    const errno = errnoOf(err);
    if (errno !== undefined && DENIED_ERRNOS.has(errno)) return { node: node.name, code: 'COORD_ACCESS_DENIED', message: `${where}: ${firstLine(err)} (grants: docs/coordination.md)`, retry: !sent };
    if (errno !== undefined && NOT_PRIMARY_ERRNOS.has(errno)) return { node: node.name, code: 'COORD_NOT_PRIMARY', message: `${where}: ${firstLine(err)}`, retry: true };
    if (sent) return { node: node.name, code: errno !== undefined ? 'COORD_STORE_ERROR' : 'COORD_WRITE_UNKNOWN', message: `${where}: ${firstLine(err)}`, retry: false };
    return { node: node.name, code: errno !== undefined ? 'COORD_STORE_ERROR' : 'COORD_STORE_UNAVAILABLE', message: `${where}: ${firstLine(err)}`, retry: true };
  }

  private session(node: StoreNode): MysqlSession {
    const s = this.sessions.get(node.name);
    if (s?.usable) return s;
    s?.destroy();
    const fresh = this.o.openSession ? this.o.openSession(node, this.o.session) : new MysqlSession(node, { ...this.o.session, keepAlive: true });
    this.sessions.set(node.name, fresh);
    return fresh;
  }

  private drop(node: StoreNode): void {
    this.sessions.get(node.name)?.destroy();
    this.sessions.delete(node.name);
  }

  async close(): Promise<void> {
    this.destroyed = true;
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }

  destroy(): void {
    this.destroyed = true;
    for (const s of this.sessions.values()) s.destroy('the coordination store was destroyed');
    this.sessions.clear();
  }
}
