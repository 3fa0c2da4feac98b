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

describe('health port /writer/<node>', () => {
  const health: LoopHealth = { lastTickAt: 1_000_000, writers: ['node2'], routed: true, failing: null };
  let draining = false;
  const hp = new HealthPort('127.0.0.1', 0, (d) => readiness({ health, draining: d || draining, now: 1_000_000, staleAfterMs: 3000 }));
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

  it('200 for the routed writer only; 503 naming the writer for another node', async () => {
    assert.deepEqual(await get('/writer/node2'), { status: 200, body: { status: 'writer', node: 'node2' } });
    const other = await get('/writer/node1');
    assert.equal(other.status, 503);
    assert.equal(other.body.reason, 'not the writer');
    assert.match(String(other.body.detail), /node2/);
  });
  it('503 with the instance\'s reason when it routes no writer (a dead loop never says 200)', async () => {
    Object.assign(health, { writers: [], routed: false });
    const r = await get('/writer/node2');
    assert.equal(r.status, 503);
    assert.equal(r.body.reason, 'no writer');
    Object.assign(health, { writers: ['node2'], routed: true });
    draining = true;
    assert.equal((await get('/writer/node2')).body.reason, 'draining');
    draining = false;
    assert.equal((await get('/writer/node2')).status, 200);
  });
  it('a router that failed to apply the writer: /ready 503, but /writer/ follows the decision (200 for it, 503 for the others)', async () => {
    Object.assign(health, { writers: ['node2'], routed: false });
    assert.equal((await get('/ready')).status, 503);
    assert.deepEqual(await get('/writer/node2'), { status: 200, body: { status: 'writer', node: 'node2' } });
    assert.equal((await get('/writer/node1')).status, 503);
    Object.assign(health, { routed: true });
  });
  it('/writer/ without a node stays the liveness answer', async () => {
    assert.deepEqual(await get('/writer/'), { status: 200, body: { status: 'serving' } });
  });
});
