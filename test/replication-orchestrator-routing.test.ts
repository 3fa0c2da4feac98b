// The issue-13 scenario end to end through the built-in proxy: a real replication sandbox (base port 27530), the
// fake Orchestrator raft group (27575-27577) and `galera-warden run` with topology = "replication" and
// [orchestrator] (proxy/API 27570-27573). The primary is killed; the test promotes node2 and makes the fake report
// the recovery (node1 downtimed lost-in-recovery); node1 restarts writable and is never routed while downtimed;
// every Orchestrator member losing the leader fences every node after the grace period, and a leader back routes
// again; node1 re-pointed with its downtime ended comes back as a reader. The same warden also drives a real
// HAProxy 2.6 (writer/reader frontends 27578/27579, its runtime API on a socket in the sandbox folder): each step
// is checked through both routers (HAProxy's part is skipped, with a message, where no haproxy binary is found).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FakeOrchestrator } from '../src/observe/orchestrator/testing/fake-orchestrator.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { instanceKey, startOrchestratorFor, writeAndReadPort } from './support/replication-fixture.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { HaproxyProcess } from './support/haproxy-process.js';
import { haproxyMissing, startHaproxy } from './support/haproxy-process.js';
import type { WardenProcess } from './support/warden-process.js';
import { CLI, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 22;
const BASE_PORT = 27530;
const API_PORT = 27570;
const WRITER_PORT = API_PORT + 1;
const READER_PORT = API_PORT + 2;
const ORCH_PORT = 27575;
const HX_WRITER_PORT = 27578;
const HX_READER_PORT = 27579;
const noHaproxy = haproxyMissing();
const GRACE_MS = 3000;

interface Finding { code: string; node?: string; message: string }
interface Cluster { writers: string[]; readers: string[]; findings: Finding[] }

describe('replication topology with Orchestrator through the built-in proxy (real MariaDB replication, fake Orchestrator)', { timeout: 420_000 }, () => {
  let sb: Sandbox | undefined;
  let fake: FakeOrchestrator | undefined;
  let warden: WardenProcess | undefined;
  let hx: HaproxyProcess | undefined;
  const key = (i: number): string => instanceKey(sb!, i);
  const cluster = async (): Promise<Cluster> => (await (await fetch(`http://127.0.0.1:${API_PORT}/api/cluster`)).json()) as Cluster;
  const waitCluster = (what: string, ok: (c: Cluster) => boolean, timeoutMs = 60_000): Promise<Cluster> => {
    let last: Cluster | undefined;
    return waitFor(what, timeoutMs, async () => {
      last = await cluster();
      return ok(last) ? last : undefined;
    }, 200).catch((err: unknown) => {
      throw new Error(`${String(err)}; last: ${JSON.stringify(last)}`);
    });
  };
  /** the port of the server a fresh connection through the writer port reaches, after a write there */
  const writePort = (seq: number): Promise<number> => writeAndReadPort(sb!, WRITER_PORT, seq);
  /** the same through HAProxy's writer frontend, each attempt its own row (from 100000): a failed attempt is a write not acknowledged */
  let hxSeq = 100_000;
  const hxWritePort = (): Promise<number> => writeAndReadPort(sb!, HX_WRITER_PORT, hxSeq++);
  /** HAProxy routes writes to node i (waits for it: HAProxy applies what the warden decided a moment later) */
  const hxWritesTo = async (what: string, i: number): Promise<void> => {
    if (!hx) return;
    await waitFor(`${what} (through HAProxy)`, 20_000, async () => (await hxWritePort().catch(() => undefined)) === sb!.node(i).sqlPort || undefined, 250);
  };

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT, topology: 'replication', nodes: 3 });
    await sb.sql(1, 'CREATE TABLE app.t (seq INT PRIMARY KEY)');
    fake = await startOrchestratorFor(sb, ORCH_PORT);
    const config = writeConfig(sb.configPath, `
[routing]
retryUp = 1
retryDown = 1
minHoldMs = 1000

[probe]
connectTimeoutMs = 1000
timeoutMs = 2000

[run]
intervalMs = 300

[orchestrator]
urls = [${fake.urls.map((u) => `"${u}"`).join(', ')}]
clusterHint = "sandbox"
intervalMs = 300
timeoutMs = 1000
graceMs = ${GRACE_MS}

[proxy]
host = "127.0.0.1"
writerPort = ${WRITER_PORT}
readerPort = ${READER_PORT}
healthPort = ${API_PORT + 3}
waitForBackendMs = 2000
drainMs = 200

[api]
host = "127.0.0.1"
port = ${API_PORT}
${noHaproxy ? '' : `
[haproxy]
socket = "${path.join(sb.dir, 'hx.sock')}"
bind = "127.0.0.1"
writerPort = ${HX_WRITER_PORT}
readerPort = ${HX_READER_PORT}
checkInterMs = 1000
`}`, path.join(sb.dir, 'replication-orchestrator.toml'));
    if (noHaproxy) console.log(`# HAProxy part skipped: ${noHaproxy}`);
    else {
      const text = execFileSync(process.execPath, [CLI, 'haproxy', 'config', '--config', config], { encoding: 'utf8' });
      hx = await startHaproxy(() => text, { socket: path.join(sb.dir, 'hx.sock') });
    }
    warden = startWarden(config);
    await waitCluster('node1 writer, node2 and node3 readers', (c) => c.writers.join() === 'node1' && ['node2', 'node3'].every((n) => c.readers.includes(n)));
  });

  after(async () => {
    await warden?.stop();
    await hx?.stop();
    await fake?.close();
    await stopSandbox(sb);
  });

  it('writes go to Orchestrator\'s master', async () => {
    assert.equal(await writePort(1), sb!.node(1).sqlPort);
    await hxWritesTo('node1 takes writes', 1);
  });

  it('the primary killed and a replica promoted: writes follow Orchestrator\'s new master', async () => {
    sb!.kill(1);
    await sb!.promote(2);
    fake!.topology.recover(key(1), key(2));
    await waitCluster('node2 the only writer', (c) => c.writers.join() === 'node2');
    assert.equal(await waitFor('a write through the proxy', 20_000, async () => writePort(2)), sb!.node(2).sqlPort);
    await hxWritesTo('node2 takes writes', 2);
  });

  it('the old primary restarts writable, yet is never routed while downtimed', async () => {
    await sb!.start(1);
    fake!.topology.get(sb!.node(1).host, sb!.node(1).sqlPort)!.valid = true;
    const [[ro, master]] = (await sb!.sql(1, "SELECT @@read_only, (SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Slave_IO')")) as [[string, string]];
    assert.deepEqual([ro, master], ['0', '0'], 'node1 is writable and replicates from no one');
    const until = Date.now() + 5000;
    let seq = 10;
    while (Date.now() < until) {
      const c = await cluster();
      assert.ok(!c.writers.includes('node1') && !c.readers.includes('node1'), JSON.stringify(c));
      assert.equal(await writePort(seq++), sb!.node(2).sqlPort);
      if (hx) assert.equal(await hxWritePort(), sb!.node(2).sqlPort, 'through HAProxy too');
      await new Promise((r) => setTimeout(r, 300));
    }
    const c = await cluster();
    assert.ok(c.findings.some((f) => f.node === 'node1' && f.code === 'DOWNTIMED' && f.message.includes('lost-in-recovery')), JSON.stringify(c.findings));
  });

  it('no Orchestrator leader: every node out after the grace period; a leader back routes node2 again', async () => {
    fake!.leader = null;
    const fenced = await waitCluster('every node fenced', (c) => c.writers.length === 0 && c.readers.length === 0, GRACE_MS + 30_000);
    assert.ok(fenced.findings.some((f) => f.code === 'ORCHESTRATOR_LEADER_LOST'), JSON.stringify(fenced.findings));
    await assert.rejects(writePort(100), 'a write through the proxy while every node is fenced');
    if (hx) {
      // HAProxy applies the fence through its runtime API: from then on, no write is acknowledged through it
      await waitFor('HAProxy refusing writes', 20_000, async () => hxWritePort().then(() => undefined, () => true), 250);
      await assert.rejects(hxWritePort(), 'a write through HAProxy while every node is fenced');
    }
    fake!.leader = 1;
    await waitCluster('node2 writer again', (c) => c.writers.join() === 'node2' && c.readers.includes('node3'));
    assert.equal(await waitFor('a write through the proxy', 20_000, async () => writePort(101)), sb!.node(2).sqlPort);
    await hxWritesTo('node2 takes writes again', 2);
  });

  it('node1 re-pointed to node2 and its downtime ended: back as a reader, never the writer', async () => {
    await sb!.replicate(1, 2);
    fake!.topology.get(sb!.node(1).host, sb!.node(1).sqlPort)!.master = key(2);
    fake!.topology.endDowntime(key(1));
    const c = await waitCluster('node1 a reader', (x) => x.readers.includes('node1'));
    assert.deepEqual(c.writers, ['node2']);
    if (hx) assert.equal(await hxWritePort(), sb!.node(2).sqlPort, 'HAProxy still writes to node2');
  });
});
