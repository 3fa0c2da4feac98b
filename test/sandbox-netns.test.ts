// The sandbox's network-namespace mode against real MariaDB Galera nodes: each node in its own
// namespace behind a bridge. `isolate 3` cuts node3 off (its process keeps running): the other two
// stay a Primary component of 2, node3 falls to non-Primary and cannot be probed from the host;
// `heal 3` brings it back Synced in a component of 3. The CLI's `sandbox status` marks it isolated.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/load-config.js';
import { assessNode } from '../src/decide/node-health.js';
import type { NodeSpec } from '../src/model/node.js';
import { probeNode } from '../src/observe/node-prober.js';
import { probeCluster } from '../src/observe/probe-cluster.js';
import type { ProbeOptions } from '../src/observe/probe-options.js';
import { probeOptionsFromConfig } from '../src/observe/probe-options.js';
import type { NodeReport, Sandbox } from '../src/sandbox/sandbox.js';
import { runCli } from './support/cli-process.js';
import { settles, startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import { writeConfig } from './support/warden-process.js';

const SLOT = 5;
// generous for a loaded 2-core machine: a healthy node that answers late must not read as a fault
const CONNECT_TIMEOUT_MS = 2000;
const TIMEOUT_MS = 3000;

describe('sandbox in network-namespace mode: isolate and heal (real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  let options: ProbeOptions;
  let specs: NodeSpec[] = [];

  const row = async (i: number): Promise<NodeReport> => (await sb!.status())[i - 1]!;
  const cliStatus = async (): Promise<string> => {
    const r = await runCli(['sandbox', '--dir', sb!.dir, 'status']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const lineOf = (out: string, name: string) => out.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';

  before(async () => {
    sb = await startSandbox(SLOT, { mode: 'netns' });
    const file = writeConfig(sb.configPath, `[probe]\nconnectTimeoutMs = ${CONNECT_TIMEOUT_MS}\ntimeoutMs = ${TIMEOUT_MS}\n`, path.join(sb.dir, 'netns.toml'));
    const config = await loadConfig(file);
    options = { ...probeOptionsFromConfig(config), reuseConnection: false };
    specs = [...config.nodes];
  });

  after(async () => {
    await stopSandbox(sb);
  });

  it('puts each node on its own address, reachable from the host, in one Primary component of 3', async () => {
    assert.deepEqual(specs.map((s) => s.host), ['10.213.105.1', '10.213.105.2', '10.213.105.3']);
    // retried: one probe that a busy machine answers late is not what this test is about
    const tick = await waitFor('every node to answer its probe', 60_000, async () => {
      const t = await probeCluster(specs, options);
      return t.nodes.every((o) => o.status) ? t : undefined;
    }, 250);
    for (const obs of tick.nodes) {
      assert.ok(obs.status, obs.error?.message);
      assert.equal(obs.status.localStateComment, 'Synced');
      assert.equal(obs.status.clusterStatus, 'Primary');
      assert.equal(obs.status.clusterSize, 3);
    }
  });

  it('isolate 3: the other two stay Primary at size 2, node3 goes non-Primary and the host cannot probe it', async () => {
    await sb!.isolate(3);
    await waitFor('node1 and node2 to re-form at size 2', 90_000, async () => {
      const tick = await probeCluster(specs.slice(0, 2), options);
      return tick.nodes.every((o) => o.status?.clusterSize === 2 && o.status.clusterStatus === 'Primary' && o.status.localState === 4) ? true : undefined;
    }, 250);
    // The process keeps running and answers over its unix socket, from its own side of the cut.
    await waitFor('node3 to see itself non-Primary', 90_000, async () => {
      const r = await row(3);
      return r.process === 'running' && r.clusterStatus === 'non-Primary' ? true : undefined;
    }, 250);
    const t0 = performance.now();
    const obs = await settles('the probe of the isolated node3', 30_000, probeNode(specs[2]!, options));
    const took = performance.now() - t0;
    assert.equal(obs.status, undefined);
    assert.ok(obs.error?.kind === 'timeout' || obs.error?.kind === 'unreachable', `${obs.error?.kind}: ${obs.error?.message}`);
    assert.equal(assessNode(obs).available, false);
    console.log(`# probe of the isolated node3 from the host: ${obs.error.kind} after ${Math.round(took)} ms`);

    const out = await cliStatus();
    assert.match(lineOf(out, 'node3'), /running +isolated /);
    assert.doesNotMatch(lineOf(out, 'node1'), /isolated/);
    assert.match(lineOf(out, 'node1'), /Synced Primary size=2/);
  });

  it('heal 3: node3 rejoins Synced in a Primary component of 3, and is no longer marked isolated', async () => {
    await sb!.heal(3);
    await waitFor('node3 to rejoin: all three Synced, Primary, size 3', 120_000, async () => {
      const tick = await probeCluster(specs, options);
      return tick.nodes.every((o) => o.status?.localState === 4 && o.status.clusterStatus === 'Primary' && o.status.clusterSize === 3) ? true : undefined;
    }, 250);
    assert.equal((await row(3)).isolated, undefined);
    const out = await cliStatus();
    assert.doesNotMatch(out, /isolated/);
    assert.match(lineOf(out, 'node3'), /Synced Primary size=3/);
  });
});
