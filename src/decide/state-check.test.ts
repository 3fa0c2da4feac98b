// checkDecideState must accept and return exactly what the zod schema (input-schema.ts) does: the schema is
// the reference, the hand-written check is what the scheduler loads (no zod at start-up).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { check, DecideStateSchema } from './input-schema.js';
import { checkDecideState } from './state-check.js';

const time = fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 ** 45 }));
const name = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => s !== '__proto__');
const writerRole = fc.constantFrom('writer', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none', null);
const readerRole = fc.constantFrom('reader', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none', null);

const track = fc.record({
  inService: fc.boolean(),
  healthyStreak: fc.nat(),
  unhealthyStreak: fc.nat(),
  healthySince: time,
  lastHealthyAt: time,
  lastUnhealthyAt: time,
  writer: writerRole,
  reader: readerRole,
  gcommUuid: fc.oneof(fc.constant(null), fc.uuid()),
});

const validState = fc.record({
  version: fc.constant(1),
  at: time,
  writer: fc.record({ nodes: fc.array(name, { maxLength: 3 }), epoch: fc.nat(), since: time, last: fc.array(name, { maxLength: 3 }) }),
  nodes: fc.dictionary(name, track, { maxKeys: 4 }),
});

/** any JSON-ish value, to put in place of a field */
const junk = fc.oneof(fc.constant(null), fc.constant(undefined), fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.double(), fc.string({ maxLength: 3 }), fc.constant([]), fc.constant({}), fc.constant(['a', 1]), fc.constant(2 ** 60), fc.constant('writer'));

/** JSON of a valid state with one field (at any depth) replaced by junk, deleted, or an unknown field added */
const mutated = fc.tuple(validState, fc.nat(), junk, fc.constantFrom('replace', 'delete', 'extra')).map(([s, pick, value, how]) => {
  const doc = JSON.parse(JSON.stringify(s)) as Record<string, unknown>;
  const holders: Record<string, unknown>[] = [];
  const walk = (o: unknown) => {
    if (typeof o === 'object' && o !== null) {
      holders.push(o as Record<string, unknown>);
      for (const v of Object.values(o)) walk(v);
    }
  };
  walk(doc);
  const holder = holders[pick % holders.length]!;
  const keys = Object.keys(holder);
  const key = how === 'extra' || keys.length === 0 ? 'extraField' : keys[pick % keys.length]!;
  if (how === 'delete') delete holder[key];
  else holder[key] = value;
  // what a state file can hold: JSON (no holes, no undefined, no NaN)
  return JSON.parse(JSON.stringify(doc)) as unknown;
});

function agree(doc: unknown): void {
  const reference = check(DecideStateSchema, doc);
  const ours = checkDecideState(doc);
  assert.equal(ours.ok, reference.ok, `zod ${reference.ok ? 'accepts' : `rejects (${reference.ok ? '' : reference.problems.join('; ')})`}, the check ${ours.ok ? 'accepts' : `rejects (${ours.ok ? '' : ours.problems.join('; ')})`}: ${JSON.stringify(doc)}`);
  if (ours.ok && reference.ok) assert.deepEqual(ours.value, reference.value);
}

describe('checkDecideState', () => {
  it('accepts every valid state, returning what the schema returns', () => {
    fc.assert(fc.property(validState, agree), { numRuns: 300 });
  });

  it('accepts and rejects as the schema does when a field is wrong, missing or extra', () => {
    fc.assert(fc.property(mutated, agree), { numRuns: 1000 });
  });

  it('rejects what is not a state at all, naming the field', () => {
    for (const doc of [null, 3, 'x', [], {}]) agree(doc);
    const r = checkDecideState({ version: 1, at: null, writer: { epoch: 7 }, nodes: {} });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problems.join('; '), /writer\.nodes: expected a list of strings, got undefined/);
    const n = checkDecideState({ version: 1, at: null, writer: { nodes: [], epoch: 0, since: null, last: [] }, nodes: { node1: { inService: 'yes' } } });
    assert.match(n.ok ? '' : n.problems[0]!, /^nodes\.node1\.inService: expected a boolean, got string "yes"$/);
  });
});
