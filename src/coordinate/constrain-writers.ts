// Pure helpers of the coordinated loop: set a decision's writers to what the shared record allows, and stamp
// the record's epoch on it. decide() stays untouched; its result is adjusted afterwards, roles and role changes
// included, so that routers, the audit log and the next tick's previous state all agree with what is routed.
import { diffRoles } from '../decide/changes.js';
import type { DecideResult, DecideState, DesiredRouting, Finding, NodeDecision } from '../model/decision.js';
import type { Reason } from '../model/reasons.js';

export const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** The decision with `epoch` as its writer epoch (the record's). */
export function withEpoch(r: DecideResult, epoch: number): DecideResult {
  return { ...r, desired: { ...r.desired, epoch }, next: { ...r.next, writer: { ...r.next.writer, epoch } } };
}

/** A node the decision would accept as writer: in service, and the writer or a healthy backup candidate. */
export function eligibleWriter(desired: DesiredRouting, node: string): boolean {
  const n = desired.nodes.find((d) => d.node === node);
  return n !== undefined && n.inService && (n.writer === 'writer' || n.writer === 'backup');
}

/**
 * The decision with exactly `writers` as writers (they must have node entries), at `epoch`. A node that
 * decide() made writer and that is not in `writers` becomes a backup whose write connections are severed,
 * with `reason` first among its reasons. Role changes are recomputed against `previous`.
 */
export function constrainWriters(r: DecideResult, writers: readonly string[], epoch: number, previous: DecideState | null, reason: Reason, now: number): DecideResult {
  const known = new Set(r.desired.nodes.map((n) => n.node));
  const allowed = writers.filter((w) => known.has(w));
  if (sameList(allowed, r.desired.writers)) return withEpoch(r, epoch);
  const nodes: NodeDecision[] = r.desired.nodes.map((n) => {
    if (allowed.includes(n.node)) return { ...n, writer: 'writer', writerConnections: 'keep' };
    if (n.writer === 'writer') return { ...n, writer: 'backup', writerConnections: 'sever', reasons: [reason, ...n.reasons] };
    return n;
  });
  const desired: DesiredRouting = { ...r.desired, epoch, writers: [...allowed], nodes };
  const prevWriters = previous?.writer.nodes ?? [];
  const next: DecideState = {
    ...r.next,
    writer: {
      nodes: [...allowed],
      epoch,
      since: sameList(prevWriters, allowed) ? (previous?.writer.since ?? null) : now,
      last: allowed.length > 0 ? [...allowed] : (previous?.writer.last ?? r.next.writer.last),
    },
    nodes: Object.fromEntries(Object.entries(r.next.nodes).map(([name, t]) => [name, { ...t, writer: nodes.find((n) => n.node === name)?.writer ?? t.writer }])),
  };
  const before = Object.entries(previous?.nodes ?? {}).map(([node, t]) => ({ node, writer: t.writer, reader: t.reader }));
  return { ...r, desired, next, changes: diffRoles(before, desired) };
}

/** Maintenance marks after an operator's requests, sorted. */
export function applyMarks(marks: readonly string[], requests: readonly { node: string; on: boolean }[]): string[] {
  const set = new Set(marks);
  for (const q of requests) {
    if (q.on) set.add(q.node);
    else set.delete(q.node);
  }
  return [...set].sort();
}

export function coordinationFinding(code: string, severity: Finding['severity'], priority: number, message: string): Finding {
  return { code, severity, priority, scope: 'cluster', message };
}
