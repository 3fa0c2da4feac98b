// The loop's out-of-band ticks (data-path signals): serialized with the scheduled ones, decided by the same
// path, recorded with what triggered them.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RouterAdapter } from '../apply/router.js';
import { failed, healthyCluster, observation, testConfig } from '../decide/fixtures.js';
import type { DesiredRouting } from '../model/decision.js';
import type { ClusterObservation } from '../model/observation.js';
import type { DataPathSignal } from '../model/tick.js';
import { createLogger } from './logger.js';
import { TickRecorder } from './tick-recorder.js';
import { WardenLoop } from './warden-loop.js';

const quiet = () => createLogger({ level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, d) => d() }) });

class SlowRouter implements RouterAdapter {
  readonly name = 'fake';
  inFlight = 0;
  maxInFlight = 0;
  async apply(_desired: DesiredRouting) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 5));
    this.inFlight--;
    return { router: this.name, ok: true, changed: false, durationMs: 5, actions: [] };
  }
  async close() {}
  async destroy() {}
}

/** Polls until `check` holds (the machine is busy: never a fixed sleep for something that must have happened). */
async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const config = testConfig({ retryUp: 1, minHoldMs: 0 });
const signal = (node: string, kind: DataPathSignal['kind'] = 'reset'): DataPathSignal => ({ router: 'builtin', node, kind, at: 1 });

/** A loop whose observe() calls are counted and can be held open by the test. */
function setup(view: () => ClusterObservation, intervalMs = 60_000) {
  let active = 0;
  let maxActive = 0;
  const started: number[] = [];
  let gate: Promise<void> = Promise.resolve();
  const router = new SlowRouter();
  const recorder = new TickRecorder();
  const loop = new WardenLoop({
    observe: async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      started.push(started.length + 1);
      await gate;
      await new Promise((r) => setTimeout(r, 3));
      active--;
      return view();
    },
    decideConfig: config, routers: [router], recorder, intervalMs, log: quiet(),
  });
  return {
    loop, recorder, router, started,
    get maxActive() {
      return maxActive;
    },
    /** holds every observe() from now on until the returned function is called */
    hold(): () => void {
      let open!: () => void;
      gate = new Promise<void>((r) => (open = r));
      return () => {
        gate = Promise.resolve();
        open();
      };
    },
  };
}

describe('warden loop: triggered ticks', () => {
  it('a triggered tick waits for the scheduled tick in flight; they never run at the same time', async () => {
    const h = setup(() => healthyCluster(config, Date.now()));
    const release = h.hold();
    h.loop.start();
    await until('the first scheduled tick to observe', () => h.started.length === 1);
    const triggered = h.loop.triggered('node1', [signal('node1')]);
    const triggered2 = h.loop.triggered('node2', [signal('node2', 'refused')]);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(h.started.length, 1, 'no triggered tick starts while the scheduled one runs');
    release();
    const [a, b] = await Promise.all([triggered, triggered2]);
    await h.loop.stop();
    assert.equal(h.maxActive, 1);
    assert.equal(h.router.maxInFlight, 1);
    assert.deepEqual(h.recorder.history(10).length >= 1, true);
    assert.deepEqual([a?.seq, b?.seq], [2, 3]);
    assert.deepEqual(a?.trigger, { by: 'data-path', node: 'node1', signals: [signal('node1')], coalesced: 0 });
    assert.equal(b?.trigger?.by, 'data-path');
  });

  it('a scheduled tick waits for a triggered tick in flight', async () => {
    const h = setup(() => healthyCluster(config, Date.now()), 30);
    h.loop.start();
    await until('the first scheduled tick to end', () => h.recorder.latest() !== undefined);
    const release = h.hold();
    const before = h.started.length;
    const triggered = h.loop.triggered('node1', [signal('node1')]);
    // the triggered tick (or a scheduled one that just began ahead of it) is held in observe()
    await until('a held tick', () => h.started.length === before + 1);
    await new Promise((r) => setTimeout(r, 100));
    const during = h.started.length;
    release();
    const record = await triggered;
    await until('the scheduled ticks to go on', () => h.started.length > during + 1);
    await h.loop.stop();
    assert.equal(during, before + 1, 'three intervals passed while a tick was held: no other tick started');
    assert.equal(record?.trigger?.by, 'data-path');
    assert.equal(h.maxActive, 1);
  });

  it('the triggered tick decides through decide(): the signal alone moves nothing, the probe result does', async () => {
    let view = healthyCluster(config, Date.now());
    const h = setup(() => ({ ...view, at: Date.now() }));
    h.loop.start();
    await until('the first tick', () => h.recorder.latest() !== undefined);
    const writer = h.recorder.latest()!.desired.writers[0]!;
    // a reset from the writer while its probe still answers: no change
    const kept = await h.loop.triggered(writer, [signal(writer)]);
    assert.deepEqual(kept?.desired.writers, [writer]);
    assert.deepEqual(kept?.changes, []);
    // the writer's port refuses: the triggered tick moves the writer
    const at = Date.now();
    view = observation(at, healthyCluster(config, at).nodes.map((n) => (n.node === writer ? failed(config.nodes.find((c) => c.name === writer)!, at, 'refused') : n)));
    const moved = await h.loop.triggered(writer, [signal(writer, 'refused')]);
    await h.loop.stop();
    assert.notDeepEqual(moved?.desired.writers, [writer]);
    assert.equal(moved?.desired.writers.length, 1);
    assert.equal(moved?.trigger?.by, 'data-path');
    const history = h.recorder.history(10);
    assert.equal(history[history.length - 1]?.seq, moved?.seq, 'the recorded decision that moved the writer is the triggered one');
    assert.deepEqual(history[history.length - 1]?.trigger, moved?.trigger);
  });

  it('no triggered tick once the loop is stopped, also for one queued behind the tick in flight', async () => {
    const h = setup(() => healthyCluster(config, Date.now()));
    assert.equal(await h.loop.triggered('node1', [signal('node1')]), undefined, 'not started');
    assert.equal(h.started.length, 0);
    const release = h.hold();
    h.loop.start();
    await until('the first scheduled tick to observe', () => h.started.length === 1);
    const queued = h.loop.triggered('node1', [signal('node1')]);
    const stopping = h.loop.stop();
    release();
    await stopping;
    assert.equal(await queued, undefined);
    assert.equal(h.started.length, 1);
  });
});
