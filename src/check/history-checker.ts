// Pure: judges a recorded history (history.ts) against the project's promise: no two nodes take writes at
// once, and no acknowledged write is lost. No I/O; the caller gives the operations and the final read-back.
//
// Which writes count ("effective writes"):
// - every acknowledged write (outcome ok), on the node its answer named;
// - every write with outcome unknown whose row exists in the read-back, on the node the row names (the INSERT
//   stored the node that ran it). Its commit lies somewhere between its invoke and the moment the client gave
//   up, so that whole interval counts: unknown outcomes count against the promise. A commit after the client
//   gave up (the server finishing a transaction whose connection was already closed) is outside what any
//   client-side history can bound; the write client gives up only by closing the connection, which ends it.
//   An unknown write whose row exists nowhere did not commit and does not count;
// - a write reported failed whose row exists anyway: counted as well, and a violation of its own
//   (`failed-committed`: the client was told it did not happen).
//
// Rule 1, no overlapping writers. Effective writes are ordered by completion time (ties by invoke). A *run* is a
// maximal block of consecutive writes on one node in that order: one uninterrupted stretch during which that
// node took the writes. The *window* of a run is [earliest invoke, latest completion] of its writes: each
// commit lies inside its write's [invoke, completion], so the node took writes somewhere inside that window,
// and nothing narrower is known from the client's side. A violation (`overlap`) is any two runs on different
// nodes whose windows intersect (a.start < b.end and b.start < a.end). Sound in the direction that matters: two
// nodes committing at the same instant always yields intersecting windows (their writes' intervals intersect),
// so a history with such a moment cannot pass. The converse is conservative: a write whose answer was merely
// slow widens its window; the checker then reports an overlap the cluster may not have had. Runs on the same
// node never conflict with each other.
//   Fine-grained alternation (X, Y, X, Y with no interval intersecting) is not an overlap by this definition;
// it is caught by `maxWriterChanges`: with the number of writer changes the store recorded (epoch
// increments bound it from above), more runs than changes + 1 mean a node took writes out of its turn
// (`writer-changes`).
//
// Rule 2, no lost writes. Every acknowledged write's row must exist on every node read back (`lost`, naming
// the nodes that miss it), and the row must name the node the answer named (`node-mismatch`).
//
// Rule 3, nothing on a demoted node. With `routings` (per router: what its instance had routed as writer, from
// when that routing was applied, severed connections included), a write through router R that committed on node
// X and was invoked after R's routing in force no longer had X as a writer is a violation (`demoted-write`):
// R's instance had demoted (or fenced) X and severed its write connections, so nothing sent later may land on X.
//
// Rule 4, report: the per-node windows (the runs), and the longest time without an acknowledged write
// between the history's start and end (availability, not a violation).
//
// Reads are recorded but not judged here.
import type { Operation, ReadBack } from './history.js';

export interface CheckOptions {
  /** writer changes the store recorded during the run (an upper bound is fine): more runs than this + 1 fail */
  maxWriterChanges?: number;
  /** start and end of the observed period for the availability figure; default first invoke, last completion */
  from?: number;
  to?: number;
  /**
   * per router, what its instance routed as writer and from when (applied): the timeline rule 3 checks. A router
   * absent here is not checked by rule 3.
   */
  routings?: Readonly<Record<string, readonly RoutingSpan[]>>;
  /** at most this many violations of one rule are described (the count is always exact); default 20 */
  describeAtMost?: number;
}

export type ViolationRule = 'overlap' | 'lost' | 'node-mismatch' | 'failed-committed' | 'writer-changes' | 'demoted-write';

/**
 * From `from` on (epoch ms, when it had certainly been applied, severing included), the router's instance routed
 * these writers. `decidedAt` (default `from`): when it started applying it; a writer it adds may take writes
 * from then on.
 */
export interface RoutingSpan {
  from: number;
  decidedAt?: number;
  writers: readonly string[];
}

export interface Violation {
  rule: ViolationRule;
  message: string;
  /** the operation ids involved */
  ids: string[];
}

export interface WriteWindow {
  node: string;
  start: number;
  end: number;
  /** effective writes in the run */
  writes: number;
  /** of which acknowledged */
  acked: number;
}

export interface Verdict {
  ok: boolean;
  violations: Violation[];
  /** violations per rule, exact even when not all are described */
  counts: Record<ViolationRule, number>;
  /** the runs, in order */
  windows: WriteWindow[];
  /** the longest stretch without an acknowledged write */
  longestGap: { from: number; to: number; ms: number };
  totals: { writes: number; ok: number; failed: number; unknown: number; unknownCommitted: number; reads: number };
}

