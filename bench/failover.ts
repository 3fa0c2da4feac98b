// Scenario `failover`: the writer (node1) is SIGKILLed, or SIGSTOPped and SIGCONTed 10 s later, while
// every router carries writes side by side: per router a writer on a persistent connection and a prober
// opening a new connection per write, each writing every ~10 ms. Measured per round and router: the
// time from the fault to the first acknowledged write, any window in which writes landed on two nodes,
// extra outages after recovery (e.g. HAProxy failing back), and when Galera itself re-formed.
import type { Ack, ClientKind } from './lib/write-clients.js';
import { WriteClient } from './lib/write-clients.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Gap, Run, Split, Summary } from './lib/analysis.js';
import { byTime, firstAck, gaps, runs, splitWindow, summarize, uncovered } from './lib/analysis.js';
import { GaleraWatch } from './lib/galera-watch.js';
import type { ViewChange } from './lib/galera-watch.js';
import { mmm, sec, table } from './lib/table.js';
import { clock, round1, sleep, waitFor } from './lib/util.js';
import type { BenchContext, Scenario } from './runner.js';

export type Fault = 'kill' | 'freeze';

const FREEZE_MS = 10_000;
/** writes of one client are this far apart */
const WRITE_EVERY_MS = 10;
/** a gap between two acks of a client, after it recovered, longer than this is an extra outage */
const EXTRA_OUTAGE_MS = 500;
/** acks of one node less than this far apart belong to one stretch of writes (split window) */
const STRETCH_GAP_MS = 1000;
const RECOVERY_TIMEOUT_MS = 60_000;
const TARGET_AFTER_REFORM_MS = 300;

interface ClientRound {
  kind: ClientKind;
  /** first acknowledged write after the fault (ms from the fault), and its node */
  firstMs: number | null;
  firstNode: string | null;
  /** gaps > EXTRA_OUTAGE_MS between its acks after it recovered: [from, to] ms from the fault, and the
   * part of each not explained by a stall of Galera itself (the reference writer's gaps) */
  gaps: { from: number; to: number; ms: number; ownMs: number }[];
  /** the longest such gap not explained by Galera (ms) */
  extraOutageMs: number;
  errors: Record<string, number>;
  /** raw: [ms from the fault, node number] per ack; [ms, code] per error; [ms, node] per new connection */
  acks: [number, number][];
  errorLog: [number, string][];
  connects: [number, number][];
}

interface RouterRound {
  router: string;
  firstMs: number | null;
  firstNode: string | null;
  /** first write minus the time Galera could take writes again (the earlier of the new view on a survivor and writes resuming direct to it), ms */
  afterReformMs: number | null;
  split: Split & { openEnded: boolean };
  /** longest gap after recovery, beyond Galera's own stalls, over the router's clients (ms) */
  extraOutageMs: number;
  /** first ack on the faulted node after the router had recovered elsewhere (ms from the fault) */
  failBackMs: number | null;
  runs: Run[];
  events: { ms: number; text: string }[];
  clients: ClientRound[];
}

export interface RoundResult {
  fault: Fault;
  round: number;
  node: string;
  faultAt: string;
  /** times in ms from the fault */
  thawMs: number | null;
  restartMs: number | null;
  syncedMs: number | null;
  reformMs: number | null;
  rejoinViewMs: number | null;
  endMs: number;
  restoreMs: number;
  restoreSwitchover: boolean;
  galera: (Omit<ViewChange, 'since' | 'seen' | 't'> & { ms: number; sinceMs: number; seenMs: number })[];
  routers: RouterRound[];
  /** writes direct to a survivor: Galera's own outage and stalls, the floor for every router */
  reference: { node: string; firstMs: number | null; stalls: { from: number; to: number; ms: number }[]; maxStallMs: number; acks: [number, number][] };
  acrossRouters: Split & { openEnded: boolean };
  /** the bench process's own event-loop delay during the round (a stalled bench would skew the times) */
  eventLoopDelayMs: { p99: number; max: number };
  notes: string[];
}

