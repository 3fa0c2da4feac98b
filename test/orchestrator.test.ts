// A real replication sandbox (MariaDB GTID replication, base port 27400) described by the fake Orchestrator raft
// group, read by the Orchestrator source over HTTP and turned into verdicts: after a recovery the old primary comes
// back writable and valid but stays downtimed (lost-in-recovery) until the downtime ends; a lost leader fences every
// node after the grace period. The replication-aware probe reads the real state throughout.
// Routing through the built-in proxy with topology = "replication": test/replication-orchestrator-routing.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assessOrchestrator } from '../src/decide/orchestrator-verdict.js';
import type { DecideNode } from '../src/model/decide-config.js';
import type { ReplicationStatus } from '../src/model/replication.js';
import { OrchestratorClient } from '../src/observe/orchestrator/orchestrator-client.js';
import { OrchestratorSource } from '../src/observe/orchestrator/orchestrator-source.js';
import { FakeOrchestrator } from '../src/observe/orchestrator/testing/fake-orchestrator.js';
import { probeReplication } from '../src/observe/read-replication-status.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';

const GRACE = { graceMs: 3000 };

describe('orchestrator on a real replication sandbox', { timeout: 420_000 }, () => {
  let sb: Sandbox | undefined;
  let fake: FakeOrchestrator | undefined;
  let source: OrchestratorSource | undefined;
  let nodes: DecideNode[] = [];
  const key = (i: number): string => `${nodes[i - 1]!.host}:${nodes[i - 1]!.port}`;
  const probe = (i: number): Promise<ReplicationStatus> =>
    probeReplication({ host: nodes[i - 1]!.host, port: nodes[i - 1]!.port }, { user: 'warden', password: sb!.password('warden'), connectTimeoutMs: 2000, timeoutMs: 5000 });
  const verdict = async (now = Date.now()) => assessOrchestrator(await source!.pollOnce(), nodes, GRACE, now);

  before(async () => {
    sb = await startSandbox(15, { basePort: 27400, topology: 'replication', nodes: 3 });
    nodes = sb.layout.nodes.map((n, i) => ({ name: n.name, host: n.host, port: n.sqlPort, weight: 1000 - i }));
    fake = await FakeOrchestrator.start({ members: 3, forwardTimeoutMs: 100 });
    source = new OrchestratorSource({ client: new OrchestratorClient({ urls: fake.urls, clusterHint: 'sandbox', watch: nodes, timeoutMs: 2000 }), intervalMs: 500 });
  });
  after(async () => {
    await source?.close();
    await fake?.close();
    await stopSandbox(sb);
  });

  it('starts as one writable primary and two read-only replicas of it; the fake describes what the probe reads', async () => {
    const states = await Promise.all([1, 2, 3].map(probe));
    assert.deepEqual(states.map((s) => [s.readOnly, s.master && `${s.master.host}:${s.master.port}`]), [[false, null], [true, key(1)], [true, key(1)]]);
    for (const s of states.slice(1)) assert.deepEqual([s.ioRunning, s.sqlRunning], ['Yes', 'Yes']);
    states.forEach((s, i) => fake!.topology.add({ host: nodes[i]!.host, port: nodes[i]!.port, master: s.master && `${s.master.host}:${s.master.port}`, readOnly: s.readOnly, lagSeconds: s.secondsBehindMaster }));
    fake!.topology.setAlias('sandbox', key(1));
    const v = await verdict();
    assert.deepEqual([v.verdict, v.leaderLost], [{}, null]);
    assert.deepEqual(source!.latest().master, { host: nodes[0]!.host, port: nodes[0]!.port });
  });

  it('after a recovery the old primary restarts writable, yet stays downtimed lost-in-recovery', async () => {
    sb!.kill(1);
    await sb!.promote(2);
    fake!.topology.recover(key(1), key(2));
    await waitFor('node3 replicating from node2', 60_000, async () => {
      const s = await probe(3);
      return s.master?.port === nodes[1]!.port && s.ioRunning === 'Yes' ? s : undefined;
    });
    await sb!.start(1);
    const old = await probe(1);
    assert.deepEqual([old.readOnly, old.master], [false, null], 'the old primary is writable again');
    fake!.topology.get(nodes[0]!.host, nodes[0]!.port)!.valid = true; // Orchestrator sees it valid again within seconds
    const v = await verdict();
    assert.deepEqual(v.verdict.downtimed, ['node1']);
    assert.equal(v.downtimes[0]?.reason, 'lost-in-recovery');
    assert.deepEqual(source!.latest().master, { host: nodes[1]!.host, port: nodes[1]!.port });
    assert.deepEqual([(await probe(2)).readOnly, (await probe(2)).master], [false, null]);
  });

  it('no leader: every node fenced after the grace period; back when a leader answers', async () => {
    fake!.leader = null;
    const lost = await source!.pollOnce();
    assert.equal(lost.leader, null);
    assert.equal(assessOrchestrator(lost, nodes, GRACE, lost.at).verdict.fenceAll, undefined, 'within the grace period');
    assert.match(assessOrchestrator(lost, nodes, GRACE, (lost.leaderSeenAt ?? 0) + GRACE.graceMs + 1).verdict.fenceAll ?? '', /raft leader/);
    fake!.leader = 2;
    const v = await verdict();
    assert.deepEqual([v.verdict.fenceAll, v.verdict.downtimed], [undefined, ['node1']], 'the downtime outlives the leader change');
  });

  it('repaired and its downtime ended, the old primary is a read-only replica of the new one and free again', async () => {
    await sb!.replicate(1, 2);
    fake!.topology.get(nodes[0]!.host, nodes[0]!.port)!.master = key(2);
    fake!.topology.endDowntime(key(1));
    await sb!.sql(2, 'CREATE TABLE IF NOT EXISTS app.t (id INT PRIMARY KEY); INSERT INTO app.t VALUES (1)');
    await waitFor('node1 has the new primary\'s write', 60_000, async () => ((await sb!.sql(1, 'SELECT COUNT(*) FROM app.t').catch(() => [['0']]))[0]?.[0] === '1' ? true : undefined));
    const s = await probe(1);
    assert.deepEqual([s.readOnly, s.master?.port], [true, nodes[1]!.port]);
    const v = await verdict();
    assert.deepEqual([v.verdict.downtimed, v.verdict.fenceAll], [undefined, undefined]);
  });
});
