import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide } from '../decide/decide.js';
import { failed, healthyCluster, roleOf, testConfig } from '../decide/fixtures.js';
import { EMPTY_PROBE_MEMO, adoptedState, parseProbeMemo, skipSlowProbes } from './cold-start.js';

const config = testConfig({ retryUp: 0, retryDown: 0, minHoldMs: 8000 });
const names = config.nodes.map((n) => n.name);
const at = 1_000_000;

describe('cold start (no state file): adopt what ProxySQL routes by', () => {
  it('keeps the healthy writer ProxySQL has ONLINE in hgW instead of moving to the highest weight', () => {
    const cold = decide({ observation: healthyCluster(config, at), previous: null, config, now: at });
    assert.deepEqual(cold.desired.writers, ['node1'], 'without adoption: elected by weight');
    const adopted = decide({ observation: healthyCluster(config, at), previous: adoptedState({ writers: ['node2'], parked: [], empty: false }, names, at), config, now: at });
    assert.deepEqual(adopted.desired.writers, ['node2']);
    assert.ok(!adopted.changes.some((c) => c.pool === 'writer' && c.to === 'writer' && c.node !== 'node2'));
  });

  it('an adopted writer that is not eligible is replaced', () => {
    const obs = healthyCluster(config, at);
    obs.nodes = obs.nodes.map((o) => (o.node === 'node2' ? failed(config.nodes[1]!, at) : o));
    const r = decide({ observation: obs, previous: adoptedState({ writers: ['node2'], parked: [], empty: false }, names, at), config, now: at });
    assert.deepEqual(r.desired.writers, ['node1']);
  });

  it('a node ProxySQL keeps parked (9000+HG) stays out until it has been healthy for the hold time', () => {
    const prev = adoptedState({ writers: ['node1'], parked: ['node3'], empty: false }, names, at);
    const r = decide({ observation: healthyCluster(config, at), previous: prev, config, now: at });
    assert.equal(roleOf(r, 'node3').reader, 'maintenance');
    assert.equal(roleOf(r, 'node3').writer, 'maintenance');
    const later = decide({ observation: healthyCluster(config, at + 9000), previous: r.next, config, now: at + 9000 });
    assert.equal(roleOf(later, 'node3').reader, 'reader');
  });

  it('nothing routed yet (a fresh installation): no adoption, elect by weight', () => {
    assert.equal(adoptedState({ writers: [], parked: [], empty: true }, names, at), null);
    assert.deepEqual(adoptedState({ writers: ['gone:1'], parked: [], empty: false }, names, at)?.writer.nodes, []);
    assert.deepEqual(adoptedState({ writers: ['node2', 'node3'], parked: [], empty: false }, names, at)?.writer.nodes, [], 'two ONLINE writers under a single writer: elect');
    assert.deepEqual(adoptedState({ writers: ['node2', 'node3'], parked: [], empty: false }, names, at, 2)?.writer.nodes, ['node2', 'node3']);
  });
});

describe('a probe slower than checkTimeOut skips the node for the run (pxcScheduler)', () => {
  const good = healthyCluster(config, at);
  const slowWriter = (t: number) => {
    const o = healthyCluster(config, t);
    return { ...o, nodes: o.nodes.map((n) => (n.node === 'node1' ? failed(config.nodes[0]!, t, 'timeout') : n)) };
  };

  it('one slow writer probe does not fail over with retryDown 0; two in a row do', () => {
    const first = skipSlowProbes(good, EMPTY_PROBE_MEMO, 10_000);
    const d1 = decide({ observation: first.observation, previous: null, config, now: at });
    assert.deepEqual(d1.desired.writers, ['node1']);
    const second = skipSlowProbes(slowWriter(at + 2000), first.memo, 10_000);
    assert.deepEqual(second.skipped, ['node1']);
    const d2 = decide({ observation: second.observation, previous: d1.next, config, now: at + 2000 });
    assert.deepEqual(d2.desired.writers, ['node1'], 'the slow writer is skipped: no fail-over');
    const third = skipSlowProbes(slowWriter(at + 4000), parseProbeMemo(JSON.stringify(second.memo)), 10_000);
    assert.deepEqual(third.skipped, []);
    const d3 = decide({ observation: third.observation, previous: d2.next, config, now: at + 4000 });
    assert.deepEqual(d3.desired.writers, ['node2'], 'slow twice in a row: it counts');
  });

  it('a refused probe is never skipped, and an old observation is not used', () => {
    const first = skipSlowProbes(good, EMPTY_PROBE_MEMO, 10_000);
    const refused = healthyCluster(config, at + 2000);
    refused.nodes = refused.nodes.map((n) => (n.node === 'node1' ? failed(config.nodes[0]!, at + 2000, 'refused') : n));
    assert.deepEqual(skipSlowProbes(refused, first.memo, 10_000).skipped, []);
    assert.deepEqual(skipSlowProbes(slowWriter(at + 20_000), first.memo, 10_000).skipped, []);
    assert.deepEqual(parseProbeMemo('{"version":1,"nodes":{"a":{}}}'), EMPTY_PROBE_MEMO);
    assert.deepEqual(parseProbeMemo('nope'), EMPTY_PROBE_MEMO);
  });
});
