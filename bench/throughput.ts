// Scenario `throughput`: the data path (issue 16, item 2). Point-select and point-write at 1, 16 and 64
// persistent connections, and connect-per-query (a new connection, one point select, close; several
// clients at once), direct to the writer node, through HAProxy (`nbthread 1`) and through the built-in proxy.
// Each cell runs in several passes, the targets in alternating order (ABC, CBA, ...), to even out drift
// on a shared machine; ops/s and p50 / p99 latency over all passes, plus the router's CPU per 1000 ops.
import os from 'node:os';
import mysql from 'mysql2/promise';
import { percentile } from './lib/analysis.js';
import { int, table } from './lib/table.js';
import { clock, errorCode, round1, sleep, withTimeout } from './lib/util.js';
import type { BenchContext, Scenario } from './runner.js';

const round2 = (x: number): number => Math.round(x * 100) / 100;

const KV_ROWS = 10_000;
const WORKLOADS = {
  'point-select': 'SELECT v FROM app.kv WHERE id = ?',
  'point-write': 'UPDATE app.kv SET v = v + 1 WHERE id = ?',
  'connect-per-query': 'SELECT v FROM app.kv WHERE id = ?',
} as const;
type Workload = keyof typeof WORKLOADS;
/** Persistent connections for point-select and point-write; connect-per-query runs CONNECT_CLIENTS loops at once. */
const CONNECTIONS = [1, 16, 64];
const CONNECT_CLIENTS = 4;
const connectionsOf = (w: Workload): number[] => (w === 'connect-per-query' ? [CONNECT_CLIENTS] : CONNECTIONS);
/** Issue 16: the built-in proxy's throughput at least HAProxy's, its p99 no worse (printed, never asserted). */
const TARGET_RATIO = 1;

interface Target {
  id: string;
  label: string;
  port: number;
}

interface Pass {
  ops: number;
  errors: number;
  seconds: number;
  routerCpuMs: number | null;
  loadgenCpuMs: number;
}

export interface Cell {
  workload: Workload;
  connections: number;
  target: string;
  ops: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU of the router process (HAProxy, or the warden with its proxy) per 1000 ops, ms, less its idle CPU (checks, probing) */
  routerCpuMsPer1000: number | null;
  /** the same, not less idle CPU */
  routerCpuMsPer1000Raw: number | null;
  /** CPU of the load generator (the bench process) per 1000 ops, ms */
  loadgenCpuMsPer1000: number;
  passes: Pass[];
}

export interface ThroughputResult {
  settings: Record<string, unknown>;
  /** os.loadavg() (1, 5, 15 min) when the scenario started and when it ended */
  load: { start: number[]; end: number[] };
  cells: Cell[];
}

/** CPU a router process uses per second with no client traffic (its health checks, or the warden's probing). */
async function idleCpuRate(ctx: BenchContext, id: string, ms = 3000): Promise<number | null> {
  const a = ctx.env.routerCpuMs(id);
  const t0 = clock();
  await sleep(ms, ctx.signal);
  const b = ctx.env.routerCpuMs(id);
  return a === undefined || b === undefined ? null : round1(((b - a) / (clock() - t0)) * 1000);
}

/** One connect-per-query operation: a new connection, one query, a clean close (COM_QUIT). */
async function connectQueryClose(ctx: BenchContext, target: Target, sql: string): Promise<void> {
  const c = await withTimeout(mysql.createConnection(ctx.env.appOptions(target.port, 5000)), 6000, `connect to ${target.label}`);
  c.on('error', () => undefined);
  try {
    await c.query({ sql, timeout: 10_000 }, [1 + Math.floor(Math.random() * KV_ROWS)]);
    await c.end();
  } catch (err) {
    c.destroy();
    throw err;
  }
}

