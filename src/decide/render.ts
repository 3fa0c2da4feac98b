// A decision as text for a person: the routing, a table of nodes with their roles and reasons, the findings and
// the changes. Used by `galera-warden explain`; pure, so it can be tested and reused by other views.
import type { DecideResult, Finding } from '../model/decision.js';

export interface RenderOptions {
  /** show the changes against the previous state (off when there was no previous state: everything would be new) */
  showChanges: boolean;
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length); });
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

const finding = (f: Finding): string => `${f.severity.toUpperCase().padEnd(8)}  ${f.code.padEnd(26)}  ${f.message}`;

export function renderDecision(result: DecideResult, options: RenderOptions): string {
  const { desired } = result;
  const out: string[] = [];
  out.push(`decision at ${new Date(desired.at).toISOString()} (now=${desired.at}), writer epoch ${desired.epoch}`);
  out.push(`writers: ${desired.writers.length > 0 ? desired.writers.join(', ') : '(none)'}`);
  out.push(`readers: ${desired.readers.length > 0 ? desired.readers.join(', ') : '(none)'}`);
  const p = desired.primary;
  out.push(p
    ? `primary component: ${p.stateUuid} view ${p.confId}, size ${p.size}: ${p.nodes.join(', ')}`
    : 'primary component: (none trusted)');
  out.push('');
  const rows: string[][] = [['NODE', 'WRITER', 'READER', 'CONN W/R', 'SERVICE', 'REASONS']];
  for (const n of desired.nodes) {
    const codes = [...new Set(n.reasons.map((r) => r.code))];
    rows.push([n.node, n.writer, n.reader, `${n.writerConnections}/${n.readerConnections}`, n.inService ? 'in' : 'out', codes.length > 0 ? codes.join(', ') : '-']);
  }
  out.push(...table(rows));
  out.push('');
  out.push(result.findings.length > 0 ? 'findings:' : 'findings: none');
  for (const f of result.findings) out.push(`  ${finding(f)}`);
  if (options.showChanges) {
    out.push('');
    out.push(result.changes.length > 0 ? 'changes:' : 'changes: none');
    for (const c of result.changes) out.push(`  ${c.message}`);
  }
  return `${out.join('\n')}\n`;
}
