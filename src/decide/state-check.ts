// A saved decision state (JSON from a state file) checked without a validation library: the scheduler reads
// one on every run, and loading zod cost more than the rest of a run's modules together (issue 16). Accepts
// exactly what input-schema.ts's DecideStateSchema accepts (state-check.test.ts holds them to that, on
// generated values) and, like it, returns a copy with only the known fields. Problems name the field path.
import type { DecideState, NodeTrack, WriterTrack } from '../model/decision.js';
import type { Checked } from './input-schema.js';

const WRITER_ROLES = new Set(['writer', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none']);
const READER_ROLES = new Set(['reader', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none']);

type Rec = Record<string, unknown>;

class Problems {
  readonly list: string[] = [];
  add(path: string, expected: string, got: unknown): void {
    const what = got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got;
    this.list.push(`${path}: expected ${expected}, got ${what === 'number' || what === 'string' || what === 'boolean' ? `${what} ${JSON.stringify(got)}` : what}`);
  }
}

const isRecord = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, path: string, p: Problems): Rec | undefined {
  if (isRecord(v)) return v;
  p.add(path, 'an object', v);
  return undefined;
}

function finite(v: unknown, path: string, p: Problems, nullable = false): number | null {
  if (nullable && v === null) return null;
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  p.add(path, nullable ? 'a number or null' : 'a number', v);
  return 0;
}

function count(v: unknown, path: string, p: Problems): number {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  p.add(path, 'an integer >= 0', v);
  return 0;
}

function strings(v: unknown, path: string, p: Problems): string[] {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return [...v];
  if (!Array.isArray(v)) p.add(path, 'a list of strings', v);
  else v.forEach((x, i) => typeof x !== 'string' && p.add(`${path}.${i}`, 'a string', x));
  return [];
}

function role<T extends string>(v: unknown, path: string, p: Problems, roles: Set<string>): T | null {
  if (v === null || (typeof v === 'string' && roles.has(v))) return v as T | null;
  p.add(path, `one of ${[...roles].join(', ')} or null`, v);
  return null;
}

function writerTrack(v: unknown, p: Problems): WriterTrack {
  const w = object(v, 'writer', p);
  if (!w) return { nodes: [], epoch: 0, since: null, last: [] };
  return { nodes: strings(w.nodes, 'writer.nodes', p), epoch: count(w.epoch, 'writer.epoch', p), since: finite(w.since, 'writer.since', p, true), last: strings(w.last, 'writer.last', p) };
}

function nodeTrack(v: unknown, path: string, p: Problems): NodeTrack {
  const t = object(v, path, p);
  if (!t) return { inService: false, healthyStreak: 0, unhealthyStreak: 0, healthySince: null, lastHealthyAt: null, lastUnhealthyAt: null, writer: null, reader: null, gcommUuid: null };
  if (typeof t.inService !== 'boolean') p.add(`${path}.inService`, 'a boolean', t.inService);
  if (!(t.gcommUuid === null || typeof t.gcommUuid === 'string')) p.add(`${path}.gcommUuid`, 'a string or null', t.gcommUuid);
  return {
    inService: t.inService === true,
    healthyStreak: count(t.healthyStreak, `${path}.healthyStreak`, p),
    unhealthyStreak: count(t.unhealthyStreak, `${path}.unhealthyStreak`, p),
    healthySince: finite(t.healthySince, `${path}.healthySince`, p, true),
    lastHealthyAt: finite(t.lastHealthyAt, `${path}.lastHealthyAt`, p, true),
    lastUnhealthyAt: finite(t.lastUnhealthyAt, `${path}.lastUnhealthyAt`, p, true),
    writer: role(t.writer, `${path}.writer`, p, WRITER_ROLES),
    reader: role(t.reader, `${path}.reader`, p, READER_ROLES),
    gcommUuid: typeof t.gcommUuid === 'string' ? t.gcommUuid : null,
  };
}

/** A decision state read from outside (a state file), checked field by field. */
export function checkDecideState(value: unknown): Checked<DecideState> {
  const p = new Problems();
  const doc = object(value, '(top level)', p);
  if (!doc) return { ok: false, problems: p.list };
  if (doc.version !== 1) p.add('version', '1', doc.version);
  const at = finite(doc.at, 'at', p, true);
  const writer = writerTrack(doc.writer, p);
  const nodes: Record<string, NodeTrack> = {};
  const n = object(doc.nodes, 'nodes', p);
  // own keys only, like zod's record (a "__proto__" key from JSON.parse is an own key: kept as data)
  if (n) for (const name of Object.keys(n)) Object.defineProperty(nodes, name, { value: nodeTrack(n[name], `nodes.${name}`, p), enumerable: true, writable: true, configurable: true });
  if (p.list.length > 0) return { ok: false, problems: p.list };
  return { ok: true, value: { version: 1, at, writer, nodes } };
}
