// The agent's work loop: one tick at a time (never two at once), every interval and whenever the pod list
// changes. Core: the elected core makes proxysql_servers equal to the serving core pods and runs LOAD
// PROXYSQL SERVERS TO RUNTIME only when that changed it or when the serving satellites changed; the other
// cores stand by, except when stranded (their table names no other serving core pod: they could never sync
// again), then they write the serving core pods once. Satellite: points at the core pods (stranded: it
// writes the serving core pods); when every core it points at is gone and no core pod serves, LOAD PROXYSQL
// SERVERS FROM CONFIG (the core service of its config), once until things change again. A standby core or a
// satellite whose table has differed from the serving core pods for resyncAfterMs (the same pods all along)
// writes them too: ProxySQL never syncs from a peer whose table is as old as its own to the second (its
// "epoch times are EQUAL" sync conflict), so a node that loaded its table in the second the leader loaded
// another would otherwise keep it for good.
import { quote } from '../apply/proxysql/admin-client.js';
import type { AdminSession } from './admin-session.js';
import { desiredRows, everyCoreGone, parseRows, podSetKey, rewriteStatements, sameRows, stranded } from './cluster-rows.js';
import type { ServerRow } from './cluster-rows.js';
import type { LeaseElector } from './lease-election.js';
import { servingPods } from './pod-watcher.js';
import type { PodInfo } from './pod-watcher.js';

export interface PodSource {
  readonly synced: boolean;
  readonly pods: ReadonlyMap<string, PodInfo>;
}

export interface AgentLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface AgentRuntimeOptions {
  mode: 'core' | 'satellite';
  admin: AdminSession;
  cores: PodSource;
  /** core mode: the satellites, whose changes make the leader reload */
  satellites?: PodSource;
  /** core mode: the election (absent: this core always acts) */
  elector?: LeaseElector;
  adminPort: number;
  /** this pod's name (a core's own row is no peer to sync from) */
  podName?: string;
  intervalMs: number;
  coreStaleMs: number;
  /** a standby core or a satellite whose table differs from the serving core pods this long rewrites it (0: never) */
  resyncAfterMs: number;
  log: AgentLog;
  /** the clock (tests) */
  now?: () => number;
}

export interface Reload {
  at: number;
  reason: 'cores-changed' | 'satellites-changed' | 'every-core-gone' | 'stranded' | 'diverged' | 'forced';
  rows: ServerRow[];
}

export class AgentRuntime {
  readonly #o: AgentRuntimeOptions;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;
  #satellitesKey: string | undefined;
  /** satellite: the rows LOAD ... FROM CONFIG gave, not to be reloaded while they stand */
  #configRows: ServerRow[] | undefined;
  #force = false;
  /** since when the table has differed from the serving core pods (`want`: the rows it should hold) */
  #diverged: { want: string; since: number } | undefined;
  lastReload: Reload | undefined;
  lastError: string | undefined;
  readonly counts = { ticks: 0, loads: 0, failedTicks: 0 };

  constructor(o: AgentRuntimeOptions) {
    this.#o = o;
  }

  get acting(): boolean {
    return this.#o.mode === 'core' ? (this.#o.elector?.leader ?? true) : true;
  }

  start(): void {
    this.poke();
  }

