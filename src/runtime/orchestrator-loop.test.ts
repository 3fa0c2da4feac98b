// The warden loop with the Orchestrator source over HTTP (the fake raft group): downtimes and a lost leader reach
// the routers through decide().
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import type { RouterAdapter } from '../apply/router.js';
import { healthyCluster, testConfig } from '../decide/fixtures.js';
import type { DesiredRouting } from '../model/decision.js';
import { OrchestratorClient } from '../observe/orchestrator/orchestrator-client.js';
import { OrchestratorSource } from '../observe/orchestrator/orchestrator-source.js';
import { FakeOrchestrator } from '../observe/orchestrator/testing/fake-orchestrator.js';
import { createLogger } from './logger.js';
import { TickRecorder } from './tick-recorder.js';
import { WardenLoop } from './warden-loop.js';

const quiet = () => createLogger({ level: 'silent', format: 'json', destination: new Writable({ write: (_c, _e, d) => d() }) });

class Router implements RouterAdapter {
  readonly name = 'fake';
  last: DesiredRouting | undefined;
  async apply(desired: DesiredRouting) {
    this.last = desired;
    return { router: this.name, ok: true, changed: false, durationMs: 0, actions: [] };
  }
  async close() {}
  async destroy() {}
}

void it('warden loop with [orchestrator]: a downtimed node is never routed; no leader past graceMs routes nothing; both lift', async () => {
  const config = testConfig({ retryUp: 1, minHoldMs: 0 });
  const clock = { t: Date.parse('2026-11-30T12:00:00Z') };
  const now = (): number => clock.t;
  const fake = await FakeOrchestrator.start({ members: 3, forwardTimeoutMs: 20, now });
  const [n1, n2, n3] = config.nodes.map((n) => `${n.host}:${n.port}`) as [string, string, string];
  const [h1] = n1.split(':') as [string];
  fake.topology.add({ host: h1, port: 3306 });
  for (const n of [n2, n3]) fake.topology.add({ host: n.split(':')[0]!, port: 3306, master: n1 });
  fake.topology.setAlias('shop', n1);
  const source = new OrchestratorSource({ client: new OrchestratorClient({ urls: fake.urls, clusterHint: 'shop', watch: config.nodes, timeoutMs: 1000 }), intervalMs: 1000, now });
  const router = new Router();
  const loop = new WardenLoop({
    observe: async () => healthyCluster(config, clock.t), decideConfig: config, routers: [router], recorder: new TickRecorder(), intervalMs: 1000, log: quiet(), now,
    orchestrator: { latest: () => source.latest(), config: { graceMs: 10_000 } },
  });
  const step = async (dt = 2000) => {
    clock.t += dt;
    await source.pollOnce();
    return loop.tick();
  };
  const routed = (d: DesiredRouting | undefined) => [...(d?.writers ?? []), ...(d?.readers ?? [])];
  try {
    let t = await step();
    assert.deepEqual(t.desired.writers, ['node1']);
    fake.topology.recover(n1, n2);
    t = await step();
    assert.ok(!routed(router.last).includes('node1'), JSON.stringify(router.last));
    assert.ok(t.findings.some((f) => f.code === 'DOWNTIMED' && f.node === 'node1' && f.message.includes('lost-in-recovery')));
    assert.equal(t.desired.writers.length, 1);
    fake.leader = null;
    t = await step();
    assert.ok(t.findings.some((f) => f.code === 'ORCHESTRATOR_LEADER_LOST'));
    assert.ok(routed(t.desired).length > 0, 'fenced within the grace period');
    t = await step(9000);
    assert.deepEqual(routed(router.last), []);
    assert.ok(t.findings.some((f) => f.code === 'EXTERNAL_FENCE'));
    fake.leader = 1;
    t = await step();
    assert.ok(t.desired.writers.length === 1 && !routed(t.desired).includes('node1'));
    fake.topology.endDowntime(n1);
    t = await step();
    t = await step();
    assert.ok(t.desired.readers.includes('node1'), JSON.stringify(t.desired));
    assert.ok(!t.desired.writers.includes('node1'), 'the old master does not take the writer role back');
  } finally {
    await source.close();
    await fake.close();
  }
});
