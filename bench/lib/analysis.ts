// Pure analysis of recorded acknowledgements: first write after a fault, split windows (writes landing on
// two nodes at once), gaps, and min / median / max summaries.
import type { Ack } from './write-clients.js';

export interface Summary {
  n: number;
  min: number | null;
  median: number | null;
  max: number | null;
}

export function summarize(values: readonly (number | null | undefined)[]): Summary {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0, min: null, median: null, max: null };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { n: v.length, min: v[0]!, median, max: v[v.length - 1]! };
}

/** The p-th percentile (0..100) of sorted values, nearest rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const byTime = (acks: readonly Ack[]): Ack[] => [...acks].sort((a, b) => a.t - b.t);

export function firstAck(acks: readonly Ack[], after: number, accept: (a: Ack) => boolean = () => true): Ack | undefined {
  let best: Ack | undefined;
  for (const a of acks) if (a.t > after && accept(a) && (best === undefined || a.t < best.t)) best = a;
  return best;
}

/** Longest time between consecutive acks (sorted) from `from` on; the first gap is measured from `from`. */
export function maxGap(sorted: readonly Ack[], from: number, to?: number): { ms: number; at: number } {
  let prev = from;
  let best = { ms: 0, at: from };
  for (const a of sorted) {
    if (a.t <= from) continue;
    if (to !== undefined && a.t > to) break;
    if (a.t - prev > best.ms) best = { ms: a.t - prev, at: prev };
    prev = a.t;
  }
  return best;
}

export interface Run {
  node: string;
  from: number;
  to: number;
  n: number;
}

/** Consecutive acks on the same node, condensed. */
export function runs(sorted: readonly Ack[]): Run[] {
  const out: Run[] = [];
  for (const a of sorted) {
    const last = out[out.length - 1];
    if (last && last.node === a.node) {
      last.to = a.t;
      last.n++;
    } else out.push({ node: a.node, from: a.t, to: a.t, n: 1 });
  }
  return out;
}

export interface Interval {
  from: number;
  to: number;
  nodes: string[];
}

export interface Split {
  /** total length of the time in which writes landed on two different nodes */
  ms: number;
  intervals: Interval[];
  /** acks that landed inside another node's stretch of writes */
  interleavedAcks: number;
}

/**
 * Split window: the time in which acknowledged writes landed on two different nodes.
 *
 * Each node's acks are grouped into stretches (consecutive acks of that node less than `gapMs` apart;
 * an outage longer than that ends a stretch). An ack on node X that falls strictly inside a stretch of
 * another node Y is a write on X while Y was taking writes. It contributes the interval from the later
 * of (the start of Y's stretch; X's previous ack if in the same stretch of X, else the time the write
 * was sent) to the ack. So a late ack of a write sent to the old writer before the fault counts from
 * the new writer's first ack on; two nodes taking writes side by side count for as long as they do; a
 * clean hand-over (or a clean fail-back after a gap) counts 0.
 */
export function splitWindow(acks: readonly Ack[], gapMs = 1000): Split {
  const sorted = byTime(acks);
  const perNode = new Map<string, Ack[]>();
  for (const a of sorted) {
    const list = perNode.get(a.node) ?? [];
    list.push(a);
    perNode.set(a.node, list);
  }
  const stretches = new Map<string, { from: number; to: number }[]>();
  for (const [node, list] of perNode) {
    const s: { from: number; to: number }[] = [];
    for (const a of list) {
      const last = s[s.length - 1];
      if (last && a.t - last.to <= gapMs) last.to = a.t;
      else s.push({ from: a.t, to: a.t });
    }
    stretches.set(node, s);
  }
  const raw: Interval[] = [];
  let interleavedAcks = 0;
  for (const [node, list] of perNode) {
    let prev: number | undefined;
    for (const a of list) {
      const since = prev !== undefined && a.t - prev <= gapMs ? prev : (a.sent ?? a.t);
      let hit = false;
      for (const [other, s] of stretches) {
        if (other === node) continue;
        for (const st of s) {
          if (st.from < a.t && a.t < st.to) {
            raw.push({ from: Math.min(a.t, Math.max(st.from, since)), to: a.t, nodes: [other, node].sort() });
            hit = true;
          }
        }
      }
      if (hit) interleavedAcks++;
      prev = a.t;
    }
  }
  raw.sort((a, b) => a.from - b.from);
  const merged: Interval[] = [];
  for (const iv of raw) {
    const last = merged[merged.length - 1];
    if (last && iv.from <= last.to) {
      last.to = Math.max(last.to, iv.to);
      last.nodes = [...new Set([...last.nodes, ...iv.nodes])].sort();
    } else merged.push({ ...iv });
  }
  return { ms: merged.reduce((sum, iv) => sum + (iv.to - iv.from), 0), intervals: merged, interleavedAcks };
}

export interface Gap {
  from: number;
  to: number;
}

/** Gaps longer than minMs between consecutive acks (sorted) in [from, to]; the first is measured from `from`. */
export function gaps(sorted: readonly Ack[], from: number, to: number, minMs: number): Gap[] {
  const out: Gap[] = [];
  let prev = from;
  for (const a of sorted) {
    if (a.t <= from) continue;
    if (a.t > to) break;
    if (a.t - prev > minMs) out.push({ from: prev, to: a.t });
    prev = a.t;
  }
  if (to - prev > minMs) out.push({ from: prev, to });
  return out;
}

/** How much of `g` is not covered by `cover` (which may overlap each other). */
export function uncovered(g: Gap, cover: readonly Gap[]): number {
  const parts = cover
    .map((c) => ({ from: Math.max(g.from, c.from), to: Math.min(g.to, c.to) }))
    .filter((c) => c.to > c.from)
    .sort((a, b) => a.from - b.from);
  let covered = 0;
  let end = g.from;
  for (const p of parts) {
    if (p.to <= end) continue;
    covered += p.to - Math.max(p.from, end);
    end = p.to;
  }
  return g.to - g.from - covered;
}
