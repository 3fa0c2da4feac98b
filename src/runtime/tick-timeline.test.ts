// The tick's timeline in the debug log (docs/data-path.md, "Where the time goes"): what started the tick and
// when its signal came, each probe's start and duration, the eviction, each router's apply.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import type { RouterAdapter } from '../apply/router.js';
import { failed, healthyCluster, observation, testConfig } from '../decide/fixtures.js';
import type { DataPathSignal } from '../model/tick.js';
import { createLogger } from './logger.js';
import { TickRecorder } from './tick-recorder.js';
import { WardenLoop, tickTimeline } from './warden-loop.js';

const router: RouterAdapter = {
  name: 'fake',
  apply: async () => ({ router: 'fake', ok: true, changed: true, durationMs: 2.4, actions: ['moved'] }),
  close: async () => undefined,
  destroy: async () => undefined,
};

const config = testConfig({ retryUp: 1, minHoldMs: 0 });

function loopAt(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write: (c: Buffer, _e, d) => {
      for (const l of String(c).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      d();
    },
  });
  const loop = new WardenLoop({
    observe: async () => {
      const at = Date.now();
      const healthy = healthyCluster(config, at);
      return observation(at, [failed(config.nodes[0]!, at + 3), ...healthy.nodes.slice(1)]);
    },
    decideConfig: config, routers: [router], recorder: new TickRecorder(), intervalMs: 60_000,
    log: createLogger({ level, format: 'json', destination }),
  });
  return { loop, lines };
}

const signal: DataPathSignal = { router: 'builtin', node: 'node1', kind: 'refused', at: 1234, detail: 'connect ECONNREFUSED' };

describe('tick timeline', () => {
  it('at debug, a triggered tick logs its signal, each probe relative to the tick, and each apply', async () => {
    const { loop, lines } = loopAt('debug');
    loop.start();
    const record = await loop.triggered('node1', [signal]);
    await loop.stop();
    assert.ok(record);
    const line = lines.find((l) => l.seq === record.seq && Array.isArray(l.probes));
    assert.ok(line, 'one timeline line for the tick');
    assert.equal(line.by, 'data-path');
    assert.equal(line.signalNode, 'node1');
    assert.equal(line.signalAt, 1234);
    assert.equal(line.signalKind, 'refused');
    const probes = line.probes as { node: string; startMs: number; error?: string }[];
    assert.deepEqual(probes.map((p) => p.node), config.nodes.map((n) => n.name));
    // relative to the tick's start, which the fake observe's own clock read may trail by a millisecond or more
    assert.equal(probes[0]!.startMs - probes[1]!.startMs, 3);
    assert.ok(probes[0]!.startMs >= 3);
    assert.equal(probes[0]!.error, 'refused');
    assert.equal(probes[1]!.error, undefined);
    assert.deepEqual(line.applied, [{ router: 'fake', changed: true, ms: 2 }]);
    assert.deepEqual(line.writers, record.desired.writers);
  });

  it('at info, no timeline line', async () => {
    const { loop, lines } = loopAt('info');
    loop.start();
    assert.ok(await loop.triggered('node1', [signal]));
    await loop.stop();
    assert.equal(lines.filter((l) => Array.isArray(l.probes)).length, 0);
  });

  it('a scheduled tick without a recorded trigger counts as the schedule', () => {
    const at = 1000;
    const t = tickTimeline({ seq: 1, at, durationMs: 7.6, observation: healthyCluster(config, at), desired: { writers: ['node1'], readers: [], epoch: 1 } as never, findings: [], changes: [], applied: [] });
    assert.equal(t.by, 'schedule');
    assert.equal(t.ms, 8);
    assert.equal('signalAt' in t, false);
  });
});