async function runPass(ctx: BenchContext, target: Target, workload: Workload, conns: number, warmupMs: number, measureMs: number, lat: number[]): Promise<Pass> {
  const { env } = ctx;
  const sql = WORKLOADS[workload];
  const perQuery = workload === 'connect-per-query';
  const connections = perQuery ? Array.from({ length: conns }, () => undefined) : await Promise.all(
    Array.from({ length: conns }, async () => {
      const c = await withTimeout(mysql.createConnection(env.appOptions(target.port, 5000)), 6000, `connect to ${target.label}`);
      c.on('error', () => undefined);
      return c;
    }),
  );
  let ops = 0;
  let errors = 0;
  const start = clock();
  const measureFrom = start + warmupMs;
  const end = measureFrom + measureMs;
  let cpu0: { router: number | undefined; loadgen: NodeJS.CpuUsage } | undefined;
  const mark = setTimeout(() => {
    cpu0 = { router: env.routerCpuMs(target.id), loadgen: process.cpuUsage() };
  }, warmupMs);
  try {
    await Promise.all(
      connections.map(async (c) => {
        for (;;) {
          const t0 = clock();
          if (t0 >= end || ctx.signal.aborted) return;
          try {
            if (c === undefined) await connectQueryClose(ctx, target, sql);
            else await c.query({ sql, timeout: 10_000 }, [1 + Math.floor(Math.random() * KV_ROWS)]);
          } catch (err) {
            errors++;
            if (errors === 1) ctx.log(`  ${target.label}: ${errorCode(err)}`);
            await sleep(10);
            continue;
          }
          const t1 = clock();
          if (t0 >= measureFrom && t1 <= end) {
            ops++;
            lat.push(t1 - t0);
          }
        }
      }),
    );
  } finally {
    clearTimeout(mark);
    for (const c of connections) c?.destroy();
  }
  const router1 = env.routerCpuMs(target.id);
  const loadgen = cpu0 ? process.cpuUsage(cpu0.loadgen) : { user: 0, system: 0 };
  return {
    ops,
    errors,
    seconds: measureMs / 1000,
    routerCpuMs: cpu0?.router !== undefined && router1 !== undefined ? router1 - cpu0.router : null,
    loadgenCpuMs: (loadgen.user + loadgen.system) / 1000,
  };
}

