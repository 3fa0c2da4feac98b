// Scenario `soak` (issue 16, item 4): the bench environment's warden (`galera-warden run`, built-in proxy,
// probing every 200 ms) carries traffic for `--minutes` (default 3) with one fault a minute, rotating over the
// nodes: SIGKILL then start again, SIGSTOP for 3 s, wsrep_desync for 5 s. The figures come from the warden
// process itself, through its /metrics (prom-client's default metrics: process_resident_memory_bytes,
// nodejs_heap_size_used_bytes, nodejs_eventloop_lag_p99_seconds from perf_hooks' monitorEventLoopDelay, reset
// at every scrape, and nodejs_active_resources by type from process.getActiveResourcesInfo()), scraped every
// 5 s. Printed: the first minute beside the last, and the growth; and the counts at rest (no client connected,
// every node back) before the traffic starts and after it stops: a leaked socket or timer shows there.
import mysql from 'mysql2/promise';
import { percentile } from './lib/analysis.js';
import { table } from './lib/table.js';
import { clock, round1, sleep } from './lib/util.js';
import type { BenchContext, Scenario } from './runner.js';

const SCRAPE_EVERY_MS = 5000;
const FAULT_AT_S = 20;
const FAULTS = ['kill', 'freeze', 'desync'] as const;
type SoakFault = (typeof FAULTS)[number];
/** persistent clients (point select, every 10th statement a write) and one client opening a connection per query */
const PERSISTENT = 4;
const CONNECT_EVERY_MS = 50;

/** one scrape of the warden's /metrics, in the units printed */
export interface SoakSample {
  /** ms since the traffic started (negative: before) */
  t: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  /** p99 of the event-loop delay since the previous scrape, ms */
  loopP99Ms: number;
  cpuSeconds: number;
  handles: number;
  resources: number;
  sockets: number;
  timers: number;
  fds: number;
}

export interface SoakMinute {
  minute: number;
  samples: number;
  rssMb: number;
  rssMaxMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  loopP99Ms: number;
  loopP99MaxMs: number;
  cpuCores: number;
  handles: number;
  sockets: number;
  timers: number;
  fds: number;
  queries: number;
  failed: number;
  connects: number;
}

export interface SoakFaultRecord {
  minute: number;
  kind: SoakFault;
  node: string;
  /** ms from the fault until every node was Synced again (null: not within the minute) */
  backMs: number | null;
  error?: string;
}

export interface SoakResult {
  minutes: number;
  quietStart: SoakSample;
  quietEnd: SoakSample;
  perMinute: SoakMinute[];
  faults: SoakFaultRecord[];
  samples: SoakSample[];
}

/** the value of one Prometheus sample line `name{labels} value` (labels matched as written), or NaN */
export function metricValue(text: string, name: string, labels = ''): number {
  const key = `${labels === '' ? name : `${name}{${labels}}`} `;
  const line = text.split('\n').find((l) => l.startsWith(key));
  return line === undefined ? NaN : Number(line.slice(key.length).trim().split(' ')[0]);
}

export function parseSample(text: string, t: number): SoakSample {
  const mb = (name: string) => round1(metricValue(text, name) / 1048576);
  const resource = (type: string) => metricValue(text, 'nodejs_active_resources', `type="${type}"`);
  const orZero = (x: number) => (Number.isNaN(x) ? 0 : x);
  return {
    t,
    rssMb: mb('process_resident_memory_bytes'),
    heapUsedMb: mb('nodejs_heap_size_used_bytes'),
    heapTotalMb: mb('nodejs_heap_size_total_bytes'),
    externalMb: mb('nodejs_external_memory_bytes'),
    loopP99Ms: round1(metricValue(text, 'nodejs_eventloop_lag_p99_seconds') * 1000),
    cpuSeconds: metricValue(text, 'process_cpu_seconds_total'),
    handles: metricValue(text, 'nodejs_active_handles_total'),
    resources: metricValue(text, 'nodejs_active_resources_total'),
    sockets: orZero(resource('TCPSocketWrap')),
    timers: orZero(resource('Timeout')),
    fds: metricValue(text, 'process_open_fds'),
  };
}

/** the lower median (nearest rank), NaN for none */
const median = (xs: number[]): number => percentile([...xs].sort((a, b) => a - b), 50);

/** Client traffic through the warden's writer port, counted per minute. */
class Traffic {
  stopped = false;
  readonly counts = new Map<number, { queries: number; failed: number; connects: number }>();
  private readonly loops: Promise<void>[] = [];
  constructor(private readonly ctx: BenchContext, private readonly port: number, private readonly t0: number) {}

