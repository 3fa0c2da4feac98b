// The loop with a shared writer record: a move of the writer is handed over (nobody routes a writer until every
// instance has dropped the old one), and two operators racing through two instances make one change, not two.
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
import { createLogger } from './logger.js';
import { TickRecorder } from './tick-recorder.js';
import { WardenLoop } from './warden-loop.js';

const quiet = () => createLogger({ level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, d) => d() }) });
const INTERVAL = 1000;
const config: DecideConfig = testConfig({ retryUp: 1, retryDown: 0, minHoldMs: 0 });
const [n1, n2, n3] = config.nodes as [DecideConfig['nodes'][0], DecideConfig['nodes'][0], DecideConfig['nodes'][0]];
const withoutNode1 = (at: number): ClusterObservation => observation(at, [failed(n1, at), seen(n2, at, syncedStatus(n2, { confId: 4, members: [n2, n3] })), seen(n3, at, syncedStatus(n3, { confId: 4, members: [n2, n3] }))]);

const router = (): RouterAdapter & { seen: DesiredRouting[] } => {
  const seenList: DesiredRouting[] = [];
  return {
    name: 'fake', seen: seenList,
    apply: async (d) => {
      seenList.push(d);
      return { router: 'fake', ok: true, changed: false, durationMs: 0, actions: [] };
    },
    close: async () => undefined, destroy: async () => undefined,
  };
};

/** a cannot reach node1, which is still in the Primary component the others report (size 3) */
const node1Unreachable = (at: number): ClusterObservation => observation(at, [failed(n1, at), seen(n2, at, syncedStatus(n2, { confId: 3, members: [n1, n2, n3] })), seen(n3, at, syncedStatus(n3, { confId: 3, members: [n1, n2, n3] }))]);

function instance(cell: MemoryRecordCell, id: string, clock: { t: number }, observe: () => ClusterObservation, handoverMs?: number, rejoinMs?: number) {
  const store = new MemoryWriterStore('c1', cell);
  const coordinator = new WriterCoordinator({ store, instanceId: id, leaseMs: 3000, log: quiet(), ...(handoverMs !== undefined && { handoverMs }), ...(rejoinMs !== undefined && { rejoinMs, rejoinSettleMs: 1500 }) });
  const loop = new WardenLoop({ observe: async () => observe(), decideConfig: config, routers: [router()], recorder: new TickRecorder(), intervalMs: INTERVAL, log: quiet(), now: () => clock.t, coordinator });
  return { store, loop, tick: () => loop.tick() };
}

const role = (d: DesiredRouting, node: string) => d.nodes.find((n) => n.node === node)!;

