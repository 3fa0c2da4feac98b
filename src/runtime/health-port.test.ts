import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HealthPort } from './health-port.js';
import { readiness } from './readiness.js';
import type { LoopHealth } from './warden-loop.js';

describe('health port', () => {
  // a fake loop and clock: the test moves them
  const health: LoopHealth = { lastTickAt: null, writers: [], routed: false, failing: null };
  const clock = { t: 1_000_000 };
  const hp = new HealthPort('127.0.0.1', 0, (draining) => readiness({ health, draining, now: clock.t, staleAfterMs: 3000 }));
  let base = '';
  const get = async (p: string) => {
    const r = await fetch(`${base}${p}`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  before(async () => {
    base = `http://127.0.0.1:${(await hp.listen()).port}`;
  });
  after(async () => {
    await hp.close();
  });

  it('answers 200 on / and any other path whatever the loop does (liveness)', async () => {
    assert.equal((await get('/')).status, 200);
    assert.equal((await get('/anything')).status, 200);
  });

  it('/ready and /health/ready: 503 "ticks stale" before the first tick, 200 once a writer is routed', async () => {
    for (const p of ['/ready', '/health/ready', '/ready/']) {
      const r = await get(p);
      assert.equal(r.status, 503, p);
      assert.equal(r.body.reason, 'ticks stale');
    }
    Object.assign(health, { lastTickAt: clock.t, writers: ['node2'], routed: true });
    for (const p of ['/ready', '/health/ready', '/ready?x=1']) assert.deepEqual(await get(p), { status: 200, body: { status: 'ready', writers: ['node2'] } }, p);
  });

  it('/ready 503 "no writer" when none is eligible, "ticks failing" when the loop throws, "ticks stale" when it stops', async () => {
    Object.assign(health, { writers: [], routed: false });
    assert.deepEqual([(await get('/ready')).status, (await get('/ready')).body.reason], [503, 'no writer']);
    Object.assign(health, { writers: ['node2'], routed: true, failing: 'boom' });
    assert.deepEqual([(await get('/ready')).status, (await get('/ready')).body.reason], [503, 'ticks failing']);
    health.failing = null;
    clock.t += 3001;
    assert.deepEqual([(await get('/ready')).status, (await get('/ready')).body.reason], [503, 'ticks stale']);
    assert.equal((await get('/')).status, 200);
    health.lastTickAt = clock.t;
    assert.equal((await get('/ready')).status, 200);
  });

  it('turns /ready to 503 while draining, the liveness path stays 200', async () => {
    hp.drain();
    const r = await get('/ready');
    assert.equal(r.status, 503);
    assert.equal(r.body.status, 'draining');
    assert.equal(r.body.reason, 'draining');
    assert.equal((await get('/')).status, 200);
  });
});
