import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clusterView, decisionView, decisionsView } from './cluster-view.js';
import { FakeReportSource } from './testing/fake-report-source.js';
import { failedOverSource, failoverTick } from './testing/scenario.js';
import { STATE_UUID, T0 } from './testing/tick-fixtures.js';

void describe('clusterView', () => {
  void it('summarises the latest tick: epoch, pools, primary, findings, counters, age of the tick', () => {
    const source = failedOverSource();
    source.marks.add('db1');
    const v = clusterView(source, T0 + 5000 + 750);
    assert.equal(v.name, 'prod-galera');
    assert.equal(v.epoch, 2);
    assert.deepEqual(v.writers, ['db2']);
    assert.deepEqual(v.readers, ['db2', 'db3']);
    assert.deepEqual(v.primary?.nodes, ['db2', 'db3']);
    assert.deepEqual(v.findings.map((f) => f.code), ['NOT_PRIMARY', 'FAILOVER']);
    assert.deepEqual(v.counters, { ticks: 5, failovers: 1, applyErrors: 0, overruns: 0 });
    assert.deepEqual(v.maintenance, ['db1']);
    assert.deepEqual(v.lastTick, { seq: 5, at: T0 + 5000, durationMs: 48.2, ageMs: 750, trigger: { by: 'schedule' } });
    assert.deepEqual(v.proxy, { endpoints: { writer: '0.0.0.0:3306', reader: '0.0.0.0:3307' }, rejected: 4 });
  });

  void it('carries what the health port\'s /ready answers, with its reason', () => {
    const source = Object.assign(failedOverSource(), { readiness: () => ({ ready: false as const, reason: 'ticks stale' as const, detail: 'the last tick completed 9000 ms ago' }) });
    assert.deepEqual(clusterView(source, T0).readiness, { ready: false, reason: 'ticks stale', detail: 'the last tick completed 9000 ms ago' });
  });

  void it('shows the evictions fencing did (node, gcomm uuid, reason, via, view), and null when fencing is off', () => {
    const evictions = [{ node: 'db1', uuid: 'ccf111cf-e617-11f1-adf4-ba5b312d053a', at: T0 + 4000, reason: 'dead' as const, via: 'db2', view: { stateUuid: STATE_UUID, confId: 7 } }];
    const totals = { evictions: 1, evictionsDead: 1, evictionsUnresponsive: 0, aborted: 0, cleared: 0, restarts: 0 };
    const operative = { operative: true, reason: null, missing: [] };
    const tick = { ...failoverTick(5, T0 + 5000), fencing: { mode: 'dead' as const, plan: { operative, clear: [], spared: [] }, outcome: { cleared: [], restartsFinished: [] }, totals, evictions } };
    assert.deepEqual(clusterView(new FakeReportSource().record(tick), T0 + 5000).fencing, { mode: 'dead', operative: true, inoperativeReason: null, evictions });
    assert.equal(clusterView(failedOverSource(), T0 + 5000).fencing, null);
  });

  void it('answers nulls and empty pools before the first tick', () => {
    const v = clusterView(new FakeReportSource(), T0);
    assert.equal(v.epoch, null);
    assert.equal(v.lastTick, null);
    assert.equal(v.primary, null);
    assert.equal(v.proxy, null);
    assert.equal(v.readiness, null, 'no health port: no readiness');
    assert.deepEqual([v.writers, v.readers, v.findings, v.applied], [[], [], [], []]);
  });
});

void describe('decisionsView', () => {
  void it('answers the last N ticks that changed something, newest first', () => {
    const source = failedOverSource();
    assert.deepEqual(decisionsView(source, 10).map((d) => d.seq), [5, 1]);
    assert.deepEqual(decisionsView(source, 1).map((d) => d.seq), [5]);
  });

  void it('keeps the reasons of every change and names routers that failed to apply', () => {
    const tick = failoverTick(5);
    tick.applied = [{ router: 'proxysql', ok: false, changed: false, durationMs: 3, actions: [], error: { code: 'E_APPLY_TIMEOUT', message: 'proxysql admin 10.0.0.5:6032 timed out' } }];
    const d = decisionView(tick);
    assert.deepEqual(d.changes.map((c) => `${c.node}/${c.pool}:${c.reasons.join('+')}`), ['db1/writer:NOT_PRIMARY', 'db1/reader:NOT_PRIMARY', 'db2/writer:FAILOVER']);
    assert.deepEqual(d.applyErrors, [{ router: 'proxysql', code: 'E_APPLY_TIMEOUT', message: 'proxysql admin 10.0.0.5:6032 timed out' }]);
  });

  void it('shows what started the tick: a data-path signal (node, router, kind) or the schedule', () => {
    const signal = { router: 'builtin', node: 'db1', kind: 'refused' as const, at: T0 + 4990, detail: 'refused: connect ECONNREFUSED' };
    const triggered = { ...failoverTick(5), trigger: { by: 'data-path' as const, node: 'db1', signals: [signal], coalesced: 12 } };
    assert.deepEqual(decisionView(triggered).trigger, { by: 'data-path', node: 'db1', signals: [signal], coalesced: 12 });
    assert.deepEqual(decisionView(failoverTick(5)).trigger, { by: 'schedule' }, 'a record without a trigger is a scheduled tick');
  });
});
