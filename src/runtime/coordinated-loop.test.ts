// The loop with a shared writer record (in-memory store): one rule per test.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RouterAdapter } from '../apply/router.js';
import { MemoryRecordCell, MemoryWriterStore } from '../coordinate/testing/memory-writer-store.js';
import { WriterCoordinator } from '../coordinate/writer-coordinator.js';
import { failed, healthyCluster, observation, seen, syncedStatus, testConfig } from '../decide/fixtures.js';
import type { DecideConfig } from '../model/decide-config.js';
import type { DesiredRouting } from '../model/decision.js';
import type { ClusterObservation } from '../model/observation.js';
import type { WriterRecord } from '../model/writer-record.js';
import { createLogger } from './logger.js';
import { readiness } from './readiness.js';
import { TickRecorder } from './tick-recorder.js';
import { WardenLoop } from './warden-loop.js';

const quiet = () => createLogger({ level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, d) => d() }) });
const INTERVAL = 1000;
const LEASE = 3000;

class RecordingRouter implements RouterAdapter {
  readonly name = 'fake';
  readonly seen: { desired: DesiredRouting; record: WriterRecord | null }[] = [];
  /** what the router says it routes to on a cold start; absent: it cannot tell */
  currentWriters?: () => Promise<string[] | null>;
  constructor(private readonly cell: MemoryRecordCell, current?: string[]) {
    if (current) this.currentWriters = async () => current;
  }
  async apply(desired: DesiredRouting) {
    // what the shared record said when this routing was applied
    this.seen.push({ desired, record: this.cell.record ? structuredClone(this.cell.record) : null });
    return { router: this.name, ok: true, changed: false, durationMs: 0, actions: [] };
  }
  async close() {}
  async destroy() {}
  get last() {
    return this.seen[this.seen.length - 1]!;
  }
}

const config: DecideConfig = testConfig({ retryUp: 1, retryDown: 0, minHoldMs: 0 });
const [n1, n2, n3] = config.nodes as [DecideConfig['nodes'][0], DecideConfig['nodes'][0], DecideConfig['nodes'][0]];
/** node1 gone (refused), node2 and node3 Synced in a Primary view of the two */
const withoutNode1 = (at: number): ClusterObservation => observation(at, [failed(n1, at), seen(n2, at, syncedStatus(n2, { confId: 4, members: [n2, n3] })), seen(n3, at, syncedStatus(n3, { confId: 4, members: [n2, n3] }))]);

function instance(cell: MemoryRecordCell, id: string, clock: { t: number }, observe: () => ClusterObservation = () => healthyCluster(config, clock.t), routerSays?: string[]) {
  const store = new MemoryWriterStore('c1', cell);
  const router = new RecordingRouter(cell, routerSays);
  const coordinator = new WriterCoordinator({ store, instanceId: id, leaseMs: LEASE, log: quiet() });
  const recorder = new TickRecorder();
  const loop = new WardenLoop({
    observe: async () => observe(), decideConfig: config, routers: [router], recorder, intervalMs: INTERVAL, log: quiet(), now: () => clock.t, coordinator,
  });
  const tick = async () => {
    const t = await loop.tick();
    clock.t += INTERVAL;
    return t;
  };
  return { store, router, loop, coordinator, tick, recorder };
}

const role = (d: DesiredRouting, node: string) => d.nodes.find((n) => n.node === node)!;

