// The round loop and the printed table shared by the scenarios that compare configurations of routers
// under the same faults (`proxysql-failover`, `peers-failover`): every round restores the cluster and every
// configuration to node1, runs one fault (lib/fault-round.ts) and keeps the raw acks and the outcomes.
import type { Summary } from './analysis.js';
import { summarize } from './analysis.js';
import type { ConfigOutcome, Fault, FaultRoundOptions, RouterOutcome, RoundRouter } from './fault-round.js';
import { configOutcomes, routerOutcome, roundTimes, runFaultRound } from './fault-round.js';
import { mmm, sec, table } from './table.js';
import type { BenchContext } from '../runner.js';

export interface ConfigRound {
  fault: Fault;
  round: number;
  node: string;
  faultAt: string;
  reformMs: number | null;
  thawMs: number | null;
  restartMs: number | null;
  syncedMs: number | null;
  endMs: number;
  restoreMs: number;
  configs: ConfigOutcome[];
  routers: RouterOutcome[];
  notes: string[];
}

export interface ConfigSummary {
  rounds: number;
  allRouted: Summary;
  routeSpread: Summary;
  allMoved: Summary;
  spread: Summary;
  disagree: Summary;
  /** failed writes per round, over the configuration's routers */
  failed: Summary;
  movedBackRounds: number;
  /** writes and new connections on the old writer after the move, per round */
  movedBackCount: Summary;
  newWriters: string[];
}

export interface ConfigRoundsResult {
  aborted: boolean;
  failedRounds: { fault: Fault; round: number; error: string }[];
  settings: Record<string, unknown>;
  rounds: ConfigRound[];
  summary: Partial<Record<Fault, Record<string, ConfigSummary>>>;
  /** Galera re-formed without the faulted writer (ms from the fault) */
  reform: Partial<Record<Fault, Summary>>;
}

export interface ConfigRoundsOptions extends Omit<FaultRoundOptions, 'fault' | 'round' | 'routers'> {
  routers: RoundRouter[];
  /** brings every configuration back to node1 (the cluster is restored already); ms it took */
  restore: () => Promise<void>;
  settings: Record<string, unknown>;
}

export async function runConfigRounds(ctx: BenchContext, o: ConfigRoundsOptions): Promise<ConfigRoundsResult> {
  const rounds: ConfigRound[] = [];
  const failedRounds: ConfigRoundsResult['failedRounds'] = [];
  const n = ctx.options.quick ? 1 : ctx.options.rounds;
  let aborted = false;
  outer: for (const fault of ctx.options.faults) {
    for (let i = 1; i <= n; i++) {
      ctx.log(`${fault} round ${i}/${n}`);
      try {
        const t0 = performance.now();
        await ctx.env.restore('node1');
        await o.restore();
        const restoreMs = Math.round(performance.now() - t0);
        const raw = await runFaultRound(ctx, { ...o, fault, round: i });
        const routers = raw.routers.map((r) => routerOutcome(raw, r));
        const configs = configOutcomes(raw, routers);
        rounds.push({ fault, round: i, node: raw.target, faultAt: new Date(raw.faultAt).toISOString(), ...roundTimes(raw), restoreMs, configs, routers, notes: raw.notes });
        ctx.log(`  round ${i}: re-form ${sec(roundTimes(raw).reformMs)} s; ${configs.map((c) => `${c.config} routed ${sec(c.allRoutedMs)} s, wrote ${sec(c.allMovedMs)} s${c.newWriters.length ? ` -> ${c.newWriters.join('/')}` : ''}${c.disagreeMs > 0 ? ` disagree ${sec(c.disagreeMs)} s` : ''}${c.movedBack ? ' MOVED BACK' : ''}`).join(', ')}`);
      } catch (err) {
        if (ctx.signal.aborted) {
          aborted = true;
          break outer;
        }
        failedRounds.push({ fault, round: i, error: err instanceof Error ? err.message : String(err) });
        ctx.log(`  ${fault} round ${i} failed: ${failedRounds[failedRounds.length - 1]!.error}`);
        if (failedRounds.length >= 3) throw new Error(`${failedRounds.length} rounds failed; last: ${failedRounds[failedRounds.length - 1]!.error}`);
      }
    }
  }
  if (rounds.length === 0) throw new Error(aborted ? 'aborted before any round completed' : `no round completed: ${failedRounds.map((f) => f.error).join('; ')}`);
  const reform: ConfigRoundsResult['reform'] = {};
  for (const f of ['kill', 'freeze'] as const) if (rounds.some((r) => r.fault === f)) reform[f] = summarize(rounds.filter((r) => r.fault === f).map((r) => r.reformMs));
  return { aborted, failedRounds, settings: o.settings, rounds, summary: summarizeConfigs(rounds), reform };
}

