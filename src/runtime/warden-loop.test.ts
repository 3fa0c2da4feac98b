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
  readonly seen: DesiredRouting[] = [];
  /** what currentWriters() answers: undefined leaves the method out (a router that cannot tell) */
  constructor(readonly name = 'fake', readonly current?: () => Promise<string[] | null>) {
    if (current) this.currentWriters = current;
  }
  currentWriters?: () => Promise<string[] | null>;
  async apply(desired: DesiredRouting) {
    this.seen.push(desired);
    return { router: this.name, ok: true, changed: false, durationMs: 0, actions: [] };
  }
  async close() {}
  async destroy() {}
}

function setup(observe: () => Promise<ClusterObservation>, options: { intervalMs?: number; state?: StateFile; clock?: { t: number }; router?: FakeRouter } = {}) {
  const config = testConfig({ retryUp: 1, minHoldMs: 0 });
  const router = options.router ?? new FakeRouter();
  const recorder = new TickRecorder();
  const clock = options.clock ?? { t: 1_000_000 };
  const loop = new WardenLoop({
    observe, decideConfig: config, routers: [router], recorder, intervalMs: options.intervalMs ?? 20, log: quiet(),
    now: () => clock.t, ...(options.state ? { state: options.state } : {}),
  });
  return { config, router, recorder, loop, clock };
}

