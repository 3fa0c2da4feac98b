import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readiness, staleAfterMs } from './readiness.js';
import type { LoopHealth } from './warden-loop.js';

const ok: LoopHealth = { lastTickAt: 10_000, writers: ['node1'], routed: true, failing: null };
const at = (health: LoopHealth, now = 10_500, draining = false) => readiness({ health, draining, now, staleAfterMs: 3000 });

describe('readiness', () => {
  it('is ready while a writer is routed and the last tick is fresh', () => {
    assert.deepEqual(at(ok), { ready: true, writers: ['node1'] });
    assert.equal(at(ok, 13_000).ready, true);
  });

  it('is not ready with a reason: draining, ticks failing, ticks stale, no writer', () => {
    const reason = (r: ReturnType<typeof readiness>) => (r.ready ? 'ready' : r.reason);
    assert.equal(reason(at(ok, 10_500, true)), 'draining');
    assert.equal(reason(at({ ...ok, failing: 'decide() threw' })), 'ticks failing');
    assert.equal(reason(at({ ...ok, lastTickAt: null })), 'ticks stale');
    assert.equal(reason(at(ok, 13_001)), 'ticks stale');
    assert.equal(reason(at({ ...ok, writers: [], routed: false })), 'no writer');
    assert.equal(reason(at({ ...ok, routed: false })), 'no writer');
  });

  it('says why in the detail', () => {
    const r = at(ok, 20_000);
    assert.ok(!r.ready && r.detail.includes('10000 ms ago'), JSON.stringify(r));
    const f = at({ ...ok, failing: 'E_X boom' });
    assert.ok(!f.ready && f.detail.includes('E_X boom'));
  });

  it('coordination unavailable and traffic disabled answer 503 with their reason, and clear by themselves', () => {
    const why = 'coordination store unavailable (COORD_NOT_PRIMARY: node1 is not Primary); routing no writer until it answers';
    const c = at({ ...ok, writers: [], routed: false, coordination: why });
    assert.ok(!c.ready && c.reason === 'coordination unavailable' && c.detail === why, JSON.stringify(c));
    const t = at({ ...ok, writers: [], routed: false, trafficOff: 'traffic is disabled by ops: migration' });
    assert.ok(!t.ready && t.reason === 'traffic disabled' && t.detail.includes('migration'), JSON.stringify(t));
    assert.deepEqual(at({ ...ok, coordination: null, trafficOff: null }), { ready: true, writers: ['node1'] });
  });

  it('stale after three intervals plus the probe deadline', () => {
    assert.equal(staleAfterMs(1000, 2000), 5000);
    assert.equal(staleAfterMs(50, 2000), 2150);
  });
});