export interface FailoverResult {
  /** interrupted: the rounds done so far */
  aborted: boolean;
  failedRounds: { fault: Fault; round: number; error: string }[];
  settings: Record<string, unknown>;
  rounds: RoundResult[];
  summary: Partial<Record<Fault, FaultSummary>>;
}

interface FaultSummary {
  rounds: number;
  routers: Record<string, RouterSummary>;
  acrossRouters: { split: Summary; splitRounds: number };
  galera: { reform: Summary; rejoin: Summary; referenceFirst: Summary; referenceStall: Summary };
}

interface RouterSummary {
  first: Summary;
  persistent: Summary;
  prober: Summary;
  afterReform: Summary;
  split: Summary;
  splitRounds: number;
  splitOpenEnded: number;
  extraOutage: Summary;
  extraOutageRounds: number;
  failBackRounds: number;
}

const rel = (t: number, t0: number) => round1(t - t0);

/** A split with times relative to the fault; open-ended when it lasted until the round's last ack. */
function relSplit(split: Split, t0: number, lastAck: number): Split & { openEnded: boolean } {
  const last = split.intervals[split.intervals.length - 1];
  return {
    ...split,
    ms: round1(split.ms),
    intervals: split.intervals.map((iv) => ({ ...iv, from: rel(iv.from, t0), to: rel(iv.to, t0) })),
    openEnded: last !== undefined && lastAck - last.to < STRETCH_GAP_MS,
  };
}

