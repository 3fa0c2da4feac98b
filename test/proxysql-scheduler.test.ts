// Scheduler mode as ProxySQL's scheduler runs it (a process per run), against the admin test server and fake
// Galera nodes: it applies and then changes nothing; two concurrent runs -> one acts; a wedged admin -> the run
// ends by its deadline and changes nothing; a stale lock file is taken over; `galera-warden scheduler` and
// `galera-warden proxysql install` work.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeProxySqlAdmin } from '../src/apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../src/apply/proxysql/testing/seed-example.js';
import { FakeGaleraServer } from '../src/observe/testing/fake-galera-server.js';
import { MAIN, runScript, runSchedulerProcess, statusOf, writePxcConfig } from './support/proxysql-scheduler-process.js';
import { waitFor } from './support/sandbox-fixture.js';

describe('scheduler mode (processes, admin test server, fake Galera nodes)', () => {
  let nodes: FakeGaleraServer[] = [];
  let admin: FakeProxySqlAdmin;
  let dir: string;
  let config: string;
  const managed = () => admin.table('runtime_mysql_servers').filter((r) => Number(r.hostgroup_id) < 8000)
    .map((r) => `${r.hostgroup_id} ${r.port} ${r.status}`).sort();

  before(async () => {
    nodes = await Promise.all([0, 1, 2].map(() => FakeGaleraServer.start()));
  });
  after(async () => {
    for (const n of nodes) await n.close();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await admin?.close();
    admin = await FakeProxySqlAdmin.start({ monitorUser: 'warden' });
    seedExample(admin, { writer: 100, reader: 101 }, nodes.map((n) => ({ host: n.host, port: n.port })));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-'));
    config = writePxcConfig({ dir, adminPort: admin.port });
  });
  after(async () => {
    await admin.close();
  });

  it('one run applies the decision; the next changes nothing; the state survives between runs', async () => {
    const first = await runSchedulerProcess(config);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(statusOf(first), 'applied');
    assert.deepEqual(managed(), [`100 ${nodes[0]!.port} ONLINE`, ...nodes.map((n) => `101 ${n.port} ONLINE`)].sort());
    assert.ok(fs.existsSync(path.join(dir, 'galera-warden_10_100_101.state.json')));
    assert.ok(!fs.existsSync(path.join(dir, 'galera-warden_10_100_101.pid')), 'the lock file is removed at exit');
    const loads = admin.queries.filter((q) => /^LOAD/.test(q)).length;
    const second = await runSchedulerProcess(config);
    assert.equal(statusOf(second), 'unchanged');
    assert.equal(admin.queries.filter((q) => /^LOAD/.test(q)).length, loads, 'no LOAD when nothing changed');
  });

  it('two concurrent runs: one acts, the other exits at once', async () => {
    // the first run holds the lock while a slow admin answers; the second starts once the lock file is there
    admin.delayMs = 800;
    const first = runSchedulerProcess(config, ['--deadline-ms=60000'], 90_000);
    await waitFor('the first run to take the lock file', 30_000, () => (fs.existsSync(path.join(dir, 'galera-warden_10_100_101.pid')) ? true : undefined), 20);
    const b = await runSchedulerProcess(config, ['--deadline-ms=60000'], 90_000);
    const a = await first;
    assert.deepEqual([statusOf(a), statusOf(b)], ['applied', 'locked'], `${a.stdout}${a.stderr}\n${b.stdout}${b.stderr}`);
    assert.equal(b.code, 0);
    assert.deepEqual(managed(), [`100 ${nodes[0]!.port} ONLINE`, ...nodes.map((n) => `101 ${n.port} ONLINE`)].sort());
  });

  it('a wedged admin (accepts, never answers): the run exits by its deadline with a clear error and changes nothing', async () => {
    const before = managed();
    admin.mode = 'wedged';
    const r = await runSchedulerProcess(config, ['--deadline-ms=1500']);
    // the run ends on its own (a run killed after runSchedulerProcess's 30 s has code null)
    assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
    console.log(`# scheduler run against a wedged admin, --deadline-ms=1500: exited after ${Math.round(r.ms)} ms (process start to exit)`);
    assert.match(r.stderr, /E_PROXYSQL_TIMEOUT|E_DEADLINE/);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${admin.port}`));
    admin.mode = 'answer';
    assert.deepEqual(managed(), before);
    assert.ok(!fs.existsSync(path.join(dir, 'galera-warden_10_100_101.pid')));
  });

  it('a stale lock file (its process is gone) is taken over', async () => {
    fs.writeFileSync(path.join(dir, 'galera-warden_10_100_101.pid'), JSON.stringify({ pid: 2 ** 22 + 7, host: os.hostname(), since: Date.now(), expires: Date.now() + 60_000 }));
    const r = await runSchedulerProcess(config);
    assert.equal(statusOf(r), 'applied', r.stdout + r.stderr);
    assert.match(r.stderr, /took over a stale lock file/);
  });

  it('a live lock file makes the run exit at once', async () => {
    fs.writeFileSync(path.join(dir, 'galera-warden_10_100_101.pid'), JSON.stringify({ pid: process.pid, host: os.hostname(), since: Date.now(), expires: Date.now() + 60_000 }));
    const r = await runSchedulerProcess(config, [], 10_000);
    assert.equal(r.code, 0);
    assert.equal(statusOf(r), 'locked');
    assert.deepEqual(admin.queries, []);
  });

  it('`galera-warden scheduler` takes the same arguments', async () => {
    const r = await runScript(MAIN, ['scheduler', `--configfile=${path.basename(config)}`, `--configpath=${dir}`]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statusOf(r), 'applied');
  });

  it('`galera-warden proxysql install` prints the rows and, with --apply, runs them one by one', async () => {
    const args = ['proxysql', 'install', `--configfile=${config}`, ...nodes.map((n) => `--node=${n.host}:${n.port}`), '--interval-ms=3000'];
    const printed = await runScript(MAIN, args);
    assert.equal(printed.code, 0, printed.stderr);
    assert.match(printed.stdout, /INSERT INTO scheduler \(id,active,interval_ms,filename,arg1,arg2,arg3,arg4,comment\) VALUES \(10,0,3000,'[^']*node[^']*','[^']*scheduler-main\.js','--configfile=config\.toml'/);
    assert.match(printed.stdout, /--deadline-ms=2800/);
    admin.exec('DELETE FROM mysql_servers WHERE hostgroup_id IN (8100,8101)', 'LOAD MYSQL SERVERS TO RUNTIME');
    const applied = await runScript(MAIN, [...args, '--apply']);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(admin.table('runtime_mysql_servers').filter((r) => r.hostgroup_id === '8100').length, 3);
    const row = admin.table('runtime_scheduler')[0]!;
    assert.equal(row.arg4, '--deadline-ms=2800');
    // the row as ProxySQL would exec it: filename arg1 .. arg5
    const run = await runScript(row.arg1!, [row.arg2!, row.arg3!, row.arg4]);
    assert.equal(statusOf(run), 'applied', run.stdout + run.stderr);
    assert.equal(admin.table('disk.scheduler').length, 1);
  });

  it('clustered = true: of two ProxySQL nodes only the lock holder acts', async () => {
    const other = await FakeProxySqlAdmin.start({ monitorUser: 'warden' });
    try {
      seedExample(other, { writer: 100, reader: 101 }, nodes.map((n) => ({ host: n.host, port: n.port })));
      for (const a of [admin, other]) {
        a.exec(...[admin, other].map((p) => `INSERT INTO proxysql_servers (hostname,port,comment) VALUES ('127.0.0.1',${p.port},'proxysql')`), 'LOAD PROXYSQL SERVERS TO RUNTIME');
      }
      const cfgA = writePxcConfig({ dir: path.join(dir, 'a'), adminPort: admin.port, clustered: true });
      const cfgB = writePxcConfig({ dir: path.join(dir, 'b'), adminPort: other.port, clustered: true });
      const a = await runSchedulerProcess(cfgA);
      assert.equal(statusOf(a), 'applied', a.stdout + a.stderr);
      const b = await runSchedulerProcess(cfgB);
      assert.equal(b.code, 0);
      assert.equal(statusOf(b), 'not-cluster-holder', b.stdout + b.stderr);
      assert.equal(other.queries.filter((q) => /^(LOAD MYSQL|INSERT INTO mysql|UPDATE mysql|DELETE FROM mysql)/.test(q)).length, 0, 'the other node changed nothing');
      const again = await runSchedulerProcess(cfgA);
      assert.equal(statusOf(again), 'unchanged', 'the holder renews its lock and goes on');
    } finally {
      await other.close();
    }
  });
});
