// Issue 13 through ProxySQL: a real replication sandbox (base port 27600), the fake Orchestrator raft group
// (27660-27662) and three routers side by side, each on its own ProxySQL admin: scheduler runs (processes, as
// ProxySQL's scheduler table starts them: proxy-oc-tool's drop-in) against the admin test double (27670) and a
// real ProxySQL 2.7.1 when the binary is there (admin 27672, MySQL 27673), and the daemon (`galera-warden run` with
// [proxysql], API 27680) against a second double (27671). The primary is killed; the test promotes node2 and
// makes the fake report the recovery (node1 downtimed lost-in-recovery); node1 restarts writable and is never
// routed while downtimed (OFFLINE_SOFT in the reader hostgroup, never ONLINE); a scheduler run with nothing
// changed issues no LOAD; no Orchestrator leader -> every node out after the grace period, and a leader back
// routes again; node1 re-pointed with its downtime ended comes back as a reader. With the real ProxySQL, writes
// through its MySQL port land on the writer the test expects.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { checkHistory, describeVerdict } from '../src/check/history-checker.js';
import type { ReadBack } from '../src/check/history.js';
import { WriteClient, createHistoryTable } from '../src/check/write-client.js';
import type { FakeOrchestrator } from '../src/observe/orchestrator/testing/fake-orchestrator.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { RunResult } from './support/proxysql-scheduler-process.js';
import { MAIN, runSchedulerProcess, runScript, statusOf } from './support/proxysql-scheduler-process.js';
import type { ProxySqlTarget } from './support/proxysql-targets.js';
import { seed, startTarget } from './support/proxysql-targets.js';
import { skipRealProxySql } from './support/proxysql-real.js';
import { instanceKey, startOrchestratorFor, writeAndReadPort } from './support/replication-fixture.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 26;
const BASE_PORT = 27600;
const ORCH_PORT = 27660;
const API_PORT = 27680;
const GRACE_MS = 4000;
const HG = { writer: 100, reader: 101 };
const HISTORY = 'app.history';
const RUN_ID = 'replproxysql';

interface Router {
  name: string;
  target: ProxySqlTarget;
  /** scheduler: one run (a process); daemon: nothing (it runs by itself) */
  step(): Promise<RunResult | undefined>;
  /** the scheduler's config file */
  config?: string;
}

