// Plain-text tables for the bench report.
import type { Summary } from './analysis.js';

export function table(header: string[], rows: string[][], align: ('l' | 'r')[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => ((align[i] ?? (i === 0 ? 'l' : 'r')) === 'l' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

/** Milliseconds as seconds with 2 decimals. */
export const sec = (ms: number | null | undefined): string => (ms === null || ms === undefined || !Number.isFinite(ms) ? '-' : (ms / 1000).toFixed(2));

/** "min / median / max" in seconds; "n/m" appended when some rounds gave no value. */
export function mmm(s: Summary, rounds?: number, unit: (ms: number | null) => string = sec): string {
  if (s.n === 0) return rounds ? `none of ${rounds}` : '-';
  const base = `${unit(s.min)} / ${unit(s.median)} / ${unit(s.max)}`;
  return rounds !== undefined && s.n < rounds ? `${base} (${s.n}/${rounds})` : base;
}

export const int = (x: number): string => Math.round(x).toLocaleString('en-US');