describe('loop with a shared writer record', () => {
  it('with no record yet: elects, writes the record (epoch 1), then routes', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    const t = await a.tick();
    assert.deepEqual(t.desired.writers, ['node1']);
    assert.equal(t.desired.epoch, 1);
    assert.deepEqual(a.router.last.record?.writers, ['node1'], 'the record named the writer before it was routed');
    assert.deepEqual([cell.record?.epoch, cell.record?.setBy], [1, 'a']);
  });

  it('a restarted instance routes to the record\'s writer from its first decision, not to a higher-ranked node nor to what its router says', async () => {
    const cell = new MemoryRecordCell();
    new MemoryWriterStore('c1', cell).writeAsOther({ writers: ['node2'] });
    new MemoryWriterStore('c1', cell).writeAsOther({});
    const clock = { t: 1_000_000 };
    const b = instance(cell, 'b', clock, () => healthyCluster(config, clock.t), ['node3']);
    const t = await b.tick();
    assert.deepEqual(t.desired.writers, ['node2']);
    assert.equal(t.desired.epoch, 2);
    assert.equal(cell.history.length, 2, 'nothing was written');
    assert.equal(b.store.calls.filter((c) => c.op === 'cas').length, 0);
  });

  it('a change of writer is recorded by compare-and-set before it is routed', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    let down = false;
    const a = instance(cell, 'a', clock, () => (down ? withoutNode1(clock.t) : healthyCluster(config, clock.t)));
    await a.tick();
    down = true;
    const t = await a.tick();
    assert.deepEqual(t.desired.writers, ['node2']);
    assert.equal(t.desired.epoch, 2);
    assert.deepEqual([a.router.last.record?.epoch, a.router.last.record?.writers], [2, ['node2']]);
    assert.deepEqual(a.store.calls.map((c) => c.op), ['read', 'cas', 'read', 'cas']);
  });

  it('a lost race re-reads and routes to the winner\'s writer when it is eligible', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    let down = false;
    const a = instance(cell, 'a', clock, () => (down ? withoutNode1(clock.t) : healthyCluster(config, clock.t)));
    await a.tick();
    down = true;
    // another instance moves the writer to node3 between this instance's read and its compare-and-set
    a.store.beforeCas = () => {
      a.store.beforeCas = undefined;
      a.store.writeAsOther({ writers: ['node3'], setBy: 'b' });
    };
    const t = await a.tick();
    assert.deepEqual(t.desired.writers, ['node3']);
    assert.equal(t.desired.epoch, 2);
    assert.deepEqual([cell.record?.epoch, cell.record?.setBy, cell.record?.writers], [2, 'b', ['node3']], 'the loser overwrote the winner');
    assert.equal(role(t.desired, 'node2').writer, 'backup');
  });

  it('two lost races in one tick route no writer for that tick (COORDINATION_CONFLICT), never the unrecorded choice', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    let down = false;
    const a = instance(cell, 'a', clock, () => (down ? withoutNode1(clock.t) : healthyCluster(config, clock.t)));
    await a.tick();
    down = true;
    // another instance (that still sees node1) keeps rewriting node1 just before each compare-and-set
    a.store.beforeCas = () => a.store.writeAsOther({ writers: ['node1'], setBy: 'b' });
    const t = await a.tick();
    assert.deepEqual(t.desired.writers, []);
    assert.ok(t.findings.some((f) => f.code === 'COORDINATION_CONFLICT'));
    assert.equal(a.store.calls.filter((c) => c.op === 'cas').length, 3, 'one to create the record, two tries in the conflicting tick');
    assert.deepEqual(cell.record?.writers, ['node1']);
    a.store.beforeCas = undefined;
    const next = await a.tick();
    assert.deepEqual(next.desired.writers, ['node2']);
    assert.deepEqual(cell.record?.writers, ['node2']);
  });

  it('adopts a newer epoch written by another instance on the next tick: routes its writer, severs the old one', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    await a.tick();
    a.store.writeAsOther({ writers: ['node3'], setBy: 'b' });
    const t = await a.tick();
    assert.deepEqual([t.desired.writers, t.desired.epoch], [['node3'], 2]);
    assert.equal(role(t.desired, 'node1').writerConnections, 'sever');
    assert.ok(t.changes.some((c) => c.node === 'node3' && c.pool === 'writer' && c.to === 'writer'));
    assert.equal(cell.history.length, 2, 'adopting wrote nothing');
  });

  it('fails closed: keeps the known writer while eligible within the lease, then routes no writer and says why; resumes when the store answers', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    await a.tick();
    a.store.fault = { kind: 'fail' };
    const kept = await a.tick();
    assert.deepEqual(kept.desired.writers, ['node1']);
    assert.equal(kept.findings.find((f) => f.code === 'COORDINATION_UNAVAILABLE')?.severity, 'warning');
    let t = kept;
    for (let i = 0; i < 5 && t.desired.writers.length > 0; i++) t = await a.tick();
    assert.deepEqual(t.desired.writers, []);
    const f = t.findings.find((x) => x.code === 'COORDINATION_UNAVAILABLE');
    assert.equal(f?.severity, 'critical');
    assert.match(f.message, /lease expired/);
    assert.equal(role(t.desired, 'node1').writerConnections, 'sever');
    const r = readiness({ health: a.loop.health(), draining: false, now: 0, staleAfterMs: Number.MAX_SAFE_INTEGER });
    assert.deepEqual([r.ready, !r.ready && r.reason], [false, 'coordination unavailable']);
    a.store.fault = null;
    const back = await a.tick();
    assert.deepEqual([back.desired.writers, back.desired.epoch], [['node1'], 1]);
    assert.equal(back.findings.some((x) => x.code === 'COORDINATION_UNAVAILABLE'), false);
    assert.equal(a.loop.health().coordination, null);
  });

  it('fails closed at once when the known writer is no longer eligible: no new writer without the store', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    let down = false;
    const a = instance(cell, 'a', clock, () => (down ? withoutNode1(clock.t) : healthyCluster(config, clock.t)));
    await a.tick();
    a.store.fault = { kind: 'fail', code: 'COORD_NOT_PRIMARY' };
    down = true;
    const t = await a.tick();
    assert.deepEqual(t.desired.writers, []);
    assert.match(t.findings.find((x) => x.code === 'COORDINATION_UNAVAILABLE')!.message, /COORD_NOT_PRIMARY.*not eligible/);
    assert.equal(role(t.desired, 'node2').writer, 'backup');
    assert.deepEqual(cell.record?.writers, ['node1']);
  });

  it('routes no writer before the store has answered once (a restart with the store down)', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    a.store.fault = { kind: 'fail' };
    const t = await a.tick();
    assert.deepEqual(t.desired.writers, []);
    assert.match(t.findings.find((x) => x.code === 'COORDINATION_UNAVAILABLE')!.message, /no record known/);
  });

  it('maintenance marks go through the record: set on one instance, they hold on the other', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    const b = instance(cell, 'b', { t: 1_000_000 });
    await a.tick();
    await b.tick();
    a.loop.setMaintenance('node1', true);
    const ta = await a.tick();
    assert.deepEqual(cell.record?.maintenance, ['node1']);
    assert.equal(role(ta.desired, 'node1').writer, 'offline_soft');
    const writer = ta.desired.writers[0];
    assert.notEqual(writer, 'node1');
    const tb = await b.tick();
    assert.deepEqual(b.loop.maintenanceMarks(), ['node1']);
    assert.equal(role(tb.desired, 'node1').writer, 'offline_soft');
    assert.deepEqual(tb.desired.writers, [writer]);
    b.loop.setMaintenance('node1', false);
    await b.tick();
    await a.tick();
    assert.deepEqual(a.loop.maintenanceMarks(), []);
    assert.deepEqual(cell.record?.maintenance, []);
  });

  it('a maintenance mark on a non-writer moves the epoch but counts as no fail-over', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    await a.tick();
    a.loop.setMaintenance('node3', true);
    const t = await a.tick();
    assert.deepEqual([t.desired.writers, t.desired.epoch, cell.record?.maintenance], [['node1'], 2, ['node3']]);
    assert.equal(a.recorder.counters().failovers, 0);
  });

  it('traffic switched off in the record by another instance: nothing routed, every connection severed', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    await a.tick();
    a.store.writeAsOther({ trafficEnabled: false, message: 'migration', setBy: 'ops' });
    const t = await a.tick();
    assert.deepEqual([t.desired.writers, t.desired.readers], [[], []]);
    assert.ok(t.desired.nodes.every((n) => n.writerConnections === 'sever' && n.readerConnections === 'sever'));
    assert.match(t.findings.find((f) => f.code === 'TRAFFIC_DISABLED')?.message ?? '', /traffic is disabled in the coordination record by ops.*: migration/);
  });

  it('PATCH on one instance turns traffic off on every instance; on again on the other routes the same writer at once', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    const a = instance(cell, 'a', clock);
    const b = instance(cell, 'b', clock);
    await a.tick();
    await b.tick();
    const epoch = cell.record!.epoch;
    const off = await a.loop.setTraffic({ trafficEnabled: false, message: 'restore from backup', by: 'admin@10.0.0.1' });
    assert.ok(off.ok && !off.traffic.trafficEnabled && off.traffic.scope === 'record', JSON.stringify(off));
    assert.deepEqual([cell.record?.trafficEnabled, cell.record?.message, cell.record?.trafficSetBy], [false, 'restore from backup', 'admin@10.0.0.1 via a']);
    const tb = await b.tick();
    assert.match(tb.desired.trafficOff ?? '', /by admin@10\.0\.0\.1 via a .*: restore from backup/);
    assert.deepEqual(tb.desired.writers, []);
    assert.equal(readiness({ health: b.loop.health(), draining: false, now: clock.t, staleAfterMs: 5000 }).ready, false);
    assert.deepEqual(b.loop.traffic().message, 'restore from backup');
    // the record keeps its writer: the epoch moved once, for the switch
    assert.deepEqual([cell.record?.writers, cell.record?.epoch], [['node1'], epoch + 1]);
    const on = await b.loop.setTraffic({ trafficEnabled: true, message: '', by: 'admin@10.0.0.2' });
    assert.ok(on.ok && on.traffic.trafficEnabled);
    const [ta, tb2] = [await a.tick(), await b.tick()];
    assert.deepEqual([ta.desired.writers, tb2.desired.writers], [['node1'], ['node1']], 'the same writer at once, no hold time');
    assert.equal(ta.desired.trafficOff, undefined);
    assert.equal(a.recorder.counters().failovers, 0, 'traffic off and on is no fail-over');
    assert.equal(cell.record?.trafficSetBy, 'admin@10.0.0.2 via b');
  });

  it('the traffic switch cannot be set while the store fails: COORDINATION_UNAVAILABLE with the store code, nothing changed', async () => {
    const cell = new MemoryRecordCell();
    const a = instance(cell, 'a', { t: 1_000_000 });
    await a.tick();
    a.store.fault = { kind: 'fail', code: 'COORD_NOT_PRIMARY' };
    const r = await a.loop.setTraffic({ trafficEnabled: false, message: 'x', by: 'admin@h' });
    assert.ok(!r.ok && r.code === 'COORDINATION_UNAVAILABLE' && r.message.includes('COORD_NOT_PRIMARY'), JSON.stringify(r));
    assert.equal(cell.record?.trafficEnabled, true);
  });
});