describe('replication topology with Orchestrator through ProxySQL (scheduler runs and the daemon; real MariaDB replication, fake Orchestrator)', { timeout: 600_000 }, () => {
  let sb: Sandbox | undefined;
  let fake: FakeOrchestrator | undefined;
  let warden: WardenProcess | undefined;
  /** writes through the real ProxySQL for the whole scenario (history checker) */
  let client: WriteClient | undefined;
  /** when every router had fenced every node, and when the leader came back */
  const fence = { from: 0, to: 0 };
  const routers: Router[] = [];
  const key = (i: number): string => instanceKey(sb!, i);
  const schedulers = () => routers.filter((r) => r.config !== undefined);
  const real = () => routers.find((r) => r.target.real)?.target;
  /** every router once: a scheduler run each (the daemon goes on by itself) */
  const stepAll = async (): Promise<(RunResult | undefined)[]> => {
    const out: (RunResult | undefined)[] = [];
    for (const r of routers) out.push(await r.step());
    return out;
  };
  /** the configured (memory) status of node i in a hostgroup, or 'none' */
  const statusIn = async (t: ProxySqlTarget, hg: number, i: number): Promise<string> =>
    String((await t.sql(`SELECT status FROM mysql_servers WHERE hostgroup_id = ${hg} AND hostname = '${sb!.node(i).host}' AND port = ${sb!.node(i).sqlPort}`))[0]?.status ?? 'none');
  /** steps every router until `ok` holds on every target */
  const waitAll = async (what: string, ok: (writers: string[], readers: string[], t: ProxySqlTarget) => boolean, timeoutMs = 90_000): Promise<void> => {
    let last = '';
    await waitFor(what, timeoutMs, async () => {
      await stepAll();
      const views = await Promise.all(routers.map(async (r) => ({ r, w: await r.target.online(HG.writer), rd: await r.target.online(HG.reader) })));
      last = views.map((v) => `${v.r.name}: writers ${v.w.join(',')} readers ${v.rd.join(',')}`).join('; ');
      for (const v of views) if (!ok(v.w, v.rd, v.r.target)) return undefined;
      return true;
    }, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}; last: ${last}`);
    });
  };
  const writeThroughProxySql = (seq: number): Promise<number> => writeAndReadPort(sb!, real()!.mysqlPort!, seq);

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT, topology: 'replication', nodes: 3 });
    await sb.sql(1, 'CREATE TABLE app.t (seq INT PRIMARY KEY)');
    fake = await startOrchestratorFor(sb, ORCH_PORT);
    const hosts = [1, 2, 3].map((i) => ({ host: sb!.node(i).host, port: sb!.node(i).sqlPort }));
    const orchestratorToml = `[orchestrator]\nurls = [${fake.urls.map((u) => `"${u}"`).join(', ')}]\nclusterHint = "sandbox"\ntimeoutMs = 1000\ngraceMs = ${GRACE_MS}\n`;
    const kinds: { kind: 'double' | 'real'; port: number }[] = [{ kind: 'double', port: 27670 }, ...(skipRealProxySql ? [] : [{ kind: 'real' as const, port: 27672 }])];
    if (skipRealProxySql) console.log(`# real ProxySQL skipped: ${skipRealProxySql}`);
    for (const k of kinds) {
      const target = await startTarget(k.kind, { adminPort: k.port, doublePort: k.port, monitorUser: 'warden', monitorPassword: sb.password('warden') });
      await seed(target, HG, hosts);
      const dir = path.join(sb.dir, `scheduler-${k.kind}`);
      fs.mkdirSync(dir, { recursive: true });
      const config = path.join(dir, 'config.toml');
      fs.writeFileSync(config, `[global]\nlogLevel = "info"\nlockfilepath = "${dir}"\n[proxysql]\nhost = "127.0.0.1"\nport = ${target.port}\nuser = "admin"\npassword = "admin"\n`
        + `[pxccluster]\nhgW = ${HG.writer}\nhgR = ${HG.reader}\ncheckTimeOut = 2000\nwriterIsAlsoReader = false\n[cluster]\ntopology = "replication"\n${orchestratorToml}`);
      routers.push({ name: `scheduler/${k.kind}`, target, config, step: () => runSchedulerProcess(config, ['--deadline-ms=8000']) });
    }
    const r = real();
    if (r) await r.sql(`INSERT INTO mysql_users (username,password,default_hostgroup,transaction_persistent) VALUES ('app','${sb.password('app')}',${HG.writer},1)`, 'LOAD MYSQL USERS TO RUNTIME');
    const daemonTarget = await startTarget('double', { adminPort: 27671, doublePort: 27671, monitorUser: 'warden' });
    await seed(daemonTarget, HG, hosts);
    const daemonConfig = writeConfig(sb.configPath, `
[routing]
retryUp = 1
retryDown = 1
minHoldMs = 1000
writerIsAlsoReader = false

[probe]
connectTimeoutMs = 1000
timeoutMs = 2000

[run]
intervalMs = 300

${orchestratorToml}intervalMs = 300

[proxysql]
enabled = true
port = ${daemonTarget.port}
password = "admin"
hgW = ${HG.writer}
hgR = ${HG.reader}

[api]
host = "127.0.0.1"
port = ${API_PORT}
`, path.join(sb.dir, 'daemon-proxysql.toml'));
    warden = startWarden(daemonConfig);
    routers.push({ name: 'daemon/double', target: daemonTarget, step: async () => undefined });
    await waitAll('node1 the writer, node2 and node3 readers', (w, rd) => w.join() === key(1) && [key(2), key(3)].every((k) => rd.includes(k)));
    if (r) {
      const direct = await mysql.createConnection({ host: sb.node(1).host, port: sb.node(1).sqlPort, user: 'app', password: sb.password('app') });
      await createHistoryTable(direct, HISTORY);
      direct.destroy();
      client = new WriteClient({
        routers: [{ name: 'proxysql', host: '127.0.0.1', port: r.mysqlPort! }], clientsPerRouter: 2, user: 'app', password: sb.password('app'),
        table: HISTORY, everyMs: 50, connectTimeoutMs: 2000, writeTimeoutMs: 3000, nodeExpr: "CONCAT(@@hostname, ':', @@port)", runId: RUN_ID,
      });
      client.start();
    }
  });

  after(async () => {
    await client?.stop();
    await warden?.stop();
    for (const r of routers) await r.target.close();
    await fake?.close();
    await stopSandbox(sb);
  });

  it('a scheduler run with nothing changed issues no LOAD', async () => {
    for (const r of schedulers()) {
      const loads = await r.target.loads();
      const run = await r.step();
      assert.equal(statusOf(run!), 'unchanged', `${r.name}: ${run!.stdout}${run!.stderr}`);
      assert.equal(await r.target.loads(), loads, `${r.name}: no LOAD`);
    }
    if (real()) assert.equal(await writeThroughProxySql(1), sb!.node(1).sqlPort);
  });

  it('the primary killed and node2 promoted: the writer follows Orchestrator\'s new master', async () => {
    sb!.kill(1);
    await sb!.promote(2);
    fake!.topology.recover(key(1), key(2));
    await waitAll('node2 the only writer', (w) => w.join() === key(2));
    if (real()) assert.equal(await waitFor('a write through ProxySQL', 20_000, async () => writeThroughProxySql(2)), sb!.node(2).sqlPort);
  });

  it('the old primary restarts writable, yet is never routed while downtimed (OFFLINE_SOFT)', async () => {
    await sb!.start(1);
    fake!.topology.get(sb!.node(1).host, sb!.node(1).sqlPort)!.valid = true;
    const [[ro, io]] = (await sb!.sql(1, "SELECT @@read_only, (SELECT COUNT(*) FROM information_schema.processlist WHERE command = 'Slave_IO')")) as [[string, string]];
    assert.deepEqual([ro, io], ['0', '0'], 'node1 is writable and replicates from no one');
    const until = Date.now() + 8000;
    let seq = 10;
    let downtimedSaid = false;
    while (Date.now() < until) {
      const runs = await stepAll();
      downtimedSaid ||= runs.some((r) => r?.lines.some((l) => l.code === 'DOWNTIMED' && String(l.msg).includes('lost-in-recovery')) ?? false);
      for (const r of routers) {
        assert.ok(!(await r.target.online(HG.writer)).includes(key(1)), `${r.name}: node1 in the writer hostgroup`);
        assert.ok(!(await r.target.online(HG.reader)).includes(key(1)), `${r.name}: node1 in the reader hostgroup`);
      }
      if (real()) assert.equal(await writeThroughProxySql(seq++), sb!.node(2).sqlPort);
    }
    assert.ok(downtimedSaid, 'the runs say why node1 is out');
    for (const r of schedulers()) assert.equal(await statusIn(r.target, HG.reader, 1), 'OFFLINE_SOFT', `${r.name}: node1 OFFLINE_SOFT in the reader hostgroup`);
    const cluster = (await (await fetch(`http://127.0.0.1:${API_PORT}/api/cluster`)).json()) as { findings: { code: string; node?: string; message: string }[] };
    assert.ok(cluster.findings.some((f) => f.node === 'node1' && f.code === 'DOWNTIMED'), JSON.stringify(cluster.findings));
    for (const r of schedulers()) {
      const loads = await r.target.loads();
      const run = await r.step();
      assert.equal(statusOf(run!), 'unchanged', `${r.name}: ${run!.stdout}${run!.stderr}`);
      assert.equal(await r.target.loads(), loads, `${r.name}: no LOAD while nothing changes`);
    }
  });

  it('no Orchestrator leader: every node out after the grace period (writer group severed, reader group OFFLINE_SOFT); a leader back routes again', async () => {
    fake!.leader = null;
    await waitAll('every node out', (w, rd) => w.length === 0 && rd.length === 0, GRACE_MS + 60_000);
    fence.from = Date.now();
    for (const r of schedulers()) {
      const run = (await r.step())!;
      assert.equal(run.code, 1, `${r.name}: a fenced run exits 1`);
      assert.ok(run.lines.some((l) => l.code === 'EXTERNAL_FENCE'), `${r.name}: ${run.stdout}${run.stderr}`);
      for (const i of [2, 3]) assert.equal(await statusIn(r.target, HG.reader, i), 'OFFLINE_SOFT', `${r.name}: node${i}`);
      assert.equal(await statusIn(r.target, HG.writer, 2), 'OFFLINE_HARD', `${r.name}: the writer's sessions severed`);
    }
    if (real()) await assert.rejects(writeThroughProxySql(100), 'a write through ProxySQL while every node is out');
    fence.to = Date.now();
    fake!.leader = 1;
    await waitAll('node2 the writer again, node3 a reader', (w, rd) => w.join() === key(2) && rd.includes(key(3)));
    if (real()) assert.equal(await waitFor('a write through ProxySQL', 20_000, async () => writeThroughProxySql(101)), sb!.node(2).sqlPort);
  });

  it('node1 re-pointed to node2 and its downtime ended: back as a reader, never the writer', async () => {
    await sb!.replicate(1, 2);
    fake!.topology.get(sb!.node(1).host, sb!.node(1).sqlPort)!.master = key(2);
    fake!.topology.endDowntime(key(1));
    await waitAll('node1 a reader, node2 the writer', (w, rd) => rd.includes(key(1)) && w.join() === key(2));
  });

  it('through the real ProxySQL: no acknowledged write on two primaries (history checker)', { skip: skipRealProxySql }, async () => {
    const ops = await client!.stop();
    const readBack: ReadBack[] = [];
    for (const i of [1, 2, 3]) {
      const c = await mysql.createConnection({ host: sb!.node(i).host, port: sb!.node(i).sqlPort, user: 'app', password: sb!.password('app') });
      try {
        const [rows] = await c.query(`SELECT id, node FROM ${HISTORY} WHERE id LIKE ?`, [`${RUN_ID}-%`]);
        readBack.push({ from: `node${i}`, rows: (rows as { id: string; node: string }[]).map((x) => ({ id: String(x.id), node: String(x.node) })) });
      } finally {
        c.destroy();
      }
    }
    // one change of writer: node1 -> node2 (the fence in between routes no writer; node2 writes on after it)
    const verdict = checkHistory(ops, readBack, { maxWriterChanges: 1 });
    console.log(describeVerdict(verdict).split('\n').map((l) => `# ${l}`).join('\n'));
    assert.ok(verdict.totals.ok > 0);
    // the fence severs the writer's sessions (OFFLINE_HARD): OFFLINE_SOFT alone let sessions opened before it write
    // on (measured: 455 writes acknowledged in 12.5 s of "every node OFFLINE_SOFT")
    const fenced = ops.filter((o) => o.outcome === 'ok' && o.invokeAt >= fence.from && o.completeAt <= fence.to);
    console.log(`# while every node was fenced (${fence.to - fence.from} ms): ${fenced.length} writes acknowledged`);
    assert.equal(fenced.length, 0, 'no write is acknowledged while every node is fenced');
    assert.equal(verdict.counts.overlap, 0, describeVerdict(verdict));
    assert.equal(verdict.counts['writer-changes'], 0, describeVerdict(verdict));
    assert.equal(verdict.counts['node-mismatch'], 0, describeVerdict(verdict));
  });

  it('status, /api/nodes and /api/cluster show the replication state of the real nodes, not wsrep', async () => {
    const status = await runScript(MAIN, ['status', '--config', sb!.configPath]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /\(replication; node2 is the primary: the only node that is writable and replicates from no one\)/);
    assert.match(status.stdout, new RegExp(`\\nnode2 +${key(2).replace(/\./g, '\\.')} +writer +OFF +\\(none\\)`));
    assert.match(status.stdout, new RegExp(`\\nnode1 +${key(1).replace(/\./g, '\\.')} +reader +ON +${key(2).replace(/\./g, '\\.')} +Yes +Yes`));
    assert.doesNotMatch(status.stdout, /Synced|WSREP_OFF|NOT_PRIMARY/);
    const nodes = (await (await fetch(`http://127.0.0.1:${API_PORT}/api/nodes`)).json()) as { name: string; observation: { status: { replication: { master: string | null; readOnly: boolean } | null } | null } | null }[];
    const view = Object.fromEntries(nodes.map((n) => [n.name, n.observation?.status?.replication]));
    assert.deepEqual([view.node1?.master, view.node2?.master, view.node2?.readOnly], [key(2), null, false], JSON.stringify(view));
    const cluster = (await (await fetch(`http://127.0.0.1:${API_PORT}/api/cluster`)).json()) as { topology: string };
    assert.equal(cluster.topology, 'replication');
  });
});