/** A loop over a state file in a fresh folder, healthy cluster, shared clock; restart() makes a new loop on the same file. */
function restartable() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-state-'));
  const file = path.join(dir, 'state.json');
  const config = testConfig({ retryUp: 1, minHoldMs: 0 });
  const clock = { t: 1_000_000 };
  return { dir, file, config, clock, restart: () => setup(async () => healthyCluster(config, clock.t), { state: new StateFile(file), clock }) };
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

  it('keeps maintenance marks across a restart of the loop, and drops the mark once removed', async () => {
    const { dir, config, clock, restart } = restartable();
    const first = restart();
    const t1 = await first.loop.tick();
    const other = config.nodes.map((n) => n.name).find((n) => n !== t1.desired.writers[0])!;
    first.loop.setMaintenance(other, true);
    // restarted before any further tick: the mark was saved when it was set
    const second = restart();
    assert.deepEqual(second.loop.maintenanceMarks(), [other]);
    clock.t += 1000;
    const t2 = await second.loop.tick();
    const marked = t2.desired.nodes.find((n) => n.node === other)!;
    assert.ok(marked.reasons.some((r) => r.code === 'OPERATOR_MAINTENANCE'), JSON.stringify(marked.reasons));
    assert.ok(!t2.desired.readers.includes(other));
    assert.ok(!t2.desired.writers.includes(other));
    second.loop.setMaintenance(other, false);
    const third = restart();
    assert.deepEqual(third.loop.maintenanceMarks(), []);
    fs.rmSync(dir, { recursive: true });
  });

  it('without a store the traffic switch is local: off routes nothing and severs, survives a restart, on routes the same writer', async () => {
    const { dir, clock, restart } = restartable();
    const first = restart();
    const t1 = await first.loop.tick();
    const r = await first.loop.setTraffic({ trafficEnabled: false, message: 'disk full', by: 'admin@10.0.0.9' });
    assert.ok(r.ok && r.traffic.scope === 'local' && !r.traffic.trafficEnabled && r.traffic.setAt === clock.t);
    clock.t += 1000;
    const t2 = await first.loop.tick();
    assert.deepEqual([t2.desired.writers, t2.desired.readers], [[], []]);
    assert.ok(t2.desired.nodes.every((n) => n.writerConnections === 'sever' && n.readerConnections === 'sever'));
    assert.match(t2.desired.trafficOff ?? '', /traffic is disabled by admin@10\.0\.0\.9 at .*: disk full/);
    assert.equal(t2.findings[0]?.code, 'TRAFFIC_DISABLED');
    // restarted: the switch was saved with the state
    const second = restart();
    assert.deepEqual([second.loop.traffic().trafficEnabled, second.loop.traffic().message], [false, 'disk full']);
    clock.t += 1000;
    assert.deepEqual((await second.loop.tick()).desired.writers, []);
    await second.loop.setTraffic({ trafficEnabled: true, message: '', by: 'admin@10.0.0.9' });
    clock.t += 1000;
    const t3 = await second.loop.tick();
    assert.deepEqual(t3.desired.writers, t1.desired.writers, 'the same writer, at once');
    assert.equal(t3.desired.trafficOff, undefined);
    fs.rmSync(dir, { recursive: true });
  });

  it('a state file of the right shape and wrong content does not stop routing: set aside, a writer is routed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-state-'));
    const file = path.join(dir, 'state.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, writer: { epoch: 7 }, nodes: {} }));
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const warnings: string[] = [];
    const { loop, router } = setup(async () => healthyCluster(config, 1_000_000), { state: new StateFile(file, (m) => warnings.push(m)) });
    const t = await loop.tick();
    assert.equal(t.desired.writers.length, 1);
    assert.deepEqual(router.seen[0]?.writers, t.desired.writers);
    assert.match(warnings[0] ?? '', /writer\.nodes/);
    assert.equal(loop.health().routed, true);
    assert.ok(new StateFile(file).load(), 'a valid state replaced the invalid one');
    fs.rmSync(dir, { recursive: true });
  });

  it('cold start: adopts the writer a router routes to (by name or host:port) instead of electing by weight', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const byWeight = (await setup(async () => healthyCluster(config, 1_000_000)).loop.tick()).desired.writers[0]!;
    const other = config.nodes.find((n) => n.name !== byWeight)!;
    for (const answer of [other.name, `${other.host}:${other.port}`]) {
      const router = new FakeRouter('proxysql', async () => [answer]);
      const { loop } = setup(async () => healthyCluster(config, 1_000_000), { router });
      const t = await loop.tick();
      assert.deepEqual(t.desired.writers, [other.name], `adopted from "${answer}"`);
      assert.ok(!t.findings.some((f) => f.code === 'FAILOVER'));
    }
  });

  it('cold start: an adopted writer that is not eligible is replaced; unknown, failing or disagreeing routers adopt nothing', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const byWeight = (await setup(async () => healthyCluster(config, 1_000_000)).loop.tick()).desired.writers[0]!;
    const other = config.nodes.find((n) => n.name !== byWeight)!.name;
    const third = config.nodes.find((n) => n.name !== byWeight && n.name !== other)!.name;
    const sick = (): ClusterObservation => {
      const o = healthyCluster(config, 1_000_000);
      return { ...o, nodes: o.nodes.filter((x) => x.node !== other).concat([{ node: other, host: 'h', port: 1, at: 1_000_000, latencyMs: 1, error: { kind: 'unreachable', message: 'down' } }]) };
    };
    const notEligible = await setup(async () => sick(), { router: new FakeRouter('proxysql', async () => [other]) }).loop.tick();
    assert.deepEqual(notEligible.desired.writers, [byWeight]);
    const cases: FakeRouter[][] = [
      [new FakeRouter('a', async () => null)],
      [new FakeRouter('a', () => Promise.reject(new Error('admin down')))],
      [new FakeRouter('a', async () => [other]), new FakeRouter('b', async () => [third])],
      [new FakeRouter('a', async () => ['no-such-node'])],
    ];
    for (const routers of cases) {
      const recorder = new TickRecorder();
      const loop = new WardenLoop({ observe: async () => healthyCluster(config, 1_000_000), decideConfig: config, routers, recorder, intervalMs: 20, log: quiet(), now: () => 1_000_000 });
      assert.deepEqual((await loop.tick()).desired.writers, [byWeight], routers.map((r) => r.name).join('+'));
    }
    // a router that routes to nothing (the built-in proxy at process start) does not veto another's answer
    const mixed = new WardenLoop({
      observe: async () => healthyCluster(config, 1_000_000), decideConfig: config, routers: [new FakeRouter('builtin', async () => []), new FakeRouter('proxysql', async () => [other])],
      recorder: new TickRecorder(), intervalMs: 20, log: quiet(), now: () => 1_000_000,
    });
    assert.deepEqual((await mixed.tick()).desired.writers, [other]);
  });

  it('cold start: a router that never answers delays the first decision by at most adoptTimeoutMs', async () => {
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const hang = new FakeRouter('stuck', () => new Promise<never>(() => undefined));
    const loop = new WardenLoop({ observe: async () => healthyCluster(config, 1_000_000), decideConfig: config, routers: [hang], recorder: new TickRecorder(), intervalMs: 20, log: quiet(), now: () => 1_000_000, adoptTimeoutMs: 50 });
    const t = await loop.tick();
    assert.equal(t.desired.writers.length, 1);
  });

  it('a saved state is not overridden by the routers: no read on a warm start', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-state-'));
    const file = path.join(dir, 'state.json');
    const config = testConfig({ retryUp: 1, minHoldMs: 0 });
    const t1 = await setup(async () => healthyCluster(config, 1_000_000), { state: new StateFile(file) }).loop.tick();
    let asked = 0;
    const other = config.nodes.find((n) => n.name !== t1.desired.writers[0])!.name;
    const router = new FakeRouter('proxysql', async () => {
      asked++;
      return [other];
    });
    const t2 = await setup(async () => healthyCluster(config, 1_001_000), { state: new StateFile(file), router, clock: { t: 1_001_000 } }).loop.tick();
    assert.deepEqual(t2.desired.writers, t1.desired.writers);
    assert.equal(asked, 0);
    fs.rmSync(dir, { recursive: true });
  });
});
