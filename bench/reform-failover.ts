// `npm run bench -- --only datapath --reform`: the re-form watch (docs/data-path.md, "The re-form watch") at the
// default interval (1000 ms), without fencing. Four wardens in the same rounds: reformWatchMs 10 and 0, each
// with the [routing] defaults and with retryUp 1 / minHoldMs 0 (`-nohold`); writes every 10 ms through each
// one's proxy on new connections. Faults:
//   kill:      the writer is SIGKILLed and nothing evicts it; the survivors form a Primary of two after Galera's
//              suspect timeout;
//   partition: every node is cut off from its peers (gmcast.isolate=1) until each is a non-Primary component of
//              one and neither warden routes a writer; then the isolation is lifted and the three re-form.
// Measured from the re-forming (the first poll, every 5 ms over direct connections, that saw the new Primary
// component; the change happened since the poll before it): the end of the first tick of each warden routing a
// writer on it (a survivor, for the kill) and what started that tick, and the first acknowledged write.
import fs from 'node:fs';
import path from 'node:path';
import { mergeConfig } from '../src/sandbox/merge-config.js';
import { API, api, wardensOnNode1, writer } from './fencing-failover.js';
import type { ManagedProcess } from './lib/procs.js';
import { CLI } from './lib/env.js';
import { proxyApiSections } from './lib/warden.js';
import { GaleraWatch } from './lib/galera-watch.js';
import type { ViewChange } from './lib/galera-watch.js';
import type { Summary } from './lib/analysis.js';
import { summarize } from './lib/analysis.js';
import { round1, sleep, waitFor, clock } from './lib/util.js';
import type { BenchContext } from './runner.js';

const DEFAULT_INTERVAL_MS = 1000;
/** how long a round waits for Galera to re-form by itself after the kill (suspect timeout PT5S, then the view change) */
const REFORM_WAIT_MS = 30_000;
/** after the re-forming (partition: after both wardens route a writer): time for the first writes */
const AFTER_REFORM_MS = 2500;
/** partition: how long to wait for both wardens to route a writer after the re-forming (the hold is 8 s) */
const ROUTED_WAIT_MS = 20_000;

/** `noHold`: [routing] retryUp = 1, minHoldMs = 0 (a node back in a Primary re-enters on its first healthy observation) */
interface ReformWarden { id: string; reformWatchMs: number; noHold?: boolean; ports: { writer: number; reader: number; health: number; api: number }; proc?: ManagedProcess }

export interface ReformRound {
  fault: ReformFault;
  round: number;
  /** ms after the kill (the heal): the new Primary component, between two direct polls (since..seen) */
  reformSince: number | null;
  reformSeen: number | null;
  wardens: {
    id: string;
    /** ms after the kill (the heal): the end of the first tick routing a survivor (a writer), and what started it */
    movedMs: number | null;
    movedBy: string | null;
    /** ms after the kill (the heal): the first acknowledged write through its proxy (on a survivor) */
    firstMs: number | null;
    /** writers routed by the ticks between the kill and the re-forming (what the decision did meanwhile) */
    before: string[];
  }[];
}

export interface ReformResult {
  rounds: ReformRound[];
  /** per fault and warden, ms after the re-forming was seen: the writer moved, the first acknowledged write */
  summary: Record<string, { moved: Summary; first: Summary; byWatch: number; rounds: number }>;
}

