import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from './decide.js';
import { healthyCluster, testConfig } from './fixtures.js';
import { seedWriters } from './seed-state.js';

describe('seedWriters', () => {
  const config = testConfig({ retryUp: 1, minHoldMs: 0 });
  const at = 1_000_000;

  it('a seeded writer is kept while eligible instead of the node first by weight', () => {
    const elected = decide({ observation: healthyCluster(config, at), previous: null, config, now: at }).desired.writers;
    const other = config.nodes.map((n) => n.name).find((n) => !elected.includes(n))!;
    const r = decide({ observation: healthyCluster(config, at), previous: seedWriters(null, [other], { epoch: 4 }), config, now: at });
    assert.deepEqual(r.desired.writers, [other]);
    assert.equal(r.desired.epoch, 4, 'no change of writer: the epoch carries on');
  });

  it('keeps the base state (tracks, time) and its last writers when seeding none', () => {
    const base = decide({ observation: healthyCluster(config, at), previous: null, config, now: at }).next;
    const s = seedWriters(base, [], { epoch: 9 });
    assert.deepEqual([s.writer.nodes, s.writer.last, s.writer.epoch, s.nodes, s.at], [[], base.writer.last, 9, base.nodes, base.at]);
    assert.deepEqual(seedWriters(base, ['node3'], { epoch: 2, since: 5, nodes: {} }).writer, { nodes: ['node3'], epoch: 2, since: 5, last: ['node3'] });
  });
});
