// The loop with fencing on, against data (no sandbox): the planner runs after decide(), the executor alongside
// the routers; the eviction, its reason and evidence land in the tick record and its findings; the loop ticks
// again at once after an eviction; with fencing off nothing of it appears.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { NodeLook } from '../src/decide/fencing-fixtures.js';
import { clusterAt, decideConfigFor, fakeExecute, fencingConfig } from '../src/decide/fencing-fixtures.js';
import type { FencingPlan } from '../src/model/fencing.js';
import type { ClusterObservation } from '../src/model/observation.js';
import { createLogger } from '../src/runtime/logger.js';
import { TickRecorder } from '../src/runtime/tick-recorder.js';
import { WardenLoop } from '../src/runtime/warden-loop.js';

const quiet = () => createLogger({ level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, d) => d() }) });

function setup(observations: ClusterObservation[], mode: 'off' | 'dead' = 'dead', intervalMs = 10_000) {
  const config = decideConfigFor(3);
  const plans: FencingPlan[] = [];
  let i = 0;
  const clock = { t: observations[0]!.at };
  const loop = new WardenLoop({
    observe: async () => {
      const o = observations[Math.min(i++, observations.length - 1)]!;
      clock.t = o.at;
      return o;
    },
    decideConfig: config, routers: [], recorder: new TickRecorder(), intervalMs, log: quiet(), now: () => clock.t,
    fencing: { config: fencingConfig({ mode }), execute: async (plan) => { plans.push(plan); return fakeExecute(plan); } },
  });
  return { loop, plans, config, ticks: () => i };
}

describe('warden loop with fencing', () => {
  const config = decideConfigFor(3);
  const healthy = clusterAt(config, 1_000_000, {}, { confId: 3 });
  const killed = clusterAt(config, 1_000_100, { node1: { kind: 'refused' } }, { confId: 3 });

  it('records the eviction, its reason and evidence in the tick and its findings', async () => {
    const { loop, plans } = setup([healthy, killed]);
    const t1 = await loop.tick();
    assert.equal(t1.fencing?.mode, 'dead');
    assert.equal(t1.fencing?.plan.evict, undefined);
    const t2 = await loop.tick();
    assert.equal(plans[1]?.evict?.node, 'node1');
    assert.equal(t2.fencing?.outcome.evict?.done, true);
    assert.equal(t2.fencing?.totals.evictionsDead, 1);
    const f = t2.findings.find((x) => x.code === 'FENCE_EVICTED');
    assert.ok(f && /dead/.test(f.message) && /evidence: .*refuses/.test(f.message), JSON.stringify(t2.findings));
    assert.deepEqual(t2.desired.writers, ['node2']);
  });

  it('ticks again at once after an eviction', async () => {
    // real clock: ticks at 0 and 600 ms (the eviction), then at once instead of at 1200 ms
    const looks: Record<string, NodeLook>[] = [{}, { node1: { kind: 'refused' } }];
    let n = 0;
    const loop = new WardenLoop({
      observe: async () => clusterAt(config, Date.now(), looks[Math.min(n++, 1)]!, { confId: 3 }),
      decideConfig: config, routers: [], recorder: new TickRecorder(), intervalMs: 600, log: quiet(),
      fencing: { config: fencingConfig(), execute: async (plan) => fakeExecute(plan) },
    });
    loop.start();
    await new Promise((r) => setTimeout(r, 900));
    await loop.stop();
    assert.equal(n, 3, `${n} ticks in 900 ms: the tick after the eviction did not come at once`);
  });

  it('with fencing off, ticks carry no fencing record and nothing is executed', async () => {
    const { loop, plans } = setup([healthy, killed], 'off');
    await loop.tick();
    const t = await loop.tick();
    assert.equal(t.fencing, undefined);
    assert.equal(plans.length, 0);
  });
});
