import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heapFlagsFor, LARGE_FLEET_NODES } from './heap-tuning.js';

describe('heapFlagsFor', () => {
  it('leaves a small fleet to V8 defaults', () => {
    assert.deepEqual(heapFlagsFor(3, []), []);
    assert.deepEqual(heapFlagsFor(LARGE_FLEET_NODES - 1, []), []);
  });

  it('holds the heap small from LARGE_FLEET_NODES on', () => {
    const flags = heapFlagsFor(LARGE_FLEET_NODES, []);
    assert.ok(flags.length > 0);
    assert.ok(flags.every((f) => /^--[a-z-]+=\d+$/.test(f)), flags.join(' '));
  });

  it('never overrides a flag the operator gave, in either spelling', () => {
    const all = heapFlagsFor(300, []);
    for (const flag of all) {
      const name = flag.slice(0, flag.indexOf('='));
      assert.ok(!heapFlagsFor(300, [`${name}=7`]).some((f) => f.startsWith(`${name}=`)));
      assert.ok(!heapFlagsFor(300, [name.replaceAll('-', '_').replace(/^__/, '--')]).some((f) => f.startsWith(`${name}=`)));
      assert.equal(heapFlagsFor(300, [`${name}-more=1`]).length, all.length);
    }
  });
});