async function runRound(ctx: BenchContext, fault: Fault, round: number): Promise<RoundResult> {
  const { env, log, signal } = ctx;
  const sb = env.sandbox;
  const target = 'node1';
  const idx = env.nodeIndex(target);
  const restore = await env.restore(target);
  const notes: string[] = [];
  const nodeNo = (name: string) => (name.startsWith('node') ? Number(name.slice(4)) : 0);

  const watch = new GaleraWatch(sb.layout.nodes.map((n) => ({ name: n.name, host: n.host, port: n.sqlPort })), 'warden', env.wardenPassword);
  const clients = env.routers.flatMap((r) =>
    (['persistent', 'prober'] as const).map((kind) => ({
      router: r.id,
      client: new WriteClient({ router: r.id, kind, connection: env.appOptions(r.port), everyMs: WRITE_EVERY_MS, queryTimeoutMs: 30_000 }),
    })),
  );
  const refNode = sb.layout.nodes.find((n) => n.name !== target)!;
  const reference = (['persistent', 'prober'] as const).map((kind) =>
    new WriteClient({ router: `direct-${refNode.name}`, kind, connection: env.appOptions(refNode.sqlPort), everyMs: WRITE_EVERY_MS, queryTimeoutMs: 30_000 }));
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  const roundStart = clock();
  watch.start();
  loopDelay.enable();
  for (const c of [...clients.map((x) => x.client), ...reference]) c.start();
  let faultAt = 0;
  let thawAt: number | null = null;
  let restartAt: number | null = null;
  let syncedAt: number | null = null;
  let endAt = 0;
  const recovered = (a: Ack) => a.node !== target || (thawAt !== null && a.t > thawAt);
  try {
    await waitFor('steady writes on node1 through every router', 30_000, () => {
      const since = clock() - 1000;
      return clients.every((c) => c.client.acks.filter((a) => a.t > since && a.node === target).length >= 3) ? true : undefined;
    }, { everyMs: 100, signal });
    await sleep(500, signal);

    faultAt = clock();
    if (fault === 'kill') sb.kill(idx);
    else sb.freeze(idx);
    log(`  round ${round}: ${fault === 'kill' ? 'SIGKILL' : 'SIGSTOP'} ${target}`);
    if (fault === 'freeze') {
      await sleep(faultAt + FREEZE_MS - clock(), signal);
      sb.thaw(idx);
      thawAt = clock();
      log(`  round ${round}: SIGCONT ${target} after ${((thawAt - faultAt) / 1000).toFixed(2)} s`);
    }
    try {
      await waitFor('every client to write again', RECOVERY_TIMEOUT_MS - (clock() - faultAt), () =>
        clients.every((c) => firstAck(c.client.acks, faultAt, recovered) !== undefined) ? true : undefined, { everyMs: 50, signal });
    } catch (err) {
      if (signal.aborted) throw err;
      notes.push(`not every client wrote again within ${RECOVERY_TIMEOUT_MS / 1000} s of the fault`);
      log(`  round ${round}: ${notes[notes.length - 1]}`);
    }
    if (fault === 'kill') {
      await sleep(2000, signal);
      restartAt = clock();
      log(`  round ${round}: restarting ${target}`);
      await sb.start(idx);
      syncedAt = clock();
    } else {
      try {
        await sb.waitSynced(idx, 120_000);
        syncedAt = clock();
      } catch (err) {
        notes.push(`${target} did not rejoin by itself after SIGCONT: ${(err as Error).message.split('\n')[0]}`);
      }
    }
    // Watch long enough after the node is back for fail-backs and a resumed node's stale view: the
    // warden's hold time plus margin (HAProxy rise 1 fails back within one check interval).
    await sleep(env.warden.minHoldMs + 6000, signal);
  } finally {
    endAt = clock();
    await Promise.all([...clients.map((c) => c.client.stop()), ...reference.map((c) => c.stop())]);
    await watch.stop();
    loopDelay.disable();
  }
  const eventLoopDelayMs = { p99: round1(loopDelay.percentile(99) / 1e6), max: round1(loopDelay.max / 1e6) };
  if (eventLoopDelayMs.max > 200) notes.push(`the bench's event loop stalled up to ${eventLoopDelayMs.max} ms: times in this round may be late by that much`);

  const survivors = sb.layout.nodes.filter((n) => n.name !== target).map((n) => n.name);
  const reform = watch.changes.find((c) => c.t > faultAt && survivors.includes(c.node) && c.size < sb.layout.nodes.length && c.status === 'Primary');
  const rejoin = reform ? watch.changes.find((c) => c.t > reform.t && survivors.includes(c.node) && c.size === sb.layout.nodes.length) : undefined;
  if (!reform) notes.push('no re-formed Primary view seen on a survivor');

  const refAcks = byTime(reference.flatMap((c) => c.acks));
  // Writes direct to a survivor stall from the fault until Galera re-forms (a write already under way
  // may still be acknowledged just after the fault): they resume at the end of the first long gap.
  const refOutage = gaps(refAcks, faultAt, endAt, 1000)[0];
  const refFirst = refOutage ? firstAck(refAcks, refOutage.to - 1) : undefined;
  const refStalls: Gap[] = refFirst ? gaps(refAcks, refFirst.t, endAt, 100) : [];
  // Galera is writable again at the earlier of: the new view seen on a survivor, writes resuming direct.
  const writableAt = Math.min(reform?.t ?? Infinity, refFirst?.t ?? Infinity);
  const STALL_REPORT_MS = 300;

  const routers: RouterRound[] = env.routers.map((r) => {
    const mine = clients.filter((c) => c.router === r.id);
    const all = byTime(mine.flatMap((c) => c.client.acks));
    const first = firstAck(all, faultAt, recovered);
    const clientRounds: ClientRound[] = mine.map(({ client }) => {
      const acks = byTime(client.acks);
      const f = firstAck(acks, faultAt, recovered);
      const own = (f ? gaps(acks, f.t, endAt, EXTRA_OUTAGE_MS) : []).map((g) => ({
        from: rel(g.from, faultAt), to: rel(g.to, faultAt), ms: round1(g.to - g.from), ownMs: round1(uncovered(g, refStalls)),
      }));
      const errors: Record<string, number> = {};
      for (const e of client.errors) errors[e.code] = (errors[e.code] ?? 0) + 1;
      return {
        kind: client.o.kind,
        firstMs: f ? rel(f.t, faultAt) : null,
        firstNode: f?.node ?? null,
        gaps: own,
        extraOutageMs: Math.max(0, ...own.map((g) => (g.ownMs > EXTRA_OUTAGE_MS ? g.ownMs : 0))),
        errors,
        acks: acks.map((a) => [rel(a.t, faultAt), nodeNo(a.node)]),
        errorLog: client.errors.map((e) => [rel(e.t, faultAt), e.code]),
        connects: client.connects.map((c) => [rel(c.t, faultAt), nodeNo(c.node)]),
      };
    });
    const failBack = first && first.node !== target ? all.find((a) => a.t > first.t && a.node === target) : undefined;
    const split = splitWindow(all, STRETCH_GAP_MS);
    const lastAck = all[all.length - 1]?.t ?? endAt;
    return {
      router: r.id,
      firstMs: first ? rel(first.t, faultAt) : null,
      firstNode: first?.node ?? null,
      afterReformMs: first && Number.isFinite(writableAt) ? rel(first.t, writableAt) : null,
      split: relSplit(split, faultAt, lastAck),
      extraOutageMs: Math.max(0, ...clientRounds.map((c) => c.extraOutageMs)),
      failBackMs: failBack ? rel(failBack.t, faultAt) : null,
      runs: runs(all).map((x) => ({ ...x, from: rel(x.from, faultAt), to: rel(x.to, faultAt) })),
      events: env.events.filter((e) => e.router === r.id && e.t >= roundStart && e.t <= endAt).map((e) => ({ ms: rel(e.t, faultAt), text: e.text })),
      clients: clientRounds,
    };
  });
  const acrossAcks = clients.flatMap((c) => c.client.acks);
  const across = splitWindow(acrossAcks, STRETCH_GAP_MS);

  const result: RoundResult = {
    fault,
    round,
    node: target,
    faultAt: new Date(faultAt).toISOString(),
    thawMs: thawAt === null ? null : rel(thawAt, faultAt),
    restartMs: restartAt === null ? null : rel(restartAt, faultAt),
    syncedMs: syncedAt === null ? null : rel(syncedAt, faultAt),
    reformMs: reform ? rel(reform.t, faultAt) : null,
    rejoinViewMs: rejoin ? rel(rejoin.t, faultAt) : null,
    endMs: rel(endAt, faultAt),
    restoreMs: Math.round(restore.ms),
    restoreSwitchover: restore.switchover,
    galera: watch.changes.map(({ since, seen, t, ...rest }) => ({ ...rest, ms: rel(t, faultAt), sinceMs: rel(since, faultAt), seenMs: rel(seen, faultAt) })),
    routers,
    reference: {
      node: refNode.name,
      firstMs: refFirst ? rel(refFirst.t, faultAt) : null,
      stalls: refStalls.filter((g) => g.to - g.from > STALL_REPORT_MS).map((g) => ({ from: rel(g.from, faultAt), to: rel(g.to, faultAt), ms: round1(g.to - g.from) })),
      maxStallMs: round1(Math.max(0, ...refStalls.map((g) => g.to - g.from))),
      acks: refAcks.map((a) => [rel(a.t, faultAt), nodeNo(a.node)]),
    },
    acrossRouters: relSplit(across, faultAt, acrossAcks.reduce((m, a) => Math.max(m, a.t), 0)),
    eventLoopDelayMs,
    notes,
  };
  log(`  round ${round}: re-form ${sec(result.reformMs)} s, direct ${sec(result.reference.firstMs)} s (stall max ${sec(result.reference.maxStallMs)} s); ${routers.map((r) => `${r.router} ${sec(r.firstMs)} s${r.split.ms > 0 || r.split.interleavedAcks > 0 ? ` split ${sec(r.split.ms)}${r.split.openEnded ? '+' : ''} s` : ''}${r.extraOutageMs > 0 ? ` extra outage ${sec(r.extraOutageMs)} s` : ''}${r.failBackMs !== null ? ' failed back' : ''}`).join(', ')}`);
  return result;
}