describe('coordinated handover and racing operators', () => {
  it('after the writer moves, no instance routes a writer for handoverMs; the one that still sees the old writer severs it', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    let aLosesNode1 = false;
    const a = instance(cell, 'a', clock, () => (aLosesNode1 ? node1Unreachable(clock.t) : healthyCluster(config, clock.t)), 2500);
    const b = instance(cell, 'b', clock, () => healthyCluster(config, clock.t), 2500);
    assert.deepEqual((await a.tick()).desired.writers, ['node1']);
    assert.deepEqual((await b.tick()).desired.writers, ['node1']);
    aLosesNode1 = true;
    clock.t += INTERVAL;
    const moved = await a.tick();
    assert.deepEqual(cell.record?.writers, ['node2'], 'the move is recorded');
    assert.deepEqual(moved.desired.writers, [], 'the mover routes nothing during the handover');
    assert.ok(moved.findings.some((f) => f.code === 'COORDINATION_HANDOVER'));
    const follows = await b.tick();
    assert.deepEqual(follows.desired.writers, [], 'the follower routes neither the old nor the new writer');
    assert.equal(role(follows.desired, 'node1').writerConnections, 'sever');
    clock.t += INTERVAL;
    assert.deepEqual([(await a.tick()).desired.writers, (await b.tick()).desired.writers], [[], []]);
    clock.t += 2 * INTERVAL;
    assert.deepEqual([(await a.tick()).desired.writers, (await b.tick()).desired.writers], [['node2'], ['node2']]);
    assert.equal(cell.record?.epoch, 2);
  });

  it('no handover when the old writer is outside the Primary component the survivors report: it cannot commit', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    let gone = false;
    const a = instance(cell, 'a', clock, () => (gone ? withoutNode1(clock.t) : healthyCluster(config, clock.t)), 2500);
    const b = instance(cell, 'b', clock, () => (gone ? withoutNode1(clock.t) : healthyCluster(config, clock.t)), 2500);
    await a.tick();
    await b.tick();
    gone = true;
    clock.t += INTERVAL;
    assert.deepEqual([(await a.tick()).desired.writers, (await b.tick()).desired.writers], [['node2'], ['node2']]);
    assert.equal(cell.record?.epoch, 2);
  });

  it('without a handover the new writer is routed at once', async () => {
    const cell = new MemoryRecordCell();
    const clock = { t: 1_000_000 };
    let down = false;
    const a = instance(cell, 'a', clock, () => (down ? withoutNode1(clock.t) : healthyCluster(config, clock.t)));
    await a.tick();
    down = true;
    clock.t += INTERVAL;
    assert.deepEqual((await a.tick()).desired.writers, ['node2']);
  });

  it('two switchovers to different nodes asked at once through two instances: one change wins, the other lapses', async () => {
    for (const race of [true, false]) {
      const cell = new MemoryRecordCell();
      const clock = { t: 1_000_000 };
      const a = instance(cell, 'a', clock, () => healthyCluster(config, clock.t));
      const b = instance(cell, 'b', clock, () => healthyCluster(config, clock.t));
      await a.tick();
      await b.tick();
      a.loop.requestSwitchover('node2');
      b.loop.requestSwitchover('node3');
      clock.t += INTERVAL;
      if (race) {
        // a's change commits between b's read and b's compare-and-set
        b.store.beforeCas = () => {
          b.store.beforeCas = undefined;
          a.store.writeAsOther({ writers: ['node2'], setBy: 'a' });
        };
        assert.deepEqual((await b.tick()).desired.writers, ['node2'], `race ${race}`);
      } else {
        assert.deepEqual((await a.tick()).desired.writers, ['node2']);
        assert.deepEqual((await b.tick()).desired.writers, ['node2'], `race ${race}`);
      }
      clock.t += INTERVAL;
      await a.tick();
      await b.tick();
      assert.deepEqual([cell.record?.epoch, cell.record?.writers], [2, ['node2']], `race ${race}: exactly one epoch increment`);
    }
  });

  describe('an instance cut off from the store and from the writer, then reconnected', () => {
    /** a sees every node; b is cut off from node1 (the writer) and from the store, then the store comes back first */
    async function cutOff(rejoinMs: number | undefined) {
      const cell = new MemoryRecordCell();
      const clock = { t: 1_000_000 };
      let bCut = false;
      const a = instance(cell, 'a', clock, () => healthyCluster(config, clock.t));
      const b = instance(cell, 'b', clock, () => (bCut ? withoutNode1(clock.t) : healthyCluster(config, clock.t)), undefined, rejoinMs);
      await a.tick();
      await b.tick();
      bCut = true;
      b.store.fault = { kind: 'fail' };
      for (let i = 0; i < 5; i++) {
        clock.t += INTERVAL;
        await a.tick();
        await b.tick();
      }
      assert.deepEqual(cell.record?.writers, ['node1'], 'nobody moved the writer while b was cut off');
      b.store.fault = null;
      clock.t += INTERVAL;
      return { cell, clock, a, b, uncut: () => (bCut = false) };
    }

    it('back in touch with the store before it sees the writer again, it moves the writer nowhere and routes none until it sees it', async () => {
      const { cell, clock, a, b, uncut } = await cutOff(2500);
      const first = await b.tick();
      assert.deepEqual([first.desired.writers, cell.record?.writers, cell.record?.epoch], [[], ['node1'], 1]);
      assert.ok(first.findings.some((f) => f.code === 'COORDINATION_REJOINING' && /node1/.test(f.message)));
      uncut();
      clock.t += INTERVAL;
      assert.deepEqual([(await b.tick()).desired.writers, (await a.tick()).desired.writers], [['node1'], ['node1']]);
      assert.equal(cell.record?.epoch, 1, 'the epoch never moved');
    });

    it('when it still does not see the writer after rejoinMs, it moves it as before', async () => {
      const { cell, clock, b } = await cutOff(2500);
      assert.deepEqual((await b.tick()).desired.writers, []);
      clock.t += INTERVAL;
      assert.deepEqual((await b.tick()).desired.writers, [], 'still rejoining');
      clock.t += 2 * INTERVAL;
      await b.tick();
      assert.deepEqual([cell.record?.writers, cell.record?.epoch], [['node2'], 2]);
    });

    it('with rejoinMs 0 its first tick back moves a writer the others see healthy (what the wait prevents)', async () => {
      const { cell, b } = await cutOff(0);
      await b.tick();
      assert.deepEqual(cell.record?.writers, ['node2']);
    });
  });
});