export const throughput: Scenario<ThroughputResult> = {
  name: 'throughput',
  title: 'Data path: point-select and point-write at 1, 16 and 64 connections, connect-per-query; direct / HAProxy nbthread 1 / built-in proxy',
  async run(ctx) {
    const { env, options, log } = ctx;
    const loadStart = os.loadavg().map(round2);
    log(`  load average ${loadStart.join(' ')}`);
    const sb = env.sandbox;
    await env.restore('node1');
    const exists = await sb.sql(1, 'SELECT COUNT(*) FROM app.kv');
    if (Number(exists[0]?.[0]) !== KV_ROWS) {
      await sb.sql(1, 'DELETE FROM app.kv');
      for (let from = 1; from <= KV_ROWS; from += 2000) {
        const values = Array.from({ length: Math.min(2000, KV_ROWS - from + 1) }, (_, i) => `(${from + i},0)`).join(',');
        await sb.sql(1, `INSERT INTO app.kv (id, v) VALUES ${values}`);
      }
    }
    const haproxy = env.routers.find((r) => r.id === 'haproxy')!;
    const builtin = env.routers.find((r) => r.id === 'builtin')!;
    const targets: Target[] = [
      { id: 'direct', label: 'direct to node1', port: env.ports.node(1) },
      { id: haproxy.id, label: haproxy.label, port: haproxy.port },
      { id: builtin.id, label: builtin.label, port: builtin.port },
    ];
    const idleCpuMsPerSec: Record<string, number | null> = {};
    for (const t of targets) if (t.id !== 'direct') idleCpuMsPerSec[t.id] = await idleCpuRate(ctx, t.id);
    log(`  idle router CPU, ms per s: ${JSON.stringify(idleCpuMsPerSec)}`);
    const measureMs = Math.max(1000, (options.quick ? 2 : options.cellSeconds) * 1000);
    const warmupMs = 500;
    const passCount = 2;
    const cells: Cell[] = [];
    for (const workload of Object.keys(WORKLOADS) as Workload[]) {
      for (const conns of connectionsOf(workload)) {
        const lat = new Map<string, number[]>(targets.map((t) => [t.id, []]));
        const passes = new Map<string, Pass[]>(targets.map((t) => [t.id, []]));
        for (let pass = 0; pass < passCount; pass++) {
          for (const t of pass % 2 === 0 ? targets : [...targets].reverse()) {
            const p = await runPass(ctx, t, workload, conns, warmupMs, measureMs / passCount, lat.get(t.id)!);
            passes.get(t.id)!.push(p);
          }
        }
        for (const t of targets) {
          const ps = passes.get(t.id)!;
          const l = Float64Array.from(lat.get(t.id)!).sort();
          const ops = ps.reduce((s, p) => s + p.ops, 0);
          const seconds = ps.reduce((s, p) => s + p.seconds, 0);
          const idle = idleCpuMsPerSec[t.id] ?? 0;
          const routerCpuRaw = ps.every((p) => p.routerCpuMs !== null) ? ps.reduce((s, p) => s + p.routerCpuMs!, 0) : null;
          const routerCpu = routerCpuRaw === null ? null : Math.max(0, routerCpuRaw - idle * seconds);
          const cell: Cell = {
            workload,
            connections: conns,
            target: t.id,
            ops,
            errors: ps.reduce((s, p) => s + p.errors, 0),
            seconds,
            opsPerSec: Math.round(ops / seconds),
            p50Ms: Math.round(percentile(l, 50) * 1000) / 1000,
            p99Ms: Math.round(percentile(l, 99) * 1000) / 1000,
            routerCpuMsPer1000: routerCpu === null || ops === 0 ? null : round1((routerCpu / ops) * 1000),
            routerCpuMsPer1000Raw: routerCpuRaw === null || ops === 0 ? null : round1((routerCpuRaw / ops) * 1000),
            loadgenCpuMsPer1000: ops === 0 ? 0 : round1((ps.reduce((s, p) => s + p.loadgenCpuMs, 0) / ops) * 1000),
            passes: ps,
          };
          cells.push(cell);
        }
        const line = targets.map((t) => {
          const c = cells.find((x) => x.workload === workload && x.connections === conns && x.target === t.id)!;
          return `${t.id} ${int(c.opsPerSec)}/s`;
        });
        log(`  ${workload} x${conns}: ${line.join(', ')}`);
      }
    }
    return {
      settings: { idleCpuMsPerSec, kvRows: KV_ROWS, workloads: WORKLOADS, connections: CONNECTIONS, connectClients: CONNECT_CLIENTS, measureSecondsPerCell: measureMs / 1000, warmupMsPerPass: warmupMs, passes: passCount, order: 'alternating ABC, CBA, ...', targets },
      load: { start: loadStart, end: os.loadavg().map(round2) },
      cells,
    };
  },
  report(result) {
    const get = (w: string, n: number, t: string) => result.cells.find((c) => c.workload === w && c.connections === n && c.target === t);
    const ratioText = (a: number | null | undefined, b: number | null | undefined) =>
      a !== null && a !== undefined && b !== null && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}x` : '-';
    const num = (v: number | null | undefined, digits = 1) => (v === null || v === undefined ? '-' : v.toFixed(digits));
    const rows: string[][] = [];
    const verdicts: boolean[] = [];
    for (const w of Object.keys(WORKLOADS) as Workload[]) {
      for (const n of connectionsOf(w)) {
        const d = get(w, n, 'direct');
        const h = get(w, n, 'haproxy');
        const b = get(w, n, 'builtin');
        if (h && b && h.opsPerSec > 0) verdicts.push(b.opsPerSec >= TARGET_RATIO * h.opsPerSec && b.p99Ms <= h.p99Ms);
        rows.push([
          w, w === 'connect-per-query' ? `${n} clients` : String(n),
          d ? `${int(d.opsPerSec)} / ${d.p99Ms.toFixed(2)}` : '-',
          h ? int(h.opsPerSec) : '-', b ? int(b.opsPerSec) : '-', ratioText(b?.opsPerSec, h?.opsPerSec),
          num(h?.p99Ms, 2), num(b?.p99Ms, 2), ratioText(b?.p99Ms, h?.p99Ms),
          num(h?.routerCpuMsPer1000), num(b?.routerCpuMsPer1000), ratioText(b?.routerCpuMsPer1000, h?.routerCpuMsPer1000),
          `${num(h?.routerCpuMsPer1000Raw)} / ${num(b?.routerCpuMsPer1000Raw)}`,
        ]);
      }
    }
    const s = result.settings;
    return [
      `writer port -> node1; queries/s and p99 latency (ms; connect-per-query: connect + query + close); ${String(s.measureSecondsPerCell)} s measured per cell and target in ${String(s.passes)} passes (targets in alternating order, new connections and ${String(s.warmupMsPerPass)} ms warm-up per pass)`,
      `CPU: utime + stime of the proxy process (/proc/<pid>/stat: haproxy; the warden \`run\` process for the built-in proxy) per 1000 queries, less its idle CPU (ms/s: ${JSON.stringify(s.idleCpuMsPerSec)}); raw = not less idle`,
      table(['workload', 'conns', 'direct q/s / p99', 'HAProxy q/s', 'built-in q/s', 'ratio', 'HAProxy p99', 'built-in p99', 'ratio', 'HAProxy CPU ms/1000', 'built-in CPU ms/1000', 'ratio', 'raw CPU (HAProxy / built-in)'], rows),
      `target built-in >= HAProxy's throughput and p99 no worse: ${verdicts.length > 0 && verdicts.every(Boolean) ? 'met' : `NOT met in ${verdicts.filter((v) => !v).length} of ${verdicts.length} cells`}`,
      `load average (1/5/15 min) ${result.load.start.join(' ')} at the start, ${result.load.end.join(' ')} at the end; ${os.cpus().length} CPUs shared by the load generator (mysql2 in the bench process), the router and the three mariadbd; HAProxy runs with nbthread 1 like the single-threaded built-in proxy.`,
    ].join('\n');
  },
};
