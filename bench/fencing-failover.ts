// Scenario `fencing`: Galera-native fencing (docs/fencing.md) measured through a second warden whose built-in
// proxy runs with [fencing] on, beside every router of the bench environment (the warden without fencing,
// HAProxy) in the same rounds. Per round: writes every 10 ms through each router on new connections, one
// fault, then the first acknowledged write after it, split writes (acks on the faulted node after another
// node took writes), lost acknowledged writes (acked ids missing from the table afterwards), the eviction,
// and whether every node's wsrep_evs_evict_list is empty again once the cluster is restored.
//   kill:  the writer is SIGKILLed, fencing `dead`           target: first write < 150 ms (median)
//   freeze: the writer is SIGSTOPped 3 s, fencing `unresponsive` (then the restart hook)   target: < 700 ms
//   pause: a non-writer stops answering the warden for 1.5 s while its peers still hear it (a relay in
//          front of its SQL port, `unresponsive`)            target: not evicted
// Use: `import { fencingFailover } from './fencing-failover.js'` and list it in bench/main.ts's SCENARIOS, or
// call runFencingFailover(ctx, { rounds }) from another scenario.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { mergeConfig } from '../src/sandbox/merge-config.js';
import type { ManagedProcess } from './lib/procs.js';
import { CLI } from './lib/env.js';
import { proxyApiSections } from './lib/warden.js';
import { GaleraWatch } from './lib/galera-watch.js';
import type { ViewChange } from './lib/galera-watch.js';
import type { Summary } from './lib/analysis.js';
import { summarize } from './lib/analysis.js';
import { mmm, table } from './lib/table.js';
import { clock, round1, sleep, waitFor } from './lib/util.js';
import type { BenchContext, Scenario } from './runner.js';

export type FencingFault = 'kill' | 'freeze' | 'pause';

const WRITE_EVERY_MS = 10;
const FREEZE_MS = 3000;
const PAUSE_MS = 1500;
const OBSERVE_MS = 4000;
export const API = { user: 'fence', password: 'fence-bench' };
/** evs.join_retrans_period the bench runs with (docs/fencing.md: recommended with fencing) */
const JOIN_RETRANS = 'PT0.1S';
/** [run] intervalMs of the fencing warden: detection of a refused port waits half of it on average */
const INTERVAL_MS = 50;

export interface FencingRound {
  fault: FencingFault;
  round: number;
  node: string;
  /** per router: first acknowledged write after the fault (ms), acks on the faulted node after another took writes, lost acks */
  routers: { id: string; label: string; firstMs: number | null; firstNode: string | null; splitAcks: number; acked: number; lost: number }[];
  evicted: boolean;
  evictionMs: number | null;
  evictListClean: boolean;
  notes: string[];
}

export interface FencingResult {
  rounds: FencingRound[];
  summary: Partial<Record<FencingFault, { rounds: number; first: Record<string, Summary>; evicted: number; split: number; lost: number; dirtyEvictLists: number }>>;
}

/** A TCP relay in front of one node's SQL port that can stop forwarding: the node stops answering the warden only. */
class Relay {
  private readonly server: net.Server;
  private readonly pairs = new Set<net.Socket[]>();
  private paused = false;
  constructor(target: number) {
    this.server = net.createServer((client) => {
      const up = net.connect(target, '127.0.0.1');
      const pair = [client, up];
      this.pairs.add(pair);
      client.pipe(up);
      up.pipe(client);
      if (this.paused) for (const s of pair) s.pause();
      const drop = () => {
        for (const s of pair) s.destroy();
        this.pairs.delete(pair);
      };
      for (const s of pair) s.on('error', drop).on('close', drop);
    });
  }
  listen(port: number): Promise<void> {
    return new Promise((r) => this.server.listen(port, '127.0.0.1', () => r()));
  }
  set(paused: boolean): void {
    this.paused = paused;
    for (const p of this.pairs) for (const s of p) if (paused) s.pause(); else s.resume();
  }
  close(): Promise<void> {
    for (const p of this.pairs) for (const s of p) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }
}

interface Ack { t: number; node: string; id: string }

/** Writes every WRITE_EVERY_MS on a new connection through one router; records acknowledged ids. */
/** One write attempt (for the round's timeline): start, connected (greeting and login done), inserted, acked or failed. */
export interface Attempt { start: number; connected?: number; inserted?: number; end?: number; node?: string; error?: string }