async function startWarden(ctx: BenchContext, w: ReformWarden): Promise<ManagedProcess> {
  const sb = ctx.env.sandbox;
  const file = path.join(ctx.env.o.workDir, `warden-${w.id}.toml`);
  // [routing] defaults (retryUp 2, minHoldMs 8000): after a partition the hold decides when a node is back
  fs.writeFileSync(file, mergeConfig(fs.readFileSync(sb.configPath, 'utf8'), `${w.noHold ? '\n[routing]\nretryUp = 1\nminHoldMs = 0\n' : ''}
[run]
intervalMs = ${DEFAULT_INTERVAL_MS}
logLevel = "debug"
reformWatchMs = ${w.reformWatchMs}
stateFile = "${path.join(ctx.env.o.workDir, `warden-${w.id}.state.json`)}"
${proxyApiSections(w.ports, API, { connectTimeoutMs: 250, drainMs: 500 })}`));
  const proc = ctx.env.procs.spawn(`warden-${w.id}`, process.execPath, [CLI, 'run', '--config', file], path.join(ctx.env.o.workDir, `warden-${w.id}.log`));
  await waitFor(`${w.id} to elect a writer`, 30_000, async () => ((await api<{ writers: string[] }>(w.ports.api, '/api/cluster').catch(() => ({ writers: [] }))).writers.length === 1 ? true : undefined), { everyMs: 200, signal: ctx.signal });
  return proc;
}

interface Decision { seq: number; at: number; durationMs: number; writers: string[]; trigger: { by: string; signals?: { router: string }[] } }

export type ReformFault = 'kill' | 'partition';