function summarizeRounds(rounds: RoundResult[], routerIds: string[]): FailoverResult['summary'] {
  const out: FailoverResult['summary'] = {};
  for (const fault of ['kill', 'freeze'] as const) {
    const rs = rounds.filter((r) => r.fault === fault);
    if (rs.length === 0) continue;
    const per: Record<string, RouterSummary> = {};
    for (const id of routerIds) {
      const rr = rs.map((r) => r.routers.find((x) => x.router === id)!);
      const client = (kind: ClientKind) => summarize(rr.map((x) => x.clients.find((c) => c.kind === kind)?.firstMs));
      per[id] = {
        first: summarize(rr.map((x) => x.firstMs)),
        persistent: client('persistent'),
        prober: client('prober'),
        afterReform: summarize(rr.map((x) => x.afterReformMs)),
        split: summarize(rr.map((x) => x.split.ms)),
        splitRounds: rr.filter((x) => x.split.ms > 0 || x.split.interleavedAcks > 0).length,
        splitOpenEnded: rr.filter((x) => x.split.openEnded).length,
        extraOutage: summarize(rr.map((x) => x.extraOutageMs)),
        extraOutageRounds: rr.filter((x) => x.extraOutageMs > 0).length,
        failBackRounds: rr.filter((x) => x.failBackMs !== null).length,
      };
    }
    out[fault] = {
      rounds: rs.length,
      routers: per,
      acrossRouters: { split: summarize(rs.map((r) => r.acrossRouters.ms)), splitRounds: rs.filter((r) => r.acrossRouters.ms > 0 || r.acrossRouters.interleavedAcks > 0).length },
      galera: {
        reform: summarize(rs.map((r) => r.reformMs)),
        rejoin: summarize(rs.map((r) => r.rejoinViewMs)),
        referenceFirst: summarize(rs.map((r) => r.reference.firstMs)),
        referenceStall: summarize(rs.map((r) => r.reference.maxStallMs)),
      },
    };
  }
  return out;
}

