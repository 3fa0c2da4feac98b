// Scheduler mode with [orchestrator] (proxy-oc-tool's drop-in), run in-process against the ProxySQL admin double,
// fake replication nodes and the fake Orchestrator: downtimed -> OFFLINE_SOFT; a second run changes nothing (no
// LOAD); no leader -> the grace period counts across runs (the memo file) and then every node is OFFLINE_SOFT;
// a poll that does not end is cut by the run's budget. Ports 27700-27709.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeProxySqlAdmin } from '../apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../apply/proxysql/testing/seed-example.js';
import type { PxcSchedulerSettings } from '../config/pxc-scheduler-config.js';
import { parsePxcSchedulerConfig } from '../config/pxc-scheduler-config.js';
import type { OrchestratorClient } from '../observe/orchestrator/orchestrator-client.js';
import { FakeOrchestrator } from '../observe/orchestrator/testing/fake-orchestrator.js';
import { FakeGaleraServer } from '../observe/testing/fake-galera-server.js';
import { parseOrchestratorMemo, pollWithin } from './scheduler-orchestrator.js';
import { orchestratorMemoPath, runScheduler } from './scheduler-run.js';

const PORT = 27700;
const withHold = (s: PxcSchedulerSettings): PxcSchedulerSettings => ({ ...s, decide: { ...s.decide, minHoldMs: 300 } });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GRACE_MS = 1500;

