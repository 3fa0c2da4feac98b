// The loop's tick at the end of a re-entry hold: while no writer is routed, the first node whose hold
// ([routing] minHoldMs) runs out is let in by a tick at that moment, not by the next scheduled one.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RouterAdapter } from '../apply/router.js';
import { failed, healthyCluster, observation, testConfig } from '../decide/fixtures.js';
import type { DecideConfig } from '../model/decide-config.js';
import type { ClusterObservation } from '../model/observation.js';
import type { TickRecord } from '../model/tick.js';
import { createLogger } from './logger.js';
import { TickRecorder } from './tick-recorder.js';
import type { LoopOptions } from './warden-loop.js';
import { WardenLoop } from './warden-loop.js';

const quiet = () => createLogger({ level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, d) => d() }) });

const router: RouterAdapter = {
  name: 'fake',
  apply: () => Promise.resolve({ router: 'fake', ok: true, changed: false, durationMs: 0, actions: [] }),
  close: () => Promise.resolve(),
  destroy: () => Promise.resolve(),
};

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** The schedule is a minute: any tick after the first one the test runs itself is the hold's. `extra`: loop options that win. */
function setup(config: DecideConfig, view: () => ClusterObservation, extra: Partial<LoopOptions> = {}) {
  const records: TickRecord[] = [];
  const recorder = new TickRecorder();
  const record = recorder.record.bind(recorder);
  recorder.record = (t, overran) => {
    records.push(t);
    record(t, overran);
  };
  const loop = new WardenLoop({ observe: () => Promise.resolve(view()), decideConfig: config, routers: [router], recorder, intervalMs: 60_000, log: quiet(), ...extra });
  return { loop, records };
}

const allDown = (config: DecideConfig) => {
  const at = Date.now();
  return observation(at, config.nodes.map((n) => failed(n, at, 'refused')));
};

describe('warden loop: a tick when a re-entry hold runs out', () => {
  it('no writer routed, every node healthy again but holding: the tick at the hold\'s end routes the writer', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 300 });
    let up = false;
    const h = setup({ ...config }, () => (up ? healthyCluster(config, Date.now()) : allDown(config)));
    h.loop.start();
    await until('the first tick', () => h.records.length === 1);
    assert.deepEqual(h.records[0]!.desired.writers, []);
    up = true;
    const seen = await h.loop.tick();
    assert.deepEqual(seen.desired.writers, [], 'holding: no writer yet');
    await until('the hold-end tick', () => h.records.length === 3);
    await h.loop.stop();
    const held = h.records[2]!;
    assert.equal(held.trigger?.by, 'hold-end');
    assert.equal(held.desired.writers.length, 1, 'the hold-end tick routes the writer');
    assert.ok(held.at - seen.at >= 300, 'not before the hold ran out');
  });

  it('a writer routed: no tick at a recovering node\'s hold end (the schedule lets it in)', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 100 });
    let node3Down = true;
    const h = setup(config, () => {
      const at = Date.now();
      const all = healthyCluster(config, at);
      return node3Down ? observation(at, all.nodes.map((n) => (n.node === 'node3' ? failed(config.nodes[2]!, at, 'refused') : n))) : all;
    });
    h.loop.start();
    await until('the first tick', () => h.records.length === 1);
    assert.equal(h.records[0]!.desired.writers.length, 1);
    node3Down = false;
    await h.loop.tick();
    // three holds' time: nothing but the ticks the test ran
    await new Promise((r) => setTimeout(r, 300));
    await h.loop.stop();
    assert.equal(h.records.length, 2);
  });

  it('a hold that runs out between the tick\'s decision and its end (a slow apply): the hold-end tick runs at once', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 300 });
    let clock = 1_000_000;
    let up = false;
    let slowApply = false;
    const slow: RouterAdapter = {
      ...router,
      apply: () => {
        // the apply outlasts the hold: the clock moves past healthySince + minHoldMs before the tick ends
        if (slowApply) clock += 400;
        slowApply = false;
        return Promise.resolve({ router: 'fake', ok: true, changed: false, durationMs: 0, actions: [] });
      },
    };
    const { loop, records } = setup(config, () => (up ? healthyCluster(config, clock) : allDown(config)), { routers: [slow], now: () => clock });
    loop.start();
    await until('the first tick', () => records.length === 1);
    up = true;
    clock += 1000;
    slowApply = true;
    const seen = await loop.tick();
    assert.deepEqual(seen.desired.writers, [], 'holding at the decision');
    await until('the hold-end tick', () => records.length === 3);
    await loop.stop();
    assert.equal(records[2]!.trigger?.by, 'hold-end');
    assert.equal(records[2]!.desired.writers.length, 1);
  });

  it('stop() clears the hold timer: nothing runs after it', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 100 });
    let up = false;
    const h = setup(config, () => (up ? healthyCluster(config, Date.now()) : allDown(config)));
    h.loop.start();
    await until('the first tick', () => h.records.length === 1);
    up = true;
    await h.loop.tick();
    await h.loop.stop();
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.records.length, 2);
  });
});