interface Effective {
  op: Operation;
  node: string;
}

const RULES: ViolationRule[] = ['overlap', 'lost', 'node-mismatch', 'failed-committed', 'writer-changes', 'demoted-write'];

/** The routing in force at `t` on a timeline sorted by `from` (undefined: none applied yet). */
export function routingAt(spans: readonly RoutingSpan[], t: number): RoutingSpan | undefined {
  return spans[inForceIndex(spans, t)];
}

function inForceIndex(spans: readonly RoutingSpan[], t: number): number {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.from <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/**
 * The routing in force at `t` had demoted `node`: it is not among its writers, nor among those of a later
 * routing decided by `until` (the write's completion; default `t`). A router may hold a statement while it has no
 * writer (ProxySQL queues it until a server of the hostgroup is there) and run it on the writer routed next: a
 * write sent while no routing named `node` is legitimate when a routing that names it was decided before the
 * answer came.
 */
export function demotedAt(spans: readonly RoutingSpan[], t: number, node: string, until = t): RoutingSpan | undefined {
  const i = inForceIndex(spans, t);
  if (i < 0 || spans[i]!.writers.includes(node)) return undefined;
  for (let j = i + 1; j < spans.length && (spans[j]!.decidedAt ?? spans[j]!.from) <= Math.max(t, until); j++) if (spans[j]!.writers.includes(node)) return undefined;
  return spans[i];
}

/** The runs of effective writes (ordered by completion), each with its window. */
export function writeRuns(writes: readonly Effective[]): (WriteWindow & { ids: string[] })[] {
  const sorted = [...writes].sort((a, b) => a.op.completeAt - b.op.completeAt || a.op.invokeAt - b.op.invokeAt);
  const runs: (WriteWindow & { ids: string[] })[] = [];
  for (const w of sorted) {
    const last = runs[runs.length - 1];
    if (last && last.node === w.node) {
      last.start = Math.min(last.start, w.op.invokeAt);
      last.end = Math.max(last.end, w.op.completeAt);
      last.writes++;
      if (w.op.outcome === 'ok') last.acked++;
      last.ids.push(w.op.id);
    } else {
      runs.push({ node: w.node, start: w.op.invokeAt, end: w.op.completeAt, writes: 1, acked: w.op.outcome === 'ok' ? 1 : 0, ids: [w.op.id] });
    }
  }
  return runs;
}

/** The longest stretch in [from, to] without an acknowledged write (by completion time). */
export function longestGap(acks: readonly number[], from: number, to: number): { from: number; to: number; ms: number } {
  const points = [from, ...acks.filter((t) => t > from && t < to).sort((a, b) => a - b), to];
  let best = { from, to: from, ms: 0 };
  for (let i = 1; i < points.length; i++) {
    const ms = points[i]! - points[i - 1]!;
    if (ms > best.ms) best = { from: points[i - 1]!, to: points[i]!, ms };
  }
  return best;
}

const fmt = (t: number): string => `${Math.round(t)}`;

export function checkHistory(operations: readonly Operation[], readBack: readonly ReadBack[], o: CheckOptions = {}): Verdict {
  const limit = o.describeAtMost ?? 20;
  const counts = Object.fromEntries(RULES.map((r) => [r, 0])) as Record<ViolationRule, number>;
  const violations: Violation[] = [];
  const flag = (rule: ViolationRule, ids: string[], message: () => string): void => {
    counts[rule]++;
    if (counts[rule] <= limit) violations.push({ rule, message: message(), ids });
  };

  // where each row is, and which node ran its INSERT
  const rowNode = new Map<string, string>();
  const holders = new Map<string, Set<string>>();
  for (const rb of readBack) {
    for (const r of rb.rows) {
      if (!rowNode.has(r.id)) rowNode.set(r.id, r.node);
      let h = holders.get(r.id);
      if (!h) holders.set(r.id, (h = new Set()));
      h.add(rb.from);
    }
  }

  const writes = operations.filter((op) => op.kind === 'write');
  const effective: Effective[] = [];
  let unknownCommitted = 0;
  for (const op of writes) {
    const row = rowNode.get(op.id);
    if (op.outcome === 'ok') {
      const node = op.node ?? row ?? '?';
      effective.push({ op, node });
      const missing = readBack.filter((rb) => !holders.get(op.id)?.has(rb.from)).map((rb) => rb.from);
      if (missing.length > 0) flag('lost', [op.id], () => `acknowledged write ${op.id} (client ${op.client} via ${op.router}, on ${node}, acked at ${fmt(op.completeAt)}) is missing on ${missing.join(', ')}`);
      if (row !== undefined && op.node !== undefined && row !== op.node) flag('node-mismatch', [op.id], () => `write ${op.id}: the answer named ${op.node}, the row names ${row}`);
    } else if (row !== undefined) {
      effective.push({ op, node: row });
      if (op.outcome === 'unknown') unknownCommitted++;
      else flag('failed-committed', [op.id], () => `write ${op.id} (client ${op.client} via ${op.router}) was reported failed (${op.error ?? 'no reason'}) but its row exists, written on ${row}`);
    }
  }

  if (o.routings) {
    const timelines = new Map(Object.entries(o.routings).map(([r, spans]) => [r, [...spans].sort((a, b) => a.from - b.from)]));
    for (const { op, node } of effective) {
      const spans = timelines.get(op.router);
      const inForce = spans && demotedAt(spans, op.invokeAt, node, op.completeAt);
      if (inForce) {
        flag('demoted-write', [op.id], () => `write ${op.id} (${op.outcome}, client ${op.client} via ${op.router}) committed on ${node}, sent at ${fmt(op.invokeAt)} when ${op.router} had routed [${inForce.writers.join(', ')}] as writer since ${fmt(inForce.from)}`);
      }
    }
  }

  const runs = writeRuns(effective);
  const byStart = [...runs].sort((a, b) => a.start - b.start);
  for (let i = 0; i < byStart.length; i++) {
    const a = byStart[i]!;
    for (let j = i + 1; j < byStart.length && byStart[j]!.start < a.end; j++) {
      const b = byStart[j]!;
      if (b.node === a.node) continue;
      flag('overlap', [...a.ids, ...b.ids], () => `${a.node} took writes in [${fmt(a.start)}, ${fmt(a.end)}] (${a.writes} writes) while ${b.node} took writes in [${fmt(b.start)}, ${fmt(b.end)}] (${b.writes} writes): ${fmt(Math.min(a.end, b.end) - b.start)} ms overlap`);
    }
  }
  if (o.maxWriterChanges !== undefined && runs.length > o.maxWriterChanges + 1) {
    const path = runs.map((r) => r.node).join(' -> ');
    flag('writer-changes', [], () => `the writes moved ${runs.length - 1} times (${path}) but the store recorded at most ${o.maxWriterChanges} writer changes`);
  }

  const from = o.from ?? Math.min(...operations.map((x) => x.invokeAt), Infinity);
  const to = o.to ?? Math.max(...operations.map((x) => x.completeAt), -Infinity);
  const acks = writes.filter((x) => x.outcome === 'ok').map((x) => x.completeAt);
  return {
    ok: RULES.every((r) => counts[r] === 0),
    violations,
    counts,
    windows: runs.map(({ ids: _ids, ...w }) => w),
    longestGap: Number.isFinite(from) && Number.isFinite(to) ? longestGap(acks, from, to) : { from: 0, to: 0, ms: 0 },
    totals: {
      writes: writes.length,
      ok: acks.length,
      failed: writes.filter((x) => x.outcome === 'failed').length,
      unknown: writes.filter((x) => x.outcome === 'unknown').length,
      unknownCommitted,
      reads: operations.length - writes.length,
    },
  };
}

/** One line per window and violation: for logs and test output. */
export function describeVerdict(v: Verdict): string {
  const t = v.totals;
  const lines = [
    `${v.ok ? 'PASS' : 'FAIL'}: ${t.writes} writes (${t.ok} ok, ${t.failed} failed, ${t.unknown} unknown of which ${t.unknownCommitted} committed); longest without an acknowledged write ${Math.round(v.longestGap.ms)} ms`,
    ...v.windows.map((w) => `  ${w.node}: [${fmt(w.start)}, ${fmt(w.end)}] ${w.writes} writes (${w.acked} acked)`),
    ...RULES.filter((r) => v.counts[r] > 0).map((r) => `  ${r}: ${v.counts[r]} violation(s)`),
    ...v.violations.map((x) => `  - ${x.rule}: ${x.message}`),
  ];
  return lines.join('\n');
}