export const failover: Scenario<FailoverResult> = {
  name: 'failover',
  title: 'Fail-over: SIGKILL, and SIGSTOP + SIGCONT 10 s later, of the writer',
  async run(ctx) {
    const rounds: RoundResult[] = [];
    const failed: { fault: Fault; round: number; error: string }[] = [];
    const n = ctx.options.quick ? 1 : ctx.options.rounds;
    let aborted = false;
    // A round that fails is recorded and the next one starts from a restored cluster; an interrupt
    // keeps the rounds done so far.
    outer: for (const fault of ctx.options.faults) {
      for (let i = 1; i <= n; i++) {
        ctx.log(`${fault} round ${i}/${n}`);
        try {
          rounds.push(await runRound(ctx, fault, i));
        } catch (err) {
          if (ctx.signal.aborted) {
            aborted = true;
            break outer;
          }
          failed.push({ fault, round: i, error: err instanceof Error ? err.message : String(err) });
          ctx.log(`  ${fault} round ${i} failed: ${failed[failed.length - 1]!.error}`);
          if (failed.length >= 3) throw new Error(`${failed.length} rounds failed; last: ${failed[failed.length - 1]!.error}`);
        }
      }
    }
    if (rounds.length === 0) throw new Error(aborted ? 'aborted before any round completed' : 'no round completed');
    return {
      aborted,
      failedRounds: failed,
      settings: {
        writeEveryMs: WRITE_EVERY_MS, freezeMs: FREEZE_MS, extraOutageMs: EXTRA_OUTAGE_MS, stretchGapMs: STRETCH_GAP_MS,
        clientConnectTimeoutMs: 10_000, clientQueryTimeoutMs: 30_000, observeAfterSyncedMs: ctx.env.warden.minHoldMs + 6000,
        routers: ctx.env.routers,
      },
      rounds,
      summary: summarizeRounds(rounds, ctx.env.routers.map((r) => r.id)),
    };
  },
  report(result, ctx) {
    const parts: string[] = [];
    for (const fault of ['kill', 'freeze'] as const) {
      const s = result.summary[fault];
      if (!s) continue;
      const n = s.rounds;
      const rows = ctx.env.routers.map((r) => {
        const x = s.routers[r.id]!;
        return [
          r.label,
          mmm(x.first, n),
          mmm(x.persistent, n),
          mmm(x.prober, n),
          x.afterReform.n ? `${sec(x.afterReform.median)} (${sec(x.afterReform.max)})` : '-',
          x.splitRounds ? `${sec(x.split.max)}${x.splitOpenEnded ? '+' : ''} (${x.splitRounds}/${n})` : `0 (0/${n})`,
          x.extraOutageRounds ? `${sec(x.extraOutage.max)} (${x.extraOutageRounds}/${n})` : `0 (0/${n})`,
          `${x.failBackRounds}/${n}`,
        ];
      });
      const across = s.acrossRouters;
      rows.push(['Galera re-formed (view on a survivor)', mmm(s.galera.reform, n), '', '', '', '', '', '']);
      rows.push(['direct to node2 (reference)', mmm(s.galera.referenceFirst, n), '', '', '', '', `stall ${sec(s.galera.referenceStall.max)}`, '']);
      rows.push(['across all routers', '', '', '', '', across.splitRounds ? `${sec(across.split.max)} (${across.splitRounds}/${n})` : `0 (0/${n})`, '', '']);
      const what = fault === 'kill' ? 'SIGKILL of the writer node1; restarted after recovery' : `SIGSTOP of the writer node1, SIGCONT ${FREEZE_MS / 1000} s later`;
      parts.push(`${what}: ${n} round(s); seconds from the fault, min / median / max`);
      parts.push(table(['router', 'first write', 'persistent conn', 'new conn', 'after re-form med (max)', 'split max (rounds)', 'extra outage max (rounds)', 'failed back'], rows));
      const b = s.routers.builtin;
      if (b) {
        const okReform = b.afterReform.n > 0 && (b.afterReform.max ?? Infinity) <= TARGET_AFTER_REFORM_MS;
        const line = [`target first write <= re-form + ${TARGET_AFTER_REFORM_MS / 1000} s: ${okReform ? 'met' : 'NOT met'} (built-in max ${sec(b.afterReform.max)} s)`];
        if (fault === 'freeze') line.push(`no split window: ${b.splitRounds === 0 ? 'met' : 'NOT met'}`, `no extra outage on resume: ${b.extraOutageRounds === 0 ? 'met' : 'NOT met'}`);
        parts.push(`  ${line.join('; ')}`);
      }
      const rs = result.rounds.filter((r) => r.fault === fault);
      parts.push(`  Galera re-formed ${mmm(s.galera.reform, n)} s after the fault, node1 back in a 3-node view ${mmm(s.galera.rejoin, n)} s after the fault; bench event-loop delay max ${Math.max(...rs.map((r) => r.eventLoopDelayMs.max))} ms`);
      for (const r of rs) for (const note of r.notes) parts.push(`  round ${r.round}: ${note}`);
      parts.push('');
    }
    if (result.aborted) parts.push('INTERRUPTED: only the rounds above were run.');
    for (const f of result.failedRounds) parts.push(`${f.fault} round ${f.round} FAILED: ${f.error}`);
    parts.push(`first write: first acknowledged write after the fault through the router (any client; the persistent-connection writer; the new-connection prober), each writing every ${WRITE_EVERY_MS} ms; mysql2 with its default 10 s connect timeout, retrying 10 ms after an error.`);
    parts.push(`after re-form: first write minus the moment Galera took writes again (the earlier of the new view on a survivor and writes resuming direct to node2).`);
    parts.push(`split: time in which acknowledged writes landed on two different nodes (per router; and across routers, which matters only if several routers serve one application); '+': still going when the round ended (${(ctx.env.warden.minHoldMs + 6000) / 1000} s after node1 was Synced again).`);
    parts.push(`extra outage: a gap > ${EXTRA_OUTAGE_MS} ms in a client's writes after it had recovered (e.g. a fail-back), beyond the stalls of Galera itself (writes direct to node2: 'stall', the longest after re-forming, e.g. while node1 rejoins). failed back: writes went back to node1 after the fail-over.`);
    for (const r of ctx.env.routers) parts.push(`${r.label}: ${r.note}`);
    return parts.join('\n');
  },
};