export function writer(ctx: BenchContext, router: string, port: number, tag: string) {
  const acks: Ack[] = [];
  const attempts: Attempt[] = [];
  let stopped = false;
  let seq = 0;
  const one = async (): Promise<void> => {
    const id = `${tag}-${router}-${++seq}`;
    const a: Attempt = { start: clock() };
    attempts.push(a);
    try {
      const c = await mysql.createConnection({ ...ctx.env.appOptions(port, 20_000) });
      a.connected = clock();
      c.on('error', () => undefined);
      try {
        await c.query({ sql: 'INSERT INTO app.fence_bench (id, node) VALUES (?, @@wsrep_node_name)', timeout: 20_000 }, [id]);
        a.inserted = clock();
        const [rows] = await c.query('SELECT @@wsrep_node_name AS n');
        a.node = (rows as { n: string }[])[0]!.n;
        if (!stopped) acks.push({ t: clock(), node: a.node, id });
      } finally {
        c.destroy();
      }
    } catch (err) {
      a.error = (err as { code?: string }).code ?? (err as Error).message;
      throw err;
    } finally {
      a.end = clock();
    }
  };
  const loops: Promise<void>[] = [];
  const loop = async (): Promise<void> => {
    while (!stopped) {
      const t = clock();
      await one().catch(() => undefined);
      await sleep(Math.max(0, WRITE_EVERY_MS - (clock() - t)));
    }
  };
  // two overlapping writers per router, so that one stuck connect does not hide the recovery
  loops.push(loop(), sleep(WRITE_EVERY_MS / 2).then(loop));
  return { acks, attempts, stop: async () => { stopped = true; await Promise.all(loops); } };
}

export async function api<T>(port: number, p: string, init: RequestInit = {}): Promise<T> {
  const r = await fetch(`http://127.0.0.1:${port}${p}`, { ...init, headers: { authorization: 'Basic ' + Buffer.from(`${API.user}:${API.password}`).toString('base64'), 'content-type': 'application/json' }, signal: AbortSignal.timeout(3000) });
  return (await r.json()) as T;
}

/** Before a round: every warden's writer back on node1, by switchover (a warden's writer is sticky). */
export async function wardensOnNode1(ctx: BenchContext, wardens: readonly { id: string; ports: { api: number } }[]): Promise<void> {
  for (const w of wardens) {
    await waitFor(`${w.id} on node1`, 30_000, async () => {
      const c = await api<{ writers: string[] }>(w.ports.api, '/api/cluster');
      if (c.writers[0] === 'node1') return true;
      await api(w.ports.api, '/api/switchover', { method: 'POST', body: JSON.stringify({ node: 'node1' }) }).catch(() => undefined);
      return undefined;
    }, { everyMs: 500, signal: ctx.signal });
  }
}

/** Starts a warden with fencing on, its own proxy and API; node `relayed` is probed and routed through `relay`. */
interface WardenPorts { writer: number; reader: number; health: number; api: number; relay: number }

/** One fencing warden of a round: its ports, its router id in the results, and whether its data-path trigger is on. */
interface FencingWarden { id: string; label: string; ports: WardenPorts; trigger: boolean; proc?: ManagedProcess }

async function startFencingWarden(ctx: BenchContext, mode: 'dead' | 'unresponsive', w: FencingWarden, relayed: number, intervalMs: number): Promise<ManagedProcess> {
  const ports = w.ports;
  const sb = ctx.env.sandbox;
  const dir = path.dirname(sb.configPath);
  let base = fs.readFileSync(sb.configPath, 'utf8');
  if (mode === 'unresponsive') base = base.replace(new RegExp(`port = ${ctx.env.ports.node(relayed)}\\b`), `port = ${ports.relay}`);
  const file = path.join(ctx.env.o.workDir, `warden-${w.id}-${mode}.toml`);
  fs.writeFileSync(file, mergeConfig(base, `
[routing]
retryUp = 2
retryDown = 1
minHoldMs = 3000

[probe]
connectTimeoutMs = 300
timeoutMs = 400
reuseConnection = ${ctx.options.probeReuse === true}

[run]
intervalMs = ${intervalMs}
logLevel = "debug"
dataPathTrigger = ${w.trigger}
stateFile = "${path.join(ctx.env.o.workDir, `warden-${w.id}-${mode}.state.json`)}"

${proxyApiSections(ports, API, { connectTimeoutMs: 250, drainMs: 500 })}
[fencing]
mode = "${mode}"
windowMs = 10000
groupCheckTimeoutMs = 100
restartHook = ["${process.execPath}", "${CLI}", "sandbox", "--dir", "${dir}", "restart", "{node}"]
restartAfterMs = 1000
`));
  const proc = ctx.env.procs.spawn(`warden-${w.id}-${mode}`, process.execPath, [CLI, 'run', '--config', file], path.join(ctx.env.o.workDir, `warden-${w.id}-${mode}.log`));
  await waitFor('the fencing warden to elect a writer', 30_000, async () => ((await api<{ writers: string[] }>(ports.api, '/api/cluster').catch(() => ({ writers: [] }))).writers.length === 1 ? true : undefined), { everyMs: 200, signal: ctx.signal });
  return proc;
}

