// Where a router sends a new connection now, independent of whether Galera can commit: every `everyMs` a new
// connection through the router asks `SELECT @@wsrep_node_name` (no replication involved, so it answers while
// the group is stalled on a frozen or killed member). Probes overlap (up to `maxInFlight`), so a connection
// stuck on a frozen node does not hide the next one; each answer is recorded as (time, node).
import mysql from 'mysql2/promise';
import type { Ack } from './write-clients.js';
import { clock, sleep, withTimeout } from './util.js';

export interface RouteProbeOptions {
  connection: mysql.ConnectionOptions;
  everyMs: number;
  maxInFlight: number;
  /** connect and query, each */
  timeoutMs: number;
}

export class RouteProbe {
  readonly answers: Ack[] = [];
  errors = 0;
  private stopped = false;
  private inFlight = 0;
  private loop: Promise<void> | undefined;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly o: RouteProbeOptions) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
    await Promise.all([...this.pending]);
  }

  private async one(): Promise<void> {
    const sent = clock();
    let conn: mysql.Connection | undefined;
    const raw = mysql.createConnection({ ...this.o.connection, connectTimeout: this.o.timeoutMs });
    raw.then((c) => c.on('error', () => undefined), () => undefined);
    try {
      conn = await withTimeout(raw, this.o.timeoutMs + 500, 'connect');
      const [rows] = await withTimeout(conn.query({ sql: 'SELECT @@wsrep_node_name AS n', timeout: this.o.timeoutMs }), this.o.timeoutMs + 500, 'query');
      if (!this.stopped) this.answers.push({ t: clock(), node: (rows as { n: string }[])[0]!.n, sent });
    } catch {
      if (!this.stopped) this.errors++;
      // a connection that arrives after the timeout is closed
      raw.then((c) => c.destroy(), () => undefined);
    } finally {
      conn?.destroy();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const started = clock();
      if (this.inFlight < this.o.maxInFlight) {
        this.inFlight++;
        const p: Promise<void> = this.one().finally(() => {
          this.inFlight--;
          this.pending.delete(p);
        });
        this.pending.add(p);
      }
      const wait = started + this.o.everyMs - clock();
      if (wait > 0 && !this.stopped) await sleep(wait);
    }
  }
}