  /** Runs a tick soon (now if idle, right after the running one otherwise). */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.#tick().finally(() => {
      this.#running = undefined;
      if (this.#stopped) return;
      if (this.#again) {
        this.#again = false;
        this.poke();
      } else {
        this.#timer = setTimeout(() => this.poke(), this.#o.intervalMs);
      }
    });
  }

  /** Satellite: reload from the config on the next tick even if it did so already; core: rewrite and reload. */
  forceResync(): void {
    this.#force = true;
    this.#configRows = undefined;
    this.poke();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  async #tick(): Promise<void> {
    this.counts.ticks += 1;
    try {
      if (this.#o.mode === 'core') await this.#core();
      else await this.#satellite();
      this.lastError = undefined;
    } catch (err) {
      this.counts.failedTicks += 1;
      const msg = (err as Error).message;
      if (msg !== this.lastError) this.#o.log.warn({ err: msg, code: (err as { code?: string }).code }, 'agent tick failed');
      this.lastError = msg;
    }
  }

  async #core(): Promise<void> {
    const { cores, satellites, admin } = this.#o;
    if (!cores.synced) return;
    const serving = servingPods(cores.pods.values());
    const want = desiredRows(serving, this.#o.adminPort);
    // never empty the table: no serving core (this one starting, the API lagging) means wait
    if (want.length === 0) return;
    if (!this.acting) {
      const have = parseRows(await admin.query('SELECT hostname, port, weight, comment FROM runtime_proxysql_servers'));
      if (!await this.#unstrand(serving, want, have)) await this.#resyncIfDiverged(have, want);
      return;
    }
    this.#diverged = undefined;
    const satKey = satellites?.synced ? podSetKey(servingPods(satellites.pods.values())) : undefined;
    const have = parseRows(await admin.query('SELECT hostname, port, weight, comment FROM runtime_proxysql_servers'));
    const force = this.#force;
    this.#force = false;
    if (force || !sameRows(have, want)) {
      await admin.queries(rewriteStatements(want, quote));
      this.#loaded(force ? 'forced' : 'cores-changed', want);
      this.#o.log.info({ from: have.map(addr), to: want.map(addr) }, 'proxysql_servers now the serving core pods: LOAD PROXYSQL SERVERS TO RUNTIME');
    } else if (satKey !== undefined && this.#satellitesKey !== undefined && satKey !== this.#satellitesKey) {
      await admin.query('LOAD PROXYSQL SERVERS TO RUNTIME');
      this.#loaded('satellites-changed', want);
      this.#o.log.info({ satellites: satKey }, 'serving satellites changed: LOAD PROXYSQL SERVERS TO RUNTIME');
    }
    if (satKey !== undefined) this.#satellitesKey = satKey;
  }

  /** A standby core or a satellite whose table names no serving core pod: write the serving core pods. */
  async #unstrand(serving: PodInfo[], want: ServerRow[], have: ServerRow[]): Promise<boolean> {
    if (!stranded(have, serving, this.#o.podName)) return false;
    await this.#rewrite('stranded', have, want, 'proxysql_servers names no serving core pod: rewritten to the serving core pods, LOAD PROXYSQL SERVERS TO RUNTIME');
    return true;
  }

  /**
   * A standby core or a satellite whose table has differed from the serving core pods (the same `want`
   * throughout) for resyncAfterMs: ProxySQL's own sync had its chance and did not take it (its table is as
   * new as its peers', to the second), so it writes the rows the leader writes. Returns whether it did.
   */
  async #resyncIfDiverged(have: ServerRow[], want: ServerRow[]): Promise<boolean> {
    if (sameRows(have, want) || this.#o.resyncAfterMs <= 0) {
      this.#diverged = undefined;
      return false;
    }
    const now = (this.#o.now ?? Date.now)();
    const key = want.map((r) => `${addr(r)}/${r.weight}/${r.comment}`).join(',');
    if (this.#diverged?.want !== key) {
      this.#diverged = { want: key, since: now };
      return false;
    }
    if (now - this.#diverged.since < this.#o.resyncAfterMs) return false;
    await this.#rewrite('diverged', have, want, `proxysql_servers has differed from the serving core pods for ${now - this.#diverged.since} ms without ProxySQL syncing it: rewritten to the serving core pods, LOAD PROXYSQL SERVERS TO RUNTIME`);
    return true;
  }

  async #rewrite(reason: 'stranded' | 'diverged', have: ServerRow[], want: ServerRow[], msg: string): Promise<void> {
    await this.#o.admin.queries(rewriteStatements(want, quote));
    this.#configRows = undefined;
    this.#diverged = undefined;
    this.#loaded(reason, want);
    this.#o.log.info({ from: have.map(addr), to: want.map(addr) }, msg);
  }

  async #satellite(): Promise<void> {
    const { cores, admin } = this.#o;
    const have = parseRows(await admin.query('SELECT hostname, port, weight, comment FROM runtime_proxysql_servers'));
    // core pods serve: point at them if the table names none (every listed core replaced before this node
    // synced, or the core Service of the config while the cores were away)
    const serving = cores.synced ? servingPods(cores.pods.values()) : [];
    if (!this.#force && serving.length > 0) {
      const want = desiredRows(serving, this.#o.adminPort);
      if (await this.#unstrand(serving, want, have) || await this.#resyncIfDiverged(have, want)) return;
    } else {
      this.#diverged = undefined;
    }
    const metrics = (await admin.query('SELECT hostname, port, last_check_ms, Uptime_s FROM stats_proxysql_servers_metrics'))
      .map((r) => ({ hostname: r.hostname ?? '', port: Number(r.port), lastCheckMs: Number(r.last_check_ms), uptimeS: Number(r.Uptime_s) }));
    const ips = new Set(cores.synced ? servingPods(cores.pods.values()).map((p) => p.ip!) : []);
    const force = this.#force;
    this.#force = false;
    if (!force && !everyCoreGone(have, metrics, ips, this.#o.coreStaleMs)) {
      this.#configRows = undefined;
      return;
    }
    // done already, and nothing moved since: the core service will answer when it is back
    if (!force && this.#configRows && sameRows(have, this.#configRows)) return;
    // FROM CONFIG merges the file's rows into the table (measured on 2.7.1): empty it first
    await admin.query('DELETE FROM proxysql_servers');
    await admin.query('LOAD PROXYSQL SERVERS FROM CONFIG');
    await admin.query('LOAD PROXYSQL SERVERS TO RUNTIME');
    const now = parseRows(await admin.query('SELECT hostname, port, weight, comment FROM runtime_proxysql_servers'));
    this.#configRows = now;
    this.#loaded(force ? 'forced' : 'every-core-gone', now);
    this.#o.log.info({ from: have.map(addr), to: now.map(addr) }, 'every core is gone: LOAD PROXYSQL SERVERS FROM CONFIG');
  }

  #loaded(reason: Reload['reason'], rows: ServerRow[]): void {
    this.counts.loads += 1;
    this.lastReload = { at: Date.now(), reason, rows };
  }
}

const addr = (r: ServerRow): string => `${r.hostname}:${r.port}`;
