import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConfigError } from '../model/errors.js';
import type { Harness } from './testing/daemon-harness.js';
import { startHarness, waitFor } from './testing/daemon-harness.js';

describe('daemon', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness(1);
  });
  after(async () => {
    await h.close();
  });

  for (const reuse of [false, true]) {
    it(`honours [probe].reuseConnection = ${reuse}`, async () => {
      const fake = h.fakes[0]!;
      const before = fake.connections;
      const d = await h.daemon(`[run]\nintervalMs = 20\nstateFile = "state-${reuse}.json"\n[proxy]\nenabled = false\n[probe]\nreuseConnection = ${reuse}\n`);
      await d.start();
      await waitFor(() => d.source.counters().ticks >= 6, '6 ticks');
      await d.shutdown();
      const ticks = d.source.counters().ticks;
      const opened = fake.connections - before;
      if (reuse) assert.equal(opened, 1, `one kept connection for ${ticks} ticks`);
      else assert.ok(opened >= ticks, `a fresh connection per probe: ${opened} connections for ${ticks} ticks`);
    });
  }

  it('[probe] reuseConnection with the data-path trigger: a kept session the node ends runs a tick at once (router "probe")', async () => {
    const own = await startHarness(2);
    try {
      // a minute between scheduled ticks: only the signal can run the next tick within this test
      const d = await own.daemon(`[run]\nintervalMs = 60000\nstateFile = "state-probe-signal.json"\n[proxy]\nenabled = false\n[probe]\nreuseConnection = true\n`);
      await d.start();
      await waitFor(() => d.source.counters().ticks >= 1, 'the first tick');
      await own.fakes[1]!.close();
      await waitFor(() => d.source.latest()?.trigger?.by === 'data-path', 'a triggered tick');
      const t = d.source.latest()!;
      assert.ok(t.trigger?.by === 'data-path' && t.trigger.node === 'node2' && t.trigger.signals[0]?.router === 'probe', JSON.stringify(t.trigger));
      assert.equal(t.observation.nodes.find((n) => n.node === 'node2')?.error?.kind, 'refused', 'the probe judged the node');
      await d.shutdown();
    } finally {
      await own.close();
    }
  });

  // ports the kernel hands out (ephemeral range, never a sandbox's or another test's fixed port)
  const freePort = (): Promise<number> => new Promise((resolve, reject) => {
    const srv = net.createServer().once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
  const PROXY = async () => {
    const [w, r, hp] = [await freePort(), await freePort(), await freePort()];
    return `[proxy]\nhost = "127.0.0.1"\nwriterPort = ${w}\nreaderPort = ${r}\nhealthPort = ${hp}\nwaitForBackendMs = 2000\n`;
  };

  it('a state file of the right shape and wrong content: set aside, the proxy routes a writer, /ready says 200', async () => {
    const file = path.join(h.dir, 'bad-state.json');
    fs.writeFileSync(file, JSON.stringify({ version: 1, writer: { epoch: 7 }, nodes: {} }));
    const d = await h.daemon(`[run]\nintervalMs = 50\nstateFile = "bad-state.json"\n${await PROXY()}`);
    const ep = await d.start();
    await waitFor(() => (d.source.latest()?.desired.writers.length ?? 0) > 0, 'a writer');
    assert.deepEqual(d.source.latest()?.desired.writers, ['node1']);
    const ready = await fetch(`http://${ep.health}/ready`);
    assert.equal(ready.status, 200, JSON.stringify(await ready.json()));
    assert.deepEqual(d.source.readiness(), { ready: true, writers: ['node1'] }, 'the API reports the same readiness');
    assert.ok(h.logs.some((l) => l.includes('bad-state.json') && l.includes('writer.nodes')), 'the log names the file and the field');
    assert.ok(fs.readdirSync(h.dir).some((f) => f.startsWith('bad-state.json.invalid-')));
    await d.shutdown();
  });

  it('[coordination] store = "etcd" with no etcd answering: routes no writer, says why naming the endpoint, /ready 503', async () => {
    const dead = await freePort();
    const d = await h.daemon(`[run]\nintervalMs = 50\nstateFile = "state-etcd.json"\n[coordination]\nstore = "etcd"\nendpoints = ["http://127.0.0.1:${dead}"]\ntimeoutMs = 500\n${await PROXY()}`);
    const ep = await d.start();
    await waitFor(() => (d.source.latest()?.findings ?? []).some((f) => f.code === 'COORDINATION_UNAVAILABLE'), 'a coordination finding');
    const t = d.source.latest()!;
    assert.deepEqual(t.desired.writers, []);
    const f = t.findings.find((x) => x.code === 'COORDINATION_UNAVAILABLE')!;
    assert.equal(f.severity, 'critical');
    // refused at once, or (on a busy machine) not even that within the timeout
    assert.ok(f.message.includes(`127.0.0.1:${dead}`) && /COORD_(STORE_UNAVAILABLE|TIMEOUT)/.test(f.message), f.message);
    const ready = await fetch(`http://${ep.health}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(((await ready.json()) as { reason?: string }).reason, 'coordination unavailable');
    assert.ok(h.logs.some((l) => l.includes('"store":"etcd"')), 'the start log names the etcd store');
    await d.shutdown();
  });

  it('/ready says 503 "no writer" while no node is eligible, / stays 200', async () => {
    const fake = h.fakes[0]!;
    fake.state.status = { ...fake.state.status, wsrep_cluster_status: 'non-Primary' };
    try {
      const d = await h.daemon(`[run]\nintervalMs = 50\nstateFile = "nowriter.json"\n${await PROXY()}`);
      const ep = await d.start();
      await waitFor(() => d.source.counters().ticks >= 2, '2 ticks');
      const r = await fetch(`http://${ep.health}/health/ready`);
      assert.equal(r.status, 503);
      assert.equal(((await r.json()) as { reason: string }).reason, 'no writer');
      assert.equal((await fetch(`http://${ep.health}/`)).status, 200);
      await d.shutdown();
    } finally {
      fake.state.status = { ...fake.state.status, wsrep_cluster_status: 'Primary' };
    }
  });

  it('keeps a maintenance mark set through the report source across a restart', async () => {
    const toml = `[run]\nintervalMs = 50\nstateFile = "maint.json"\n[proxy]\nenabled = false\n`;
    const first = await h.daemon(toml);
    await first.start();
    await waitFor(() => first.source.counters().ticks >= 1, 'a tick');
    assert.equal(first.source.setMaintenance('node1', true).ok, true);
    await first.shutdown();
    const second = await h.daemon(toml);
    assert.deepEqual(second.source.maintenanceMarks(), ['node1']);
    await second.start();
    await waitFor(() => second.source.counters().ticks >= 1, 'a tick');
    assert.deepEqual(second.source.latest()?.desired.writers, []);
    await second.shutdown();
  });

  it('refuses a state file in /tmp or another world-writable folder, naming run.stateFile', async () => {
    const open = path.join(h.dir, 'open');
    fs.mkdirSync(open);
    fs.chmodSync(open, 0o777);
    for (const where of ['/tmp/gw-state.json', path.join(open, 'state.json')]) {
      await assert.rejects(h.daemon(`[run]\nstateFile = "${where}"\n[proxy]\nenabled = false\n`), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^run\.stateFile: the state folder .* is world-writable/);
        return true;
      });
    }
  });
});
