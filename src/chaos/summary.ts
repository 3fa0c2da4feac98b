// Pure: a chaos campaign's rounds judged one by one from the whole history's verdict, and the tables the
// command prints (per round; availability per fault kind).
import type { Operation } from '../check/history.js';
import { longestGap } from '../check/history-checker.js';
import type { Verdict } from '../check/history-checker.js';

export interface InjectedFault {
  kind: string;
  /** the node (node2) or instance (warden-b) hit, and what it was when hit (writer, other, instance) */
  target: string;
  role: string;
}

export interface RoundRecord {
  round: number;
  faults: InjectedFault[];
  /** epoch ms: the round started (writes flowing), the faults were injected, healed, every router wrote again */
  startAt: number;
  injectedAt: number;
  healedAt: number;
  recoveredAt: number | null;
  endAt: number;
  writerBefore: string | null;
  writerAfter: string | null;
  /** what had to be repaired after the heal (a node restarted that did not rejoin by itself) */
  repairs: string[];
}

export interface RoundSummary {
  round: number;
  faults: string;
  /** longest stretch without any acknowledged write, from the injection to the round's end */
  gapMs: number;
  /** from the heal until every router wrote again; null: it did not within the deadline */
  recoverMs: number | null;
  writes: { ok: number; failed: number; unknown: number };
  /** violations attributed to this round (by the latest write each names) */
  split: number;
  lost: number;
  other: number;
  writers: string;
}

export const describeFaults = (faults: readonly InjectedFault[]): string => faults.map((f) => `${f.kind} ${f.target}${f.role === 'instance' ? '' : ` (${f.role})`}`).join(' + ');

export function summarizeRounds(rounds: readonly RoundRecord[], ops: readonly Operation[], verdict: Verdict): RoundSummary[] {
  const byId = new Map(ops.map((o) => [o.id, o]));
  const roundOf = (t: number): number | undefined => rounds.find((r) => t >= r.startAt && t < r.endAt)?.round;
  const counted = rounds.map(() => ({ split: 0, lost: 0, other: 0 }));
  for (const v of verdict.violations) {
    const t = Math.max(...v.ids.map((id) => byId.get(id)?.invokeAt ?? -Infinity));
    const n = roundOf(t);
    if (n === undefined) continue;
    const c = counted[rounds.findIndex((r) => r.round === n)]!;
    if (v.rule === 'overlap' || v.rule === 'writer-changes') c.split++;
    else if (v.rule === 'lost') c.lost++;
    else c.other++;
  }
  const acks = ops.filter((o) => o.outcome === 'ok').map((o) => o.completeAt);
  return rounds.map((r, i) => {
    const inRound = ops.filter((o) => o.kind === 'write' && o.invokeAt >= r.startAt && o.invokeAt < r.endAt);
    return {
      round: r.round,
      faults: describeFaults(r.faults),
      gapMs: Math.round(longestGap(acks, r.injectedAt, r.endAt).ms),
      recoverMs: r.recoveredAt === null ? null : Math.max(0, r.recoveredAt - r.healedAt),
      writes: { ok: inRound.filter((o) => o.outcome === 'ok').length, failed: inRound.filter((o) => o.outcome === 'failed').length, unknown: inRound.filter((o) => o.outcome === 'unknown').length },
      ...counted[i]!,
      writers: `${r.writerBefore ?? '-'} -> ${r.writerAfter ?? '-'}`,
    };
  });
}

/** Availability per fault kind: rounds, median and worst gap without an acknowledged write. */
export function byKind(rounds: readonly RoundRecord[], summaries: readonly RoundSummary[]): { kind: string; rounds: number; medianGapMs: number; maxGapMs: number }[] {
  const groups = new Map<string, number[]>();
  rounds.forEach((r, i) => {
    const kind = r.faults.map((f) => f.kind).join('+');
    groups.set(kind, [...(groups.get(kind) ?? []), summaries[i]!.gapMs]);
  });
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, gaps]) => {
    const s = [...gaps].sort((a, b) => a - b);
    return { kind, rounds: s.length, medianGapMs: s[Math.floor((s.length - 1) / 2)]!, maxGapMs: s[s.length - 1]! };
  });
}

function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function roundsTable(s: readonly RoundSummary[]): string {
  return table(['round', 'fault', 'writers', 'no-write gap', 'recovered', 'ok', 'failed', 'unknown', 'split', 'lost', 'other'], s.map((r) => [
    String(r.round), r.faults, r.writers, `${(r.gapMs / 1000).toFixed(2)} s`, r.recoverMs === null ? 'NO' : `${(r.recoverMs / 1000).toFixed(2)} s`,
    String(r.writes.ok), String(r.writes.failed), String(r.writes.unknown), String(r.split), String(r.lost), String(r.other),
  ]));
}

export function kindsTable(k: ReturnType<typeof byKind>): string {
  return table(['fault kind', 'rounds', 'median gap', 'worst gap'], k.map((x) => [x.kind, String(x.rounds), `${(x.medianGapMs / 1000).toFixed(2)} s`, `${(x.maxGapMs / 1000).toFixed(2)} s`]));
}
