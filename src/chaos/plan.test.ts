import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { allowedFaults, DEFAULT_FAULTS, FAULT_KINDS, INSTANCE_FAULTS, parseFaults, planRounds, SOFT_FAULTS } from './plan.js';
import { seeded } from './random.js';

describe('chaos plan', () => {
  it('the same seed gives the same plan; another seed another one', () => {
    const a = planRounds(7, 20, DEFAULT_FAULTS, true);
    assert.deepEqual(planRounds(7, 20, DEFAULT_FAULTS, true), a);
    assert.notDeepEqual(planRounds(8, 20, DEFAULT_FAULTS, true), a);
    assert.deepEqual(a.map((r) => r.round), Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('only asked-for kinds; a double round adds a soft fault on another target', () => {
    fc.assert(fc.property(fc.integer(), fc.subarray([...FAULT_KINDS], { minLength: 1 }), fc.boolean(), (seed, kinds, double) => {
      for (const r of planRounds(seed, 12, kinds, double)) {
        assert.ok(r.faults.length === 1 || (double && r.faults.length === 2));
        for (const f of r.faults) assert.ok(kinds.includes(f.kind));
        if (r.faults.length === 2) {
          assert.notEqual(r.faults[0]!.aim, r.faults[1]!.aim);
          assert.ok(SOFT_FAULTS.includes(r.faults[1]!.kind));
        }
        for (const f of r.faults) assert.equal(f.aim === 'instance', INSTANCE_FAULTS.includes(f.kind));
      }
    }));
  });

  it('parses a fault list and names what it does not know', () => {
    assert.deepEqual(parseFaults('kill, freeze,double'), { kinds: ['kill', 'freeze'], double: true });
    assert.throws(() => parseFaults('kill,explode'), /unknown fault "explode": expected some of kill, freeze/);
    assert.throws(() => parseFaults('double'), /no fault kind in "double"/);
    assert.throws(() => parseFaults('isolate', DEFAULT_FAULTS), /unknown fault "isolate"/);
  });

  it('isolate needs network namespaces, store-down the etcd store; the default list is the loopback Galera-store one', () => {
    assert.deepEqual(allowedFaults({ netns: false, store: 'galera' }), DEFAULT_FAULTS);
    assert.deepEqual(allowedFaults({ netns: true, store: 'etcd' }), [...FAULT_KINDS]);
    assert.equal(allowedFaults({ netns: true, store: 'galera' }).includes('store-down'), false);
    assert.deepEqual(allowedFaults({ netns: false, store: 'etcd' }).filter((k) => !DEFAULT_FAULTS.includes(k)), ['store-down']);
    assert.throws(() => parseFaults('store-down', DEFAULT_FAULTS), /unknown fault "store-down"/);
  });

  it('the generator is uniform enough and stays in range', () => {
    const r = seeded(42);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[r.below(4)]!++;
    for (const c of counts) assert.ok(c > 800 && c < 1200, `${counts.join(',')}`);
    assert.throws(() => r.pick([]), /empty/);
  });
});
