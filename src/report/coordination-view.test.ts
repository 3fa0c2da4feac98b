import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { coordinationView, renderCoordination } from './coordination-view.js';

const record = {
  cluster: 'prod', epoch: 7, writers: ['db2'], setBy: 'proxy-a', setAt: Date.UTC(2026, 10, 30, 12), maintenance: ['db3'],
  trafficEnabled: false, message: 'restore', trafficSetBy: 'admin@10.0.0.1 via proxy-b', trafficSetAt: Date.UTC(2026, 10, 30, 13),
};

describe('coordination view (status)', () => {
  it('shows the writer, epoch, who set it and when, the traffic switch and the maintenance marks', () => {
    const text = renderCoordination(coordinationView('galera', 'prod', { ok: true, record }));
    assert.equal(text, [
      'coordination: galera store, record "prod": reachable',
      '  writer: db2 (epoch 7, set by proxy-a at 2026-11-30T12:00:00.000Z)',
      '  traffic: OFF by admin@10.0.0.1 via proxy-b at 2026-11-30T13:00:00.000Z: restore',
      '  maintenance: db3',
      '',
    ].join('\n'));
    assert.match(renderCoordination(coordinationView('galera', 'prod', { ok: true, record: { ...record, trafficEnabled: true, maintenance: [] } })), /traffic: on\n {2}maintenance: none\n$/);
  });

  it('says when there is no record yet, and the failure code when the store does not answer', () => {
    assert.match(renderCoordination(coordinationView('galera', 'prod', { ok: true, record: null })), /reachable, no record yet/);
    const v = coordinationView('galera', 'prod', { ok: false, error: { code: 'COORD_NOT_PRIMARY', message: 'node1 (127.0.0.1:3306) is not in the Primary component' } });
    assert.deepEqual([v.reachable, v.error?.code], [false, 'COORD_NOT_PRIMARY']);
    assert.match(renderCoordination(v), /^coordination: galera store, record "prod": UNREACHABLE \(COORD_NOT_PRIMARY\): node1 \(127\.0\.0\.1:3306\) is not in the Primary component\n/);
  });
});
