import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsView, isHealthy, isTrafficEnabled, sessionsOf } from './backends-view.js';
import { electionTick, failoverTick, proxyStatsAfterFailover } from './testing/scenario.js';
import { buildTick, nodeDecision } from './testing/tick-fixtures.js';

void describe('backendsView (Switchboard /v0/backends)', () => {
  void it('answers one entry per node with exactly Switchboard keys and types', () => {
    const backends = backendsView(failoverTick(5), proxyStatsAfterFailover());
    assert.deepEqual(backends, [
      { host: '10.0.0.11', port: 3306, healthy: false, name: 'db1', currentSessionCount: 0, active: false, trafficEnabled: false },
      { host: '10.0.0.12', port: 3306, healthy: true, name: 'db2', currentSessionCount: 9, active: true, trafficEnabled: true },
      { host: '10.0.0.13', port: 3306, healthy: true, name: 'db3', currentSessionCount: 3, active: false, trafficEnabled: true },
    ]);
    for (const b of backends) {
      assert.deepEqual(Object.keys(b).sort(), ['active', 'currentSessionCount', 'healthy', 'host', 'name', 'port', 'trafficEnabled']);
    }
  });

  void it('counts no sessions without a built-in proxy, and nothing before the first tick', () => {
    assert.deepEqual(backendsView(electionTick(), undefined).map((b) => b.currentSessionCount), [0, 0, 0]);
    assert.deepEqual(backendsView(undefined, proxyStatsAfterFailover()), []);
  });

  void it('marks every writer active when several write (multi-primary)', () => {
    const tick = buildTick({ seq: 1, epoch: 1, nodes: [{ name: 'a', writer: 'writer' }, { name: 'b', writer: 'writer' }, { name: 'c' }] });
    assert.deepEqual(backendsView(tick, undefined).map((b) => b.active), [true, true, false]);
  });
});

void describe('health and traffic of one node', () => {
  void it('a backup writer candidate kept out of the reader pool is healthy but takes no traffic', () => {
    const d = nodeDecision({ name: 'db2', writer: 'backup', reader: 'backup' }, 1);
    assert.equal(isHealthy(d), true);
    assert.equal(isTrafficEnabled(d), false);
  });

  void it('in service but parked in every pool it belongs to is not healthy', () => {
    assert.equal(isHealthy(nodeDecision({ name: 'x', inService: true, writer: 'offline_soft', reader: 'offline_soft' }, 0)), false);
    assert.equal(isHealthy(nodeDecision({ name: 'x', inService: true, writer: 'none', reader: 'none' }, 0)), false);
    assert.equal(isHealthy(nodeDecision({ name: 'x', inService: true, writer: 'offline_soft', reader: 'reader' }, 0)), true);
  });

  void it('out of service is never healthy, whatever the roles say', () => {
    assert.equal(isHealthy(nodeDecision({ name: 'x', inService: false, writer: 'writer', reader: 'reader' }, 0)), false);
  });

  void it('sums the sessions of the writer and the reader port', () => {
    const stats = proxyStatsAfterFailover();
    assert.equal(sessionsOf('db2', stats), 9);
    assert.equal(sessionsOf('db3', stats), 3);
    assert.equal(sessionsOf('nope', stats), 0);
  });
});