export async function runReformFailover(ctx: BenchContext, o: { rounds: number; faults?: ReformFault[] }): Promise<ReformResult> {
  const { env, log } = ctx;
  const b = env.o.basePort;
  const wardens: ReformWarden[] = [
    { id: 'builtin-reform-watch', reformWatchMs: 10, ports: { writer: b + 181, reader: b + 182, health: b + 183, api: b + 184 } },
    { id: 'builtin-reform-off', reformWatchMs: 0, ports: { writer: b + 191, reader: b + 192, health: b + 193, api: b + 194 } },
    { id: 'builtin-reform-watch-nohold', reformWatchMs: 10, noHold: true, ports: { writer: b + 221, reader: b + 222, health: b + 223, api: b + 224 } },
    { id: 'builtin-reform-off-nohold', reformWatchMs: 0, noHold: true, ports: { writer: b + 231, reader: b + 232, health: b + 233, api: b + 234 } },
  ];
  const sb = env.sandbox;
  const isolate = async (on: boolean) => {
    for (const n of sb.layout.nodes) await sb.sql(n.index, `SET GLOBAL wsrep_provider_options='gmcast.isolate=${on ? 1 : 0}'`);
  };
  await sb.sql(1, 'CREATE TABLE IF NOT EXISTS app.fence_bench (id VARCHAR(64) PRIMARY KEY, node VARCHAR(64))');
  const rounds: ReformRound[] = [];
  try {
    for (const w of wardens) w.proc = await startWarden(ctx, w);
    for (const fault of o.faults && o.faults.length > 0 ? o.faults : (['kill', 'partition'] as const)) {
      for (let round = 1; round <= o.rounds; round++) {
        await env.restore('node1');
        await wardensOnNode1(ctx, wardens);
        const writes = wardens.map((w) => ({ w, loop: writer(ctx, w.id, w.ports.writer, `${fault}${round}`) }));
        const watched = sb.layout.nodes.filter((n) => fault === 'partition' || n.name !== 'node1');
        const watch = new GaleraWatch(watched.map((n) => ({ name: n.name, host: n.host, port: n.sqlPort })), 'warden', env.wardenPassword, 5);
        watch.start();
        await sleep(500);
        const faultAt = clock();
        // kill: measured from the kill; partition: from the moment the isolation is lifted
        let from = faultAt;
        let reformed: () => ViewChange | undefined;
        if (fault === 'kill') {
          sb.kill(env.nodeIndex('node1'));
          reformed = () => watch.changes.find((c) => c.seen > faultAt && c.status === 'Primary' && c.size === 2);
        } else {
          await isolate(true);
          await waitFor('every node non-Primary, no writer routed', 60_000, async () => {
            for (const n of sb.layout.nodes) if ((await sb.sql(n.index, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_status'"))[0]?.[1] === 'Primary') return undefined;
            for (const w of wardens) if ((await api<{ writers: string[] }>(w.ports.api, '/api/cluster')).writers.length > 0) return undefined;
            return true;
          }, { everyMs: 100, signal: ctx.signal });
          from = clock();
          await isolate(false);
          reformed = () => watch.changes.find((c) => c.seen > from && c.status === 'Primary');
        }
        await waitFor('Galera to re-form by itself', REFORM_WAIT_MS, async () => (reformed() ? true : undefined), { everyMs: 20, signal: ctx.signal }).catch(() => undefined);
        // partition: the nodes re-enter after their hold (minHoldMs 8000): the writes go on until both wardens route a writer
        if (fault === 'partition') {
          await waitFor('both wardens to route a writer again', ROUTED_WAIT_MS, async () => {
            for (const w of wardens) if ((await api<{ writers: string[] }>(w.ports.api, '/api/cluster')).writers.length === 0) return undefined;
            return true;
          }, { everyMs: 100, signal: ctx.signal }).catch(() => undefined);
        }
        await sleep(AFTER_REFORM_MS, ctx.signal);
        await Promise.all(writes.map((x) => x.loop.stop()));
        await watch.stop();
        const view = reformed();
        const result: ReformRound['wardens'] = [];
        for (const { w, loop } of writes) {
          const decisions = (await api<Decision[]>(w.ports.api, '/api/decisions?limit=100')).filter((d) => d.at + d.durationMs > faultAt).sort((x, y) => x.seq - y.seq);
          // kill: the first tick routing a survivor; partition: the first routing a writer after the heal
          const moved = fault === 'kill'
            ? decisions.find((d) => d.writers.length > 0 && !d.writers.includes('node1'))
            : decisions.find((d) => d.writers.length > 0 && d.at + d.durationMs > from);
          const first = loop.acks.filter((a) => a.t > from && (fault === 'partition' || a.node !== 'node1')).sort((x, y) => x.t - y.t)[0];
          result.push({
            id: w.id,
            movedMs: moved ? round1(moved.at + moved.durationMs - from) : null,
            movedBy: moved ? `${moved.trigger.by}${moved.trigger.signals?.[0] ? `/${moved.trigger.signals[0].router}` : ''}` : null,
            firstMs: first ? round1(first.t - from) : null,
            before: decisions.filter((d) => view === undefined || d.at + d.durationMs < view.since).map((d) => `${d.seq}:${d.trigger.by}:[${d.writers.join(',')}]`),
          });
        }
        const r: ReformRound = { fault, round, reformSince: view ? round1(view.since - from) : null, reformSeen: view ? round1(view.seen - from) : null, wardens: result };
        rounds.push(r);
        log(`  ${fault} ${round}: re-formed ${r.reformSince ?? '-'}..${r.reformSeen ?? '-'} ms after the ${fault === 'kill' ? 'kill' : 'heal'}; ${result.map((x) => `${x.id}: writer ${x.movedMs ?? '-'} (${x.movedBy ?? '-'}), first write ${x.firstMs ?? '-'}; decisions before the re-forming ${x.before.join(' ') || 'none'}`).join('; ')}`);
        if (fault === 'kill') await sb.start(env.nodeIndex('node1'), { wait: true });
      }
    }
  } finally {
    await isolate(false).catch(() => undefined);
    for (const w of wardens) await w.proc?.stop();
  }
  const summary: ReformResult['summary'] = {};
  for (const fault of [...new Set(rounds.map((r) => r.fault))]) {
    for (const w of wardens) {
      const mine = rounds.filter((r) => r.fault === fault).map((r) => ({ r, x: r.wardens.find((y) => y.id === w.id)! }));
      const since = (ms: number | null, r: ReformRound) => (ms === null || r.reformSeen === null ? null : round1(ms - r.reformSeen));
      summary[`${fault} ${w.id}`] = {
        moved: summarize(mine.map(({ r, x }) => since(x.movedMs, r))),
        first: summarize(mine.map(({ r, x }) => since(x.firstMs, r))),
        byWatch: mine.filter(({ x }) => x.movedBy === 'data-path/galera').length,
        rounds: mine.length,
      };
    }
  }
  return { rounds, summary };
}
