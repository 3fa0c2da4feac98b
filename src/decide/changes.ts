// Role changes between two decisions, each with the codes that explain it: what the audit log records
// ("node1 writer: writer -> maintenance (STALE_VIEW)").
import type { DesiredRouting, NodeDecision, ReaderRole, RoleChange, WriterRole } from '../model/decision.js';

export interface PreviousRoles {
  node: string;
  writer: WriterRole | null;
  reader: ReaderRole | null;
}

function change(d: NodeDecision, pool: 'writer' | 'reader', from: WriterRole | ReaderRole | null): RoleChange {
  const to = d[pool];
  const reasons = d.reasons.map((r) => r.code);
  const why = reasons.length > 0 ? ` (${reasons.join(', ')})` : '';
  return { node: d.node, pool, from, to, reasons, message: `${d.node} ${pool}: ${from ?? '(none)'} -> ${to}${why}` };
}

/** Changes from the roles of the previous tick to a new decision, sorted by node then pool (writer first). */
export function diffRoles(previous: readonly PreviousRoles[], next: DesiredRouting): RoleChange[] {
  const before = new Map(previous.map((p) => [p.node, p]));
  const out: RoleChange[] = [];
  for (const d of next.nodes) {
    const p = before.get(d.node);
    if ((p?.writer ?? null) !== d.writer) out.push(change(d, 'writer', p?.writer ?? null));
    if ((p?.reader ?? null) !== d.reader) out.push(change(d, 'reader', p?.reader ?? null));
  }
  return out;
}

/** Changes between two decisions; `previous` null means everything is new. */
export function diffDecisions(previous: DesiredRouting | null, next: DesiredRouting): RoleChange[] {
  return diffRoles(previous?.nodes ?? [], next);
}
