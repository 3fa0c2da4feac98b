// Watches Galera's own view of the cluster: every ~20 ms, per node, wsrep_cluster_conf_id / size / status
// over a direct connection. Keeps only the changes, each with the interval in which it happened.
import mysql from 'mysql2/promise';
import { clock, sleep, withTimeout } from './util.js';

export interface ViewChange {
  node: string;
  /** the change happened in (since, seen]: since = the previous poll's send time, seen = this poll's answer */
  since: number;
  seen: number;
  /** best estimate: the middle of that interval */
  t: number;
  confId: number;
  size: number;
  status: string;
}

export interface WatchedNode {
  name: string;
  host: string;
  port: number;
}

const QUERY = "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_conf_id','wsrep_cluster_size','wsrep_cluster_status')";

export class GaleraWatch {
  readonly changes: ViewChange[] = [];
  private stopped = false;
  private loops: Promise<void>[] = [];
  private readonly conns = new Set<mysql.Connection>();

  constructor(private readonly nodes: WatchedNode[], private readonly user: string, private readonly password: string, private readonly everyMs = 20) {}

  start(): void {
    this.loops = this.nodes.map((n) => this.watch(n));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const c of this.conns) c.destroy();
    await Promise.all(this.loops);
  }

  private async watch(n: WatchedNode): Promise<void> {
    let conn: mysql.Connection | undefined;
    let last: { confId: number; size: number; status: string } | undefined;
    let prevSent = clock();
    while (!this.stopped) {
      const sent = clock();
      try {
        if (!conn) {
          conn = await withTimeout(mysql.createConnection({ host: n.host, port: n.port, user: this.user, password: this.password, connectTimeout: 1000 }), 1500, 'connect');
          conn.on('error', () => undefined);
          this.conns.add(conn);
        }
        const [rows] = await conn.query({ sql: QUERY, timeout: 1000 });
        const seen = clock();
        const v = Object.fromEntries((rows as { Variable_name: string; Value: string }[]).map((r) => [r.Variable_name.toLowerCase(), r.Value]));
        const confId = Number(v.wsrep_cluster_conf_id);
        // a non-Primary component reports conf_id -1 as an unsigned 64-bit number
        const now = { confId: confId >= 2 ** 63 ? -1 : confId, size: Number(v.wsrep_cluster_size), status: String(v.wsrep_cluster_status) };
        if (!last || last.confId !== now.confId || last.size !== now.size || last.status !== now.status) {
          this.changes.push({ node: n.name, since: prevSent, seen, t: (prevSent + seen) / 2, ...now });
          last = now;
        }
        prevSent = sent;
      } catch {
        if (conn) {
          this.conns.delete(conn);
          conn.destroy();
        }
        conn = undefined;
      }
      const wait = sent + this.everyMs - clock();
      if (wait > 0 && !this.stopped) await sleep(wait);
    }
    if (conn) conn.destroy();
  }
}