  private count(what: 'queries' | 'failed' | 'connects'): void {
    const m = Math.floor((clock() - this.t0) / 60_000);
    const c = this.counts.get(m) ?? { queries: 0, failed: 0, connects: 0 };
    c[what]++;
    this.counts.set(m, c);
  }

  start(): void {
    for (let i = 0; i < PERSISTENT; i++) this.loops.push(this.persistent(i));
    this.loops.push(this.connectPerQuery());
  }

  private async persistent(client: number): Promise<void> {
    let seq = 0;
    while (!this.stopped) {
      let c: mysql.Connection | undefined;
      try {
        c = await mysql.createConnection(this.ctx.env.appOptions(this.port, 5000));
        c.on('error', () => undefined);
        this.count('connects');
        while (!this.stopped) {
          const id = client * 1000 + (seq++ % 100);
          if (seq % 10 === 0) await c.query({ sql: 'INSERT INTO app.kv (id, v) VALUES (?, 1) ON DUPLICATE KEY UPDATE v = v + 1', timeout: 10_000 }, [id]);
          else await c.query({ sql: 'SELECT v FROM app.kv WHERE id = ?', timeout: 10_000 }, [id]);
          this.count('queries');
        }
      } catch {
        this.count('failed');
        await sleep(100);
      } finally {
        c?.destroy();
      }
    }
  }

