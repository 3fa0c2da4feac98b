// Adds TOML sections to a generated config: tables present in both are merged key by key (the extra's
// value wins), so `[run] intervalMs = 100` can be added to a sandbox config that already has a [run] table.
import { parse, stringify } from 'smol-toml';

type Table = Record<string, unknown>;
const isTable = (v: unknown): v is Table => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

function merge(base: Table, extra: Table): Table {
  const out: Table = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const b = out[k];
    out[k] = isTable(b) && isTable(v) ? merge(b, v) : v;
  }
  return out;
}

export function mergeConfig(base: string, extra: string): string {
  return `${stringify(merge(parse(base), parse(extra)))}\n`;
}