describe('scheduler run with [orchestrator] (admin double, fake replication nodes, fake Orchestrator)', () => {
  let nodes: FakeGaleraServer[] = [];
  let orc: FakeOrchestrator;
  let admin: FakeProxySqlAdmin;
  let dir: string;
  const key = (i: number) => `127.0.0.1:${nodes[i]!.port}`;
  /** "hg host:port STATUS" of the memory layer below 8000 (ProxySQL purges OFFLINE_HARD rows from runtime) */
  const rows = () => admin.table('mysql_servers').filter((r) => Number(r.hostgroup_id) < 8000)
    .map((r) => `${String(r.hostgroup_id)} ${String(r.hostname)}:${String(r.port)} ${String(r.status)}`).sort();
  /** a replica is parked in the writer group, OFFLINE_HARD while another node writes (ProxySQL keeps it in memory only) */
  const routed = (reader2 = 'ONLINE') => [`100 ${key(0)} ONLINE`, `100 ${key(1)} OFFLINE_HARD`, `100 ${key(2)} OFFLINE_HARD`, `101 ${key(1)} ONLINE`, `101 ${key(2)} ${reader2}`].sort();
  const loads = () => admin.queries.filter((q) => /^\s*LOAD\s+MYSQL\s+SERVERS\s+TO\s+RUNTIME/i.test(q)).length;
  // minHoldMs (8000 in scheduler mode) shortened: a node back from a downtime is held out that long first
  const settings = () => withHold(
    parsePxcSchedulerConfig(`[global]\nlockfilepath = "${dir}"\n[proxysql]\nhost = "127.0.0.1"\nport = ${admin.port}\nuser = "admin"\npassword = "admin"\n`
      + `[pxccluster]\nhgW = 100\nhgR = 101\nretryUp = 0\nretryDown = 0\nwriterIsAlsoReader = false\n[cluster]\ntopology = "replication"\n`
      + `[orchestrator]\nurls = [${orc.urls.map((u) => `"${u}"`).join(', ')}]\nclusterHint = "c1"\ntimeoutMs = 1000\ngraceMs = ${GRACE_MS}\n`, path.join(dir, 'config.toml')));
  const run = () => runScheduler({ settings: settings(), deadlineMs: 10_000, log: () => undefined });

  before(async () => {
    nodes = [await FakeGaleraServer.start({}, PORT), await FakeGaleraServer.start({}, PORT + 1), await FakeGaleraServer.start({}, PORT + 2)];
    for (const i of [1, 2]) {
      nodes[i]!.state.variables.read_only = 'ON';
      nodes[i]!.state.slaveStatus = { Master_Host: '127.0.0.1', Master_Port: String(nodes[0]!.port), Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: '0', Last_IO_Error: '', Last_SQL_Error: '' };
    }
  });
  after(async () => {
    for (const n of nodes) await n.close();
  });
  beforeEach(async () => {
    admin = await FakeProxySqlAdmin.start({ monitorUser: 'warden', port: PORT + 3 });
    seedExample({ exec: (...s: string[]) => admin.exec(...s) }, { writer: 100, reader: 101 }, nodes.map((n) => ({ host: n.host, port: n.port })));
    orc = await FakeOrchestrator.start({ members: 3, forwardTimeoutMs: 100, basePort: PORT + 5 });
    orc.topology.add({ host: '127.0.0.1', port: nodes[0]!.port, master: null, readOnly: false });
    for (const i of [1, 2]) orc.topology.add({ host: '127.0.0.1', port: nodes[i]!.port, master: key(0), readOnly: true, lagSeconds: 0 });
    orc.topology.setAlias('c1', key(0));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-orc-run-'));
  });
  afterEach(async () => {
    await orc.close();
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('routes the master and the replicas; a second run changes nothing and issues no LOAD', async () => {
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.deepEqual(rows(), routed());
    assert.equal(r.orchestrator?.leader, orc.urls[0]);
    const n = loads();
    const again = await run();
    assert.equal(again.status, 'unchanged', again.message);
    assert.equal(loads(), n, 'no LOAD when nothing changed');
  });

  it('a downtimed replica is OFFLINE_SOFT until its downtime ends; the runs in between change nothing', async () => {
    await run();
    orc.topology.beginDowntime(key(2), 'maintenance', 3600);
    const down = await run();
    assert.equal(down.exitCode, 0, down.message);
    assert.deepEqual(rows(), routed('OFFLINE_SOFT'));
    assert.ok(down.findings?.some((f) => f.code === 'DOWNTIMED' && f.node === key(2) && f.message.includes('maintenance')), JSON.stringify(down.findings));
    const n = loads();
    assert.equal((await run()).status, 'unchanged');
    assert.equal(loads(), n);
    orc.topology.endDowntime(key(2));
    // healthy again, then held out for minHoldMs
    assert.deepEqual(rows(), routed('OFFLINE_SOFT'));
    await run();
    await pause(400);
    const back = await run();
    assert.equal(back.status, 'applied', back.message);
    assert.deepEqual(rows(), routed());
  });

  it('no leader: the grace period counts across runs (memo file), then every node is out: writer group OFFLINE_HARD, reader group OFFLINE_SOFT (exit 1); a leader back routes again', async () => {
    await run();
    orc.topology.beginDowntime(key(2), 'maintenance', 3600);
    await run();
    orc.leader = null;
    const lost = await run();
    assert.equal(lost.exitCode, 0, lost.message);
    assert.ok(lost.findings?.some((f) => f.code === 'ORCHESTRATOR_LEADER_LOST'), JSON.stringify(lost.findings));
    assert.deepEqual(rows(), routed('OFFLINE_SOFT'), 'within the grace period: routed; the last downtimed list stays in force');
    const memo = parseOrchestratorMemo(fs.readFileSync(orchestratorMemoPath(settings()), 'utf8'));
    assert.ok(memo?.leaderSeenAt !== null && memo !== undefined && memo.leader === null);
    await pause(GRACE_MS + 200);
    const fenced = await run();
    assert.equal(fenced.exitCode, 1);
    assert.equal(fenced.error?.code, 'EXTERNAL_FENCE');
    assert.match(fenced.message, /no Orchestrator node has answered as raft leader/);
    // the writer group severed (OFFLINE_HARD: sessions already open must not write on), the reader group drained
    assert.deepEqual(rows(), [0, 1, 2].flatMap((i) => [`100 ${key(i)} OFFLINE_HARD`, `101 ${key(i)} OFFLINE_SOFT`]).sort());
    const n = loads();
    assert.equal((await run()).status, 'unchanged', 'fenced and nothing changed: no LOAD');
    assert.equal(loads(), n);
    orc.leader = 1;
    await run();
    await pause(400);
    const back = await run();
    assert.equal(back.exitCode, 0, back.message);
    assert.deepEqual(rows(), routed('OFFLINE_SOFT'));
  });

  it('without a memo the grace period starts at the first run: a leader never seen is not fenced at once', async () => {
    orc.leader = null;
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.deepEqual(rows(), routed());
    fs.writeFileSync(orchestratorMemoPath(settings()), '{"at":');
    const logs: string[] = [];
    await runScheduler({ settings: settings(), deadlineMs: 10_000, log: (_l, m) => logs.push(m) });
    assert.ok(logs.some((m) => m.includes('not a saved Orchestrator observation')), logs.join('\n'));
  });

  it('a poll that does not end is cut by the budget: a poll without a leader, the memo\'s grace kept', async () => {
    const memoFile = path.join(dir, 'memo.json');
    fs.writeFileSync(memoFile, JSON.stringify({ at: 1000, watchingSince: 500, leader: 'http://x', leaderSeenAt: 1000, master: null, instances: [], problems: [] }));
    const stuck = { poll: () => new Promise(() => undefined) } as unknown as OrchestratorClient;
    const s = settings().orchestrator!;
    const started = Date.now();
    const obs = await pollWithin({ settings: s, watch: [], memoFile, budgetMs: 300, now: Date.now, warn: () => undefined, client: stuck });
    assert.ok(Date.now() - started < 5000);
    assert.equal(obs.leader, null);
    assert.equal(obs.leaderSeenAt, 1000);
    assert.equal(obs.watchingSince, 500);
    assert.match(obs.problems[0]!.message, /did not end within the 300 ms/);
  });
});