function summarizeConfigs(rounds: ConfigRound[]): ConfigRoundsResult['summary'] {
  const out: ConfigRoundsResult['summary'] = {};
  for (const fault of ['kill', 'freeze'] as const) {
    const rs = rounds.filter((r) => r.fault === fault);
    if (rs.length === 0) continue;
    const names = [...new Set(rs.flatMap((r) => r.configs.map((c) => c.config)))];
    out[fault] = Object.fromEntries(names.map((name) => {
      const cs = rs.map((r) => r.configs.find((c) => c.config === name)).filter((c): c is ConfigOutcome => c !== undefined);
      const failed = rs.map((r) => r.routers.filter((x) => x.config === name).reduce((a, x) => a + x.failed, 0));
      return [name, {
        rounds: cs.length,
        allRouted: summarize(cs.map((c) => c.allRoutedMs)),
        routeSpread: summarize(cs.map((c) => c.routeSpreadMs)),
        allMoved: summarize(cs.map((c) => c.allMovedMs)),
        spread: summarize(cs.map((c) => c.spreadMs)),
        disagree: summarize(cs.map((c) => c.disagreeMs)),
        failed: summarize(failed),
        movedBackRounds: cs.filter((c) => c.movedBack).length,
        movedBackCount: summarize(rs.map((r) => r.routers.filter((x) => x.config === name).reduce((a, x) => a + x.movedBackCount, 0))),
        newWriters: [...new Set(cs.flatMap((c) => c.newWriters))].sort(),
      }];
    }));
  }
  return out;
}

export interface ReportOptions {
  /** configuration -> printed label, in print order */
  labels: Record<string, string>;
  /** the configuration the ratios are taken against */
  baseline: string;
  /** print spread and disagreement (configurations with several routers) */
  multiRouter: boolean;
  freezeMs: number;
}

const ratio = (x: number | null, base: number | null): string => (x === null || base === null || base <= 0 ? '-' : `${(x / base).toFixed(2)}x`);
const medMax = (s: Summary, f: (x: number | null) => string = sec): string => (s.n === 0 ? '-' : `${f(s.median)} (${f(s.max)})`);

export function reportConfigRounds(result: ConfigRoundsResult, o: ReportOptions): string {
  const parts: string[] = [];
  for (const fault of ['kill', 'freeze'] as const) {
    const s = result.summary[fault];
    if (!s) continue;
    const base = s[o.baseline];
    const n = Math.max(...Object.values(s).map((x) => x.rounds));
    const m = o.multiRouter;
    const rows = Object.entries(o.labels).filter(([id]) => s[id]).map(([id, label]) => {
      const x = s[id]!;
      const vs = (f: (c: ConfigSummary) => Summary) => (id === o.baseline ? 'baseline' : ratio(f(x).median, base ? f(base).median : null));
      return [
        label,
        mmm(x.allRouted, n), vs((c) => c.allRouted),
        ...(m ? [medMax(x.routeSpread)] : []),
        mmm(x.allMoved, n), vs((c) => c.allMoved),
        ...(m ? [medMax(x.spread), medMax(x.disagree)] : []),
        medMax(x.failed, (v) => (v === null ? '-' : String(v))),
        x.movedBackRounds ? `${x.movedBackRounds}/${x.rounds} (${medMax(x.movedBackCount, (v) => (v === null ? '-' : String(v)))})` : `0/${x.rounds}`,
        x.newWriters.join(', ') || '-',
      ];
    });
    rows.push(['Galera re-formed (reference)', '', '', ...(m ? [''] : []), mmm(result.reform[fault] ?? summarize([]), n), '', ...(m ? ['', ''] : []), '', '', '']);
    const what = fault === 'kill' ? 'SIGKILL of the writer node1; restarted once every router wrote again' : `SIGSTOP of the writer node1, SIGCONT ${o.freezeMs / 1000} s later`;
    parts.push(`${what}: ${n} round(s); seconds from the fault, min / median / max`);
    parts.push(table([
      'configuration', m ? 'all routers route to new writer' : 'routes to new writer', 'vs baseline',
      ...(m ? ['route spread med (max)'] : []),
      m ? 'all routers wrote on new writer' : 'first write on new writer', 'vs baseline',
      ...(m ? ['write spread med (max)', 'disagreement med (max)'] : []),
      'writes failed med (max)', 'moved back (count med (max))', 'new writer',
    ], rows));
    for (const r of result.rounds.filter((x) => x.fault === fault)) for (const note of r.notes) parts.push(`  round ${r.round}: ${note}`);
    parts.push('');
  }
  if (result.aborted) parts.push('INTERRUPTED: only the rounds above were run.');
  for (const f of result.failedRounds) parts.push(`${f.fault} round ${f.round} FAILED: ${f.error}`);
  return parts.join('\n');
}