  private async connectPerQuery(): Promise<void> {
    while (!this.stopped) {
      const t = clock();
      let c: mysql.Connection | undefined;
      try {
        c = await mysql.createConnection(this.ctx.env.appOptions(this.port, 5000));
        c.on('error', () => undefined);
        this.count('connects');
        await c.query({ sql: 'SELECT 1', timeout: 10_000 });
        this.count('queries');
        await c.end();
      } catch {
        this.count('failed');
      } finally {
        c?.destroy();
      }
      await sleep(Math.max(0, CONNECT_EVERY_MS - (clock() - t)));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

async function allSynced(ctx: BenchContext): Promise<boolean> {
  const st = await ctx.env.sandbox.status();
  return st.length === 3 && st.every((s) => s.process === 'running' && s.state === 'Synced' && s.clusterSize === 3 && s.clusterStatus === 'Primary');
}

/** Thaws a frozen node and starts a stopped one; true once every node is Synced in one Primary view (within `ms`). */
async function healed(ctx: BenchContext, ms: number): Promise<boolean> {
  const sb = ctx.env.sandbox;
  if (await allSynced(ctx).catch(() => false)) return true;
  for (const r of await sb.status()) {
    if (r.process === 'frozen') sb.thaw(r.index);
    if (r.process === 'stopped') await sb.start(r.index, { wait: false });
  }
  const t = clock();
  while (clock() - t < ms) {
    if (await allSynced(ctx).catch(() => false)) return true;
    await sleep(500, ctx.signal);
  }
  return false;
}

/** One fault on node `index`, healed, then waits (up to `budgetMs`) for every node to be Synced in one Primary view. */
async function fault(ctx: BenchContext, kind: SoakFault, index: number, minute: number, budgetMs: number): Promise<SoakFaultRecord> {
  const sb = ctx.env.sandbox;
  const node = sb.node(index).name;
  const rec: SoakFaultRecord = { minute, kind, node, backMs: null };
  try {
    // never a second fault on top of one not yet healed (two nodes down would end the Primary component)
    if (!(await healed(ctx, 30_000))) {
      rec.error = 'skipped: the cluster was not back from the last fault';
      ctx.log(`  soak: minute ${minute + 1}: ${kind} ${node} ${rec.error}`);
      return rec;
    }
  } catch (err) {
    rec.error = `skipped: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    return rec;
  }
  const t = clock();
  try {
    if (kind === 'kill') {
      sb.kill(index);
      await sleep(2000, ctx.signal);
      await sb.start(index, { wait: false });
    } else if (kind === 'freeze') {
      sb.freeze(index);
      await sleep(3000, ctx.signal);
      sb.thaw(index);
    } else {
      await sb.sql(index, 'SET GLOBAL wsrep_desync=ON');
      await sleep(5000, ctx.signal);
      await sb.sql(index, 'SET GLOBAL wsrep_desync=OFF');
    }
    while (clock() - t < budgetMs) {
      if (await allSynced(ctx).catch(() => false)) {
        rec.backMs = Math.round(clock() - t);
        break;
      }
      await sleep(500, ctx.signal);
    }
  } catch (err) {
    rec.error = err instanceof Error ? err.message.split('\n')[0] : String(err);
  }
  ctx.log(`  soak: minute ${minute + 1}: ${kind} ${node}: ${rec.backMs === null ? `not back${rec.error ? ` (${rec.error})` : ''}` : `all Synced after ${(rec.backMs / 1000).toFixed(1)} s`}`);
  return rec;
}

/** the figures at rest: the least of three scrapes a second apart (a probe's connection may be open at one) */
async function quiet(ctx: BenchContext, t: number): Promise<SoakSample> {
  const s: SoakSample[] = [];
  for (let i = 0; i < 3; i++) {
    s.push(parseSample(await ctx.env.api.metrics(), t));
    await sleep(1000, ctx.signal);
  }
  const least = (k: keyof SoakSample) => Math.min(...s.map((x) => x[k]));
  return { ...s[s.length - 1]!, handles: least('handles'), resources: least('resources'), sockets: least('sockets'), timers: least('timers'), fds: least('fds') };
}

export async function runSoak(ctx: BenchContext, minutes: number): Promise<SoakResult> {
  const env = ctx.env;
  // a first scrape, so that the loop-delay histogram starts now
  await env.api.metrics();
  await sleep(SCRAPE_EVERY_MS, ctx.signal);
  const quietStart = await quiet(ctx, -1);
  ctx.log(`soak: ${minutes} min, one fault a minute at :${FAULT_AT_S}; at rest: RSS ${quietStart.rssMb} MB, ${quietStart.sockets} sockets, ${quietStart.timers} timers, ${quietStart.fds} fds`);
  const t0 = clock();
  const traffic = new Traffic(ctx, env.ports.wardenWriter, t0);
  traffic.start();
  const samples: SoakSample[] = [];
  const faults: SoakFaultRecord[] = [];
  const end = t0 + minutes * 60_000;
  let faulting: Promise<void> | undefined;
  let nextFault = 0;
  try {
    while (clock() < end) {
      if (ctx.signal.aborted) break;
      env.assertRunning();
      const now = clock();
      const minute = Math.floor((now - t0) / 60_000);
      if (faulting === undefined && minute >= nextFault && now - t0 - minute * 60_000 >= FAULT_AT_S * 1000) {
        const kind = FAULTS[minute % FAULTS.length]!;
        // kind and node rotate apart: over 9 minutes each kind hits each node once
        const index = ((minute + Math.floor(minute / 3)) % 3) + 1;
        nextFault = minute + 1;
        const budget = Math.max(5000, t0 + (minute + 1) * 60_000 + FAULT_AT_S * 1000 - 5000 - now);
        faulting = fault(ctx, kind, index, minute, budget).then((r) => void faults.push(r)).finally(() => {
          faulting = undefined;
        });
      }
      try {
        samples.push(parseSample(await env.api.metrics(), Math.round(clock() - t0)));
      } catch (err) {
        ctx.log(`  soak: scrape failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(Math.max(0, SCRAPE_EVERY_MS - ((clock() - t0) % SCRAPE_EVERY_MS)), ctx.signal);
    }
  } finally {
    await traffic.stop();
    await faulting;
  }
  // every node back, every client gone, a few probe intervals: then the counts at rest again
  if (!(await healed(ctx, 120_000))) ctx.log('  soak: the cluster is not all Synced at the end; the counts at rest are taken anyway');
  await sleep(SCRAPE_EVERY_MS, ctx.signal);
  const quietEnd = await quiet(ctx, Math.round(clock() - t0));

  const perMinute: SoakMinute[] = [];
  for (let m = 0; m < minutes; m++) {
    const s = samples.filter((x) => x.t >= m * 60_000 && x.t < (m + 1) * 60_000);
    if (s.length === 0) continue;
    const c = traffic.counts.get(m) ?? { queries: 0, failed: 0, connects: 0 };
    const prev = samples.filter((x) => x.t < m * 60_000).at(-1) ?? s[0]!;
    const last = s[s.length - 1]!;
    perMinute.push({
      minute: m + 1,
      samples: s.length,
      rssMb: median(s.map((x) => x.rssMb)),
      rssMaxMb: Math.max(...s.map((x) => x.rssMb)),
      heapUsedMb: median(s.map((x) => x.heapUsedMb)),
      heapTotalMb: median(s.map((x) => x.heapTotalMb)),
      loopP99Ms: median(s.map((x) => x.loopP99Ms)),
      loopP99MaxMs: Math.max(...s.map((x) => x.loopP99Ms)),
      cpuCores: Math.round(((last.cpuSeconds - prev.cpuSeconds) / Math.max(1, (last.t - prev.t) / 1000)) * 1000) / 1000,
      handles: median(s.map((x) => x.handles)),
      sockets: median(s.map((x) => x.sockets)),
      timers: median(s.map((x) => x.timers)),
      fds: median(s.map((x) => x.fds)),
      ...c,
    });
  }
  return { minutes, quietStart, quietEnd, perMinute, faults, samples };
}

const growth = (a: number, b: number, digits = 1): string => {
  const d = b - a;
  const pct = a === 0 ? '' : ` (${d >= 0 ? '+' : ''}${Math.round((d / a) * 100)}%)`;
  return `${d >= 0 ? '+' : ''}${d.toFixed(digits)}${pct}`;
};

export function reportSoak(r: SoakResult): string {
  const first = r.perMinute[0];
  const last = r.perMinute[r.perMinute.length - 1];
  if (!first || !last) return 'no samples';
  const rows: [string, (m: SoakMinute) => number, number][] = [
    ['RSS MB (median of the minute)', (m) => m.rssMb, 1],
    ['RSS MB (max of the minute)', (m) => m.rssMaxMb, 1],
    ['heap used MB (median)', (m) => m.heapUsedMb, 1],
    ['heap total MB (median)', (m) => m.heapTotalMb, 1],
    ['event-loop delay p99 ms (median of 5 s windows)', (m) => m.loopP99Ms, 1],
    ['event-loop delay p99 ms (worst 5 s window)', (m) => m.loopP99MaxMs, 1],
    ['CPU (cores)', (m) => m.cpuCores, 3],
    ['active handles (median)', (m) => m.handles, 0],
    ['TCP sockets (median)', (m) => m.sockets, 0],
    ['timers (median)', (m) => m.timers, 0],
    ['open fds (median)', (m) => m.fds, 0],
    ['queries through the proxy', (m) => m.queries, 0],
    ['client errors (reconnects)', (m) => m.failed, 0],
  ];
  const q = [r.quietStart, r.quietEnd] as const;
  const rest: [string, (s: SoakSample) => number, number][] = [
    ['RSS MB', (s) => s.rssMb, 1], ['heap used MB', (s) => s.heapUsedMb, 1], ['active handles', (s) => s.handles, 0], ['active resources', (s) => s.resources, 0],
    ['TCP sockets', (s) => s.sockets, 0], ['timers', (s) => s.timers, 0], ['open fds', (s) => s.fds, 0],
  ];
  const faults = r.faults.map((f) => `${f.minute + 1}: ${f.kind} ${f.node} (${f.backMs === null ? `not back${f.error ? `: ${f.error}` : ''}` : `${(f.backMs / 1000).toFixed(0)} s`})`).join(', ');
  const totals = r.perMinute.reduce((a, m) => ({ q: a.q + m.queries, f: a.f + m.failed }), { q: 0, f: 0 });
  return [
    `${r.minutes} min; ${PERSISTENT} persistent clients (point select, every 10th a write) and one connection per query every ${CONNECT_EVERY_MS} ms through the built-in proxy; the warden's own /metrics every ${SCRAPE_EVERY_MS / 1000} s`,
    table(['from the warden process', `minute 1`, `minute ${last.minute}`, 'growth'], rows.map(([name, f, d]) => [name, f(first).toFixed(d), f(last).toFixed(d), growth(f(first), f(last), d)])),
    '',
    'at rest (no client, every node Synced; least of 3 scrapes):',
    table(['', 'before the traffic', 'after it', 'growth'], rest.map(([name, f, d]) => [name, f(q[0]).toFixed(d), f(q[1]).toFixed(d), growth(f(q[0]), f(q[1]), d)])),
    `faults (minute: kind node, back to all Synced): ${faults}`,
    `queries ${totals.q}, client errors ${totals.f}`,
  ].join('\n');
}

export const soak: Scenario<SoakResult> = {
  name: 'soak',
  title: 'Soak: the warden with its built-in proxy carrying traffic, one fault a minute (issue 16, item 4)',
  run: (ctx) => runSoak(ctx, ctx.options.minutes),
  report: (r) => reportSoak(r),
};
