import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RouterAdapter } from '../apply/router.js';
import { healthyCluster, testConfig } from '../decide/fixtures.js';
import type { DesiredRouting } from '../model/decision.js';
import type { ClusterObservation } from '../model/observation.js';
import { createLogger } from './logger.js';
import { StateFile } from './state-file.js';
import { TickRecorder } from './tick-recorder.js';
import { WardenLoop } from './warden-loop.js';

const quiet = () => createLogger({ level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, d) => d() }) });

class FakeRouter implements RouterAdapter {
  readonly name = 'fake';
  readonly seen: DesiredRouting[] = [];
  async apply(desired: DesiredRouting) {
    this.seen.push(desired);
    return { router: this.name, ok: true, changed: false, durationMs: 0, actions: [] };
  }
  async close() {}
  async destroy() {}
}

function setup(observe: () => Promise<ClusterObservation>, options: { intervalMs?: number; state?: StateFile; clock?: { t: number } } = {}) {
  const config = testConfig({ retryUp: 1, minHoldMs: 0 });
  const router = new FakeRouter();
  const recorder = new TickRecorder();
  const clock = options.clock ?? { t: 1_000_000 };
  const loop = new WardenLoop({
    observe, decideConfig: config, routers: [router], recorder, intervalMs: options.intervalMs ?? 20, log: quiet(),
    now: () => clock.t, ...(options.state ? { state: options.state } : {}),
  });
  return { config, router, recorder, loop, clock };
}

describe('warden loop', () => {
  it('observes, decides, applies and records one tick with the writer it elected', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const { loop, router, recorder } = setup(async () => healthyCluster(config, 1_000_000));
    const t = await loop.tick();
    assert.equal(t.seq, 1);
    assert.equal(t.desired.writers.length, 1);
    assert.equal(router.seen.length, 1);
    assert.equal(router.seen[0], t.desired);
    assert.equal(recorder.latest(), t);
    assert.equal(recorder.history(10).length, 1);
  });

  it('never overlaps ticks, even when a tick takes longer than the interval', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    let inFlight = 0;
    let maxInFlight = 0;
    let calls = 0;
    const { loop } = setup(async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls++;
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      return healthyCluster(config, 1_000_000);
    }, { intervalMs: 5 });
    loop.start();
    await new Promise((r) => setTimeout(r, 200));
    await loop.stop();
    assert.ok(calls >= 3, `only ${calls} ticks ran`);
    assert.equal(maxInFlight, 1);
  });

  it('persists the decision state so that a restarted loop keeps the same writer and epoch', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-state-'));
    const file = new StateFile(path.join(dir, 'state.json'));
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const first = setup(async () => healthyCluster(config, 1_000_000), { state: file });
    const t1 = await first.loop.tick();
    const second = setup(async () => healthyCluster(config, 1_001_000), { state: file, clock: { t: 1_001_000 } });
    const t2 = await second.loop.tick();
    assert.deepEqual(t2.desired.writers, t1.desired.writers);
    assert.equal(t2.desired.epoch, t1.desired.epoch);
    assert.equal(t2.changes.length, 0);
    fs.rmSync(dir, { recursive: true });
  });

  it('ignores a corrupt state file with a warning instead of trusting it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-state-'));
    const f = path.join(dir, 'state.json');
    fs.writeFileSync(f, '{"version":7}');
    const warnings: string[] = [];
    assert.equal(new StateFile(f, (m) => warnings.push(m)).load(), null);
    assert.match(warnings[0]!, /not a galera-warden decision state/);
    fs.rmSync(dir, { recursive: true });
  });

  it('an operator switchover moves the writer and lapses once done; a maintenance mark drains the node', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const { loop, clock } = setup(async () => healthyCluster(config, clock.t));
    const t1 = await loop.tick();
    const other = config.nodes.map((n) => n.name).find((n) => n !== t1.desired.writers[0])!;
    loop.requestSwitchover(other);
    clock.t += 1000;
    const t2 = await loop.tick();
    assert.deepEqual(t2.desired.writers, [other]);
    assert.equal(t2.desired.epoch, t1.desired.epoch + 1);
    loop.setMaintenance(other, true);
    clock.t += 1000;
    const t3 = await loop.tick();
    assert.ok(!t3.desired.writers.includes(other));
    assert.notEqual(t3.desired.nodes.find((n) => n.node === other)?.writer, 'writer');
    assert.deepEqual(loop.maintenanceMarks(), [other]);
  });
});
