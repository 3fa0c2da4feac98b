// A fork made by hand on real MariaDB Galera nodes in network namespaces (slot 11): node3 is cut off from its peers
// (sandbox isolate), then made a Primary component of its own. The warden still reaches node3 through its unix
// socket (a relay on the host), so decide() sees both Primary components: the majority {node1, node2} keeps the
// writer, node3 is SPLIT_BRAIN and never routed, and a SPLIT_BRAIN finding is reported. Twice: with pc.bootstrap
// (the same view id, another membership) and after node3 restarted as a new cluster of one (its own, lower view id:
// view numbers cannot tell a fork from a past view). Healed by restarting node3 on the bridge; torn down at the end.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodePaths } from '../src/sandbox/layout.js';
import { startNode, stopNode, waitSynced } from '../src/sandbox/node-process.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 11;
const API_PORT = 30000 + 200 * SLOT + 103;
const RELAY_PORT = 30000 + 200 * SLOT + 110;
const AUTH = 'Basic ' + Buffer.from('admin:fork-test').toString('base64');

interface Finding { code: string; node?: string; scope: string; message: string }
interface Cluster { writers: string[]; readers: string[]; epoch: number; findings: Finding[]; primary: { confId: number; nodes: string[] } | null }

/** A TCP port on the host that leads to a unix socket: the socket file is reachable across network namespaces. */
function socketRelay(socketPath: string): net.Server {
  return net.createServer((client) => {
    const upstream = net.connect(socketPath);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
}

describe('a fork by hand (real 3-node Galera in network namespaces): the majority keeps the writer', () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let relay: net.Server | undefined;

  const api = async (p: string) => fetch(`http://127.0.0.1:${API_PORT}${p}`, { headers: { authorization: AUTH } });
  const cluster = async (): Promise<Cluster> => (await (await api('/api/cluster')).json()) as Cluster;
  const view = async (i: number): Promise<Record<string, string>> =>
    Object.fromEntries((await sb!.sql(i, "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_status','wsrep_cluster_conf_id','wsrep_cluster_size','wsrep_cluster_state_uuid')")).map((r) => [r[0] ?? '', r[1] ?? '']));

  /** Waits until the warden reports node3's own Primary component as a split brain and the majority as the writer side. */
  const assertMajorityKeepsWriter = async (what: string): Promise<void> => {
    const c = await waitFor(`SPLIT_BRAIN for node3 (${what})`, 30_000, async () => {
      const x = await cluster();
      return x.findings.some((f) => f.code === 'SPLIT_BRAIN' && f.scope === 'cluster') && x.findings.some((f) => f.code === 'SPLIT_BRAIN' && f.node === 'node3') ? x : undefined;
    }, 200);
    assert.deepEqual(c.writers, ['node1'], `${what}: the writer left the majority side`);
    assert.equal(c.readers.includes('node3'), false, `${what}: node3 serves reads`);
    assert.deepEqual(c.primary?.nodes, ['node1', 'node2']);
    assert.equal(c.findings.some((f) => f.code === 'STALE_VIEW'), false, `${what}: a side was judged stale`);
    console.log(`# ${what}: ${c.findings.find((f) => f.code === 'SPLIT_BRAIN' && f.scope === 'cluster')?.message}`);
  };

  before(async () => {
    sb = await startSandbox(SLOT, { mode: 'netns' });
    relay = socketRelay(nodePaths(sb.node(3)).socket);
    await new Promise<void>((r) => relay!.listen(RELAY_PORT, '127.0.0.1', () => r()));
    const n3 = sb.node(3);
    const base = fs.readFileSync(sb.configPath, 'utf8');
    const via = base.replace(`host = "${n3.host}"\nport = ${n3.sqlPort}`, `host = "127.0.0.1"\nport = ${RELAY_PORT}`);
    assert.notEqual(via, base, 'node3 was not found in the sandbox config');
    const file = path.join(sb.dir, 'fork-base.toml');
    fs.writeFileSync(file, via);
    const config = writeConfig(file, `
[routing]
retryUp = 1
retryDown = 1
minHoldMs = 0

[probe]
connectTimeoutMs = 500
timeoutMs = 1000

[run]
intervalMs = 250

[proxy]
host = "127.0.0.1"
writerPort = ${API_PORT + 1}
readerPort = ${API_PORT + 2}
healthPort = ${API_PORT + 3}

[api]
host = "127.0.0.1"
port = ${API_PORT}
user = "admin"
password = "fork-test"
`, path.join(sb.dir, 'fork.toml'));
    warden = startWarden(config);
    try {
      await waitFor('the warden to elect node1 with all three in service', 90_000, async () => {
        const c = await cluster();
        return c.writers.join() === 'node1' && c.readers.includes('node3') ? true : undefined;
      }, 200);
    } catch (err) {
      // what the warden said (or why it exited), so that a failure here can be told from a slow start
      const w = warden;
      console.log(`# warden exit code ${String(w.child.exitCode)}; stderr: ${w.stderr.join('').slice(-2000)}; last log: ${JSON.stringify(w.logs.slice(-5))}`);
      throw err;
    }
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await new Promise<void>((r) => (relay ? relay.close(() => r()) : r()));
    await stopSandbox(sb);
  });

  it('node3 isolated and bootstrapped (pc.bootstrap: the same view id, another membership): SPLIT_BRAIN, node1 keeps the writer', async () => {
    await sb!.isolate(3);
    await waitFor('node3 to fall to non-Primary', 60_000, async () => ((await view(3)).wsrep_cluster_status === 'non-Primary' ? true : undefined), 250);
    await waitFor('node1 and node2 to re-form at size 2', 30_000, async () => ((await view(1)).wsrep_cluster_size === '2' ? true : undefined), 250);
    await sb!.bootstrap(3);
    const [v1, v3] = [await view(1), await view(3)];
    console.log(`# majority view ${v1.wsrep_cluster_conf_id} (size ${v1.wsrep_cluster_size}), node3 view ${v3.wsrep_cluster_conf_id} (size ${v3.wsrep_cluster_size}) ${v3.wsrep_cluster_status}`);
    assert.equal(v3.wsrep_cluster_status, 'Primary');
    assert.equal(v3.wsrep_cluster_state_uuid, v1.wsrep_cluster_state_uuid, 'one history, two Primary components');
    await assertMajorityKeepsWriter('pc.bootstrap');
  });

  it('node3 restarted as a new cluster of one (its own view ids): still a fork, not a past view; node1 keeps the writer', async () => {
    const n3 = sb!.node(3);
    await stopNode(n3, 0);
    await startNode(n3, { binDir: sb!.binDir, bootstrap: true });
    await waitSynced(n3, 120_000);
    const [v1, v3] = [await view(1), await view(3)];
    console.log(`# majority view ${v1.wsrep_cluster_conf_id} (size ${v1.wsrep_cluster_size}), node3 view ${v3.wsrep_cluster_conf_id} (size ${v3.wsrep_cluster_size}) ${v3.wsrep_cluster_status}`);
    assert.equal(v3.wsrep_cluster_status, 'Primary');
    assert.equal(v3.wsrep_cluster_state_uuid, v1.wsrep_cluster_state_uuid, 'one history, two Primary components');
    assert.notEqual(v3.wsrep_cluster_conf_id, v1.wsrep_cluster_conf_id);
    await assertMajorityKeepsWriter('new cluster of one');
  });

  it('healed (node3 restarted on the bridge): one Primary component of 3 again, no split brain, the writer on the former majority side', async () => {
    const n3 = sb!.node(3);
    await stopNode(n3, 0);
    // its own history of views (and its Primary view of one, kept for pc.recovery) cannot rejoin: a full state transfer
    for (const f of ['grastate.dat', 'gvwstate.dat']) fs.rmSync(path.join(nodePaths(n3).data, f), { force: true });
    await sb!.heal(3);
    await sb!.start(3);
    await waitFor('node3 back in the reader pool and no split brain', 60_000, async () => {
      const c = await cluster();
      return c.readers.includes('node3') && !c.findings.some((f) => f.code === 'SPLIT_BRAIN') ? c : undefined;
    }, 250);
    const c = await cluster();
    // the full state transfer may take node1 out as a donor: the writer may have moved, but only within the majority
    assert.equal(c.writers.length, 1);
    assert.ok(['node1', 'node2'].includes(c.writers[0]!), `writer ${c.writers.join()}`);
    assert.equal((await view(1)).wsrep_cluster_size, '3');
    assert.equal(await warden!.stop('SIGTERM'), 0);
  });
});
