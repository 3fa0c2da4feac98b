import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataPathSignal } from '../model/tick.js';
import { DataPathTrigger } from './data-path-trigger.js';
import { ManualTimers } from './testing/manual-timers.js';

const sig = (node: string, kind: DataPathSignal['kind'] = 'reset', at = 0): DataPathSignal => ({ router: 'builtin', node, kind, at });

/** A trigger whose ticks take `tickMs` of the manual clock; records each tick's start, node and signals. */
function harness(floorMs: number, tickMs: number) {
  const timers = new ManualTimers();
  const runs: { at: number; node: string; signals: DataPathSignal[]; coalesced: () => number }[] = [];
  const trigger = new DataPathTrigger({
    floorMs,
    timers,
    run: (node, signals, coalesced) => {
      runs.push({ at: timers.t, node, signals, coalesced });
      return new Promise<void>((resolve) => timers.set(resolve, tickMs));
    },
  });
  return { timers, runs, trigger };
}

describe('data-path trigger', () => {
  it('a storm of resets on one node becomes one triggered tick', async () => {
    const { timers, runs, trigger } = harness(250, 30);
    for (let i = 0; i < 500; i++) trigger.signal(sig('node1', i % 3 === 0 ? 'closed' : 'reset'));
    await timers.advance(5000);
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.node, 'node1');
    assert.equal(runs[0]!.signals.length, 1, 'the first signal starts it');
    assert.equal(runs[0]!.coalesced(), 499, 'the rest are absorbed by the tick in flight');
    assert.deepEqual(trigger.counters, { signals: 500, ticks: 1, coalesced: 499 });
  });

  it('the floor holds: signals all along make one tick per floor, never two closer than floorMs', async () => {
    const { timers, runs, trigger } = harness(250, 20);
    // a refused connect every 7 ms for 2 s (clients retrying against a dead backend still in the pool)
    for (let t = 0; t < 2000; t += 7) {
      trigger.signal(sig('node1', 'refused', t));
      await timers.advance(7);
    }
    await timers.advance(1000);
    const starts = runs.map((r) => r.at);
    for (let i = 1; i < starts.length; i++) assert.ok(starts[i]! - starts[i - 1]! >= 250, `ticks at ${starts[i - 1]} and ${starts[i]}`);
    assert.ok(runs.length >= 2 && runs.length <= Math.ceil(2000 / 250) + 1, `${runs.length} ticks`);
  });

  it('a signal after the tick ended but within the floor waits for the floor, then runs one tick with what came', async () => {
    const { timers, runs, trigger } = harness(250, 20);
    trigger.signal(sig('node1'));
    await timers.advance(50);
    trigger.signal(sig('node1', 'refused'));
    trigger.signal(sig('node1', 'no-greeting'));
    await timers.advance(150);
    assert.equal(runs.length, 1, 'not before the floor');
    await timers.advance(100);
    assert.equal(runs.length, 2);
    assert.equal(runs[1]!.at, 250);
    assert.deepEqual(runs[1]!.signals.map((s) => s.kind), ['refused', 'no-greeting']);
  });

  it('at most one triggered tick per node in flight: a second one never starts while the first runs', async () => {
    const { timers, runs, trigger } = harness(10, 1000);
    trigger.signal(sig('node1'));
    for (let i = 0; i < 20; i++) {
      await timers.advance(40);
      trigger.signal(sig('node1'));
    }
    assert.equal(runs.length, 1, 'the tick takes 1000 ms: every signal meanwhile is absorbed');
    await timers.advance(2000);
    assert.equal(runs.length, 1, 'absorbed signals start no tick afterwards');
  });

  it('nodes are independent: a storm on one does not hold back a signal of another', async () => {
    const { timers, runs, trigger } = harness(250, 20);
    for (let i = 0; i < 50; i++) trigger.signal(sig('node1'));
    trigger.signal(sig('node2', 'refused'));
    await timers.advance(10);
    assert.deepEqual(runs.map((r) => r.node), ['node1', 'node2']);
  });

  it('after stop, nothing runs: neither new signals nor one waiting for the floor', async () => {
    const { timers, runs, trigger } = harness(250, 20);
    trigger.signal(sig('node1'));
    await timers.advance(50);
    trigger.signal(sig('node1'));
    trigger.stop();
    trigger.signal(sig('node2'));
    await timers.advance(1000);
    assert.equal(runs.length, 1);
  });
});