const evictionsOf = async (apiPort: number): Promise<number> => {
  const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: { authorization: 'Basic ' + Buffer.from(`${API.user}:${API.password}`).toString('base64') } })).text();
  return [...text.matchAll(/galera_warden_evictions_total\{reason="\w+"\} (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
};

async function evictListsClean(ctx: BenchContext): Promise<boolean> {
  const sb = ctx.env.sandbox;
  try {
    await waitFor('empty evict lists', 20_000, async () => {
      for (const n of sb.layout.nodes) if ((await sb.sql(n.index, "SHOW GLOBAL STATUS LIKE 'wsrep_evs_evict_list'"))[0]?.[1]) return undefined;
      return true;
    }, { everyMs: 250, signal: ctx.signal });
    return true;
  } catch {
    return false;
  }
}

/** Runs `rounds` rounds of each fault; every round ends with the cluster restored (node1 writer everywhere). */
/**
 * `dataPath`: two fencing wardens side by side at the same interval, one with the data-path trigger
 * (docs/data-path.md) and one ticking only; both evict (idempotent: the second eviction of an id changes nothing).
 */
export async function runFencingFailover(ctx: BenchContext, o: { rounds: number; faults?: FencingFault[]; intervalMs?: number; dataPath?: boolean }): Promise<FencingResult> {
  const { env, log } = ctx;
  const b = env.o.basePort;
  const ports = { writer: b + 151, reader: b + 152, health: b + 153, api: b + 154, relay: b + 160 };
  const wardens: FencingWarden[] = o.dataPath
    ? [
      { id: 'builtin-fencing-trigger', label: 'built-in proxy, fencing, data-path trigger', ports, trigger: true },
      { id: 'builtin-fencing-tick', label: 'built-in proxy, fencing, ticks only', ports: { writer: b + 171, reader: b + 172, health: b + 173, api: b + 174, relay: b + 160 }, trigger: false },
    ]
    : [{ id: 'builtin-fencing', label: 'built-in proxy, fencing', ports, trigger: true }];
  const sb = env.sandbox;
  await sb.sql(1, 'CREATE TABLE IF NOT EXISTS app.fence_bench (id VARCHAR(64) PRIMARY KEY, node VARCHAR(64))');
  const relayed = 3;
  const relay = new Relay(env.ports.node(relayed));
  await relay.listen(ports.relay);
  const rounds: FencingRound[] = [];
  const stopAll = async () => {
    for (const w of wardens) await w.proc?.stop();
  };
  try {
    for (const fault of o.faults ?? (['kill', 'freeze', 'pause'] as const)) {
      const mode = fault === 'kill' ? 'dead' : 'unresponsive';
      await stopAll();
      for (const w of wardens) w.proc = await startFencingWarden(ctx, mode, w, relayed, o.intervalMs ?? INTERVAL_MS);
      for (let round = 1; round <= o.rounds; round++) {
        await env.restore('node1');
        await wardensOnNode1(ctx, wardens);
        // Measured: under write load the view change after evs.evict waits for the next join retransmission
        // (evs.join_retrans_period, default PT1S: ~1.04 s in 6 of 8 runs); at PT0.1S it took 40-57 ms (one 177 ms).
        // Dynamic, so set on every node each round (a restarted node reads its my.cnf again).
        for (const n of sb.layout.nodes) await sb.sql(n.index, `SET GLOBAL wsrep_provider_options='evs.join_retrans_period=${JOIN_RETRANS}'`);
        const target = fault === 'pause' ? `node${relayed}` : 'node1';
        const index = env.nodeIndex(target);
        const routers = [...env.routers.map((r) => ({ id: r.id, label: r.label, port: r.port })), ...wardens.map((w) => ({ id: w.id, label: `${w.label} ${mode}`, port: w.ports.writer }))];
        const writers = routers.map((r) => ({ r, w: writer(ctx, r.id, r.port, `${fault}${round}`) }));
        // the survivors' view changes, for the round's timeline (dataPath only)
        const watch = o.dataPath ? new GaleraWatch(sb.layout.nodes.filter((n) => n.name !== target).map((n) => ({ name: n.name, host: n.host, port: n.sqlPort })), 'warden', env.wardenPassword) : undefined;
        watch?.start();
        await sleep(500);
        const before = await evictionsOf(ports.api);
        const notes: string[] = [];
        const faultAt = clock();
        if (fault === 'kill') sb.kill(index);
        else if (fault === 'freeze') sb.freeze(index);
        else relay.set(true);
        let evictionMs: number | null = null;
        while (clock() - faultAt < OBSERVE_MS) {
          if (evictionMs === null && (await evictionsOf(ports.api)) > before) evictionMs = round1(clock() - faultAt);
          if (fault === 'freeze' && clock() - faultAt >= FREEZE_MS && sb.layout.nodes.length > 0) {
            try {
              sb.thaw(index);
            } catch {
              // restarted by the hook already
            }
          }
          if (fault === 'pause' && clock() - faultAt >= PAUSE_MS) relay.set(false);
          await sleep(50, ctx.signal);
        }
        relay.set(false);
        await Promise.all(writers.map((x) => x.w.stop()));
        await watch?.stop();
        const evicted = (await evictionsOf(ports.api)) > before;
        const result: FencingRound['routers'] = [];
        for (const { r, w } of writers) {
          const after = w.acks.filter((a) => a.t > faultAt).sort((a, b2) => a.t - b2.t);
          const first = fault === 'pause' ? after[0] : after.find((a) => a.node !== target) ?? after[0];
          const firstOther = after.find((a) => a.node !== target);
          const splitAcks = firstOther === undefined ? 0 : after.filter((a) => a.t > firstOther.t && a.node === target).length;
          const ids = w.acks.map((a) => a.id);
          let found = 0;
          for (let i = 0; i < ids.length; i += 500) {
            const chunk = ids.slice(i, i + 500);
            // node2 is never the faulted node
            const rows = await sb.sql(2, `SELECT COUNT(*) FROM app.fence_bench WHERE id IN (${chunk.map((x) => `'${x}'`).join(',')})`);
            found += Number(rows[0]?.[0] ?? 0);
          }
          result.push({ id: r.id, label: r.label, firstMs: first ? round1(first.t - faultAt) : null, firstNode: first?.node ?? null, splitAcks, acked: ids.length, lost: ids.length - found });
        }
        // a frozen writer that was evicted needs the restart hook; restore() starts whatever is stopped
        if (fault === 'freeze') {
          await waitFor(`${target} back (restart hook)`, 180_000, async () => ((await sb.status()).find((s) => s.index === index)?.state === 'Synced' ? true : undefined), { everyMs: 500, signal: ctx.signal }).catch(() => notes.push(`${target} did not come back by itself within 180 s`));
        }
        if (fault === 'kill') await sb.start(index, { wait: true });
        const clean = await evictListsClean(ctx);
        rounds.push({ fault, round, node: target, routers: result, evicted, evictionMs, evictListClean: clean, notes });
        const mine = result.find((x) => x.id === wardens[0]!.id);
        const other = wardens[1] ? result.find((x) => x.id === wardens[1]!.id) : undefined;
        if (o.dataPath) for (const line of timeline(ctx, wardens[0]!, mode, faultAt, mine?.firstMs ?? null, watch?.changes ?? [], writers.find((x) => x.r.id === wardens[0]!.id)?.w.attempts ?? [])) log(`    ${line}`);
        log(`  ${fault} ${round}: fencing proxy first write ${mine?.firstMs ?? '-'} ms${other ? ` (ticks only: ${other.firstMs ?? '-'} ms)` : ''}, evicted ${evicted ? `after ${evictionMs ?? '?'} ms` : 'no'}, split ${mine?.splitAcks ?? 0}, lost ${mine?.lost ?? 0}, evict lists ${clean ? 'clean' : 'NOT clean'}`);
      }
    }
  } finally {
    await stopAll();
    await relay.close();
  }
  return { rounds, summary: summarise(rounds) };
}

/**
 * The trigger warden's side of a round, ms after the fault (its debug log: every tick's timeline, the data-path
 * signal, the route change), then the first acknowledged write: where the time to the first write goes.
 */
function timeline(ctx: BenchContext, w: FencingWarden, mode: string, faultAt: number, firstMs: number | null, views: ViewChange[], attempts: Attempt[]): string[] {
  const file = path.join(ctx.env.o.workDir, `warden-${w.id}-${mode}.log`);
  const ms = (t: number) => `+${round1(t - faultAt)}`;
  const out: string[] = [];
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [`(no log ${file})`];
  }
  for (const line of text.split('\n')) {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    const t = Number(e.time);
    if (!(t >= faultAt - 50 && t <= faultAt + (firstMs ?? 2000) + 300)) continue;
    if (typeof e.seq === 'number' && Array.isArray(e.probes)) {
      const at = Number(e.at);
      const probes = (e.probes as { node: string; startMs: number; ms: number; error?: string }[]).map((p) => `${p.node} ${ms(at + p.startMs)}..${ms(at + p.startMs + p.ms)}${p.error ? ` ${p.error}` : ''}`).join(', ');
      const ev = e.evict as { node: string; done: boolean; via?: string; ms: number } | undefined;
      const applied = (e.applied as { router: string; changed: boolean; ms: number }[]).map((a) => `${a.router}${a.changed ? ' changed' : ''} ${a.ms} ms`).join(', ');
      out.push(`tick ${String(e.seq)} (${String(e.by)}${e.signalAt ? `, signal ${String(e.signalKind)} at ${ms(Number(e.signalAt))}` : ''}) start ${ms(at)} end ${ms(at + Number(e.ms))}: probes ${probes}${ev ? `; evict ${ev.node} via ${ev.via ?? '-'} ${ev.done ? 'done' : 'NOT done'} ${ev.ms} ms` : ''}; apply ${applied}; writers ${(e.writers as string[]).join(',')}`);
    } else out.push(`${ms(t)} ${String(e.msg)}`);
  }
  for (const v of views) if (v.seen >= faultAt - 50 && v.since <= faultAt + (firstMs ?? 2000) + 300) out.push(`${ms(v.since)}..${ms(v.seen)} galera view on ${v.node}: conf ${v.confId}, size ${v.size}, ${v.status}`);
  // the write attempts through the trigger warden's proxy that were open at the kill or began before the first ack
  const last = faultAt + (firstMs ?? 2000);
  for (const a of attempts.filter((x) => (x.end ?? Infinity) >= faultAt && x.start <= last).slice(0, 40)) {
    out.push(`write ${ms(a.start)}: ${a.connected ? `connected ${ms(a.connected)}` : 'not connected'}${a.inserted ? `, inserted ${ms(a.inserted)}` : ''}${a.end ? `, end ${ms(a.end)}` : ''}${a.node ? ` on ${a.node}` : ''}${a.error ? ` error ${a.error}` : ''}`);
  }
  out.push(`${firstMs === null ? 'no' : `+${firstMs}`} first acknowledged write through ${w.id}`);
  return out;
}

function summarise(rounds: FencingRound[]): FencingResult['summary'] {
  const out: FencingResult['summary'] = {};
  for (const fault of ['kill', 'freeze', 'pause'] as const) {
    const rs = rounds.filter((r) => r.fault === fault);
    if (rs.length === 0) continue;
    const ids = [...new Set(rs.flatMap((r) => r.routers.map((x) => x.id)))];
    out[fault] = {
      rounds: rs.length,
      first: Object.fromEntries(ids.map((id) => [id, summarize(rs.map((r) => r.routers.find((x) => x.id === id)?.firstMs))])),
      evicted: rs.filter((r) => r.evicted).length,
      split: rs.reduce((a, r) => a + r.routers.reduce((b2, x) => b2 + x.splitAcks, 0), 0),
      lost: rs.reduce((a, r) => a + r.routers.reduce((b2, x) => b2 + x.lost, 0), 0),
      dirtyEvictLists: rs.filter((r) => !r.evictListClean).length,
    };
  }
  return out;
}

export const fencingFailover: Scenario<FencingResult> = {
  name: 'fencing',
  title: 'Fail-over with Galera-native fencing (evs.evict): writer SIGKILL (dead), writer SIGSTOP (unresponsive), 1.5 s warden-side pause of a non-writer',
  run: (ctx) => runFencingFailover(ctx, { rounds: ctx.options.quick ? 1 : ctx.options.rounds }),
  report(result) {
    const rows: string[][] = [];
    for (const [fault, s] of Object.entries(result.summary)) {
      for (const [id, first] of Object.entries(s.first)) rows.push([fault, id, mmm(first), `${s.evicted}/${s.rounds}`, String(s.split), String(s.lost), s.dirtyEvictLists === 0 ? 'yes' : `no (${s.dirtyEvictLists})`]);
    }
    return table(['fault', 'router', 'first write after the fault, s (min/median/max)', 'evicted', 'split acks', 'lost acks', 'evict lists clean'], rows)
      + '\ntargets: kill+dead < 150 ms median, freeze+unresponsive < 700 ms median, pause: evicted 0/N; split 0, lost 0, evict lists clean';
  },
};
