// Scheduler mode as ProxySQL's scheduler runs it (a process per run), against a real ProxySQL 2.7.1 (when the
// binary is there: PROXYSQL_BIN) and the admin test double, with fake Galera nodes: it applies and then changes
// nothing (no LOAD); runs started together -> exactly one applies; a wedged (SIGSTOPped) admin -> the run ends
// by its deadline with E_PROXYSQL_TIMEOUT and changes nothing; a stale lock file is taken over; `galera-warden
// scheduler` and `galera-warden proxysql install` work; with clustered = true only the cluster-lock holder acts.
// Real instances: slot 13, admin ports 32750..32753.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeGaleraServer } from '../src/observe/testing/fake-galera-server.js';
import { GENEROUS_DEADLINE, MAIN, runScript, runSchedulerProcess, statusOf, writePxcConfig } from './support/proxysql-scheduler-process.js';
import type { ProxySqlTarget } from './support/proxysql-targets.js';
import { TARGETS, seed, skipFor, startTarget } from './support/proxysql-targets.js';

for (const kind of TARGETS) {
  describe(`scheduler mode (processes, ${kind === 'real' ? 'real ProxySQL' : 'admin test double'}, fake Galera nodes)`, skipFor(kind), () => {
    let nodes: FakeGaleraServer[] = [];
    let admin: ProxySqlTarget | undefined;
    let dir: string;
    let config: string;
    const hosts = () => nodes.map((n) => ({ host: n.host, port: n.port }));
    /** freezes the admin interface: TCP accepted, no answer (the double: wedged after login; real: SIGSTOP) */
    const freeze = (on: boolean) => {
      if (admin!.double) admin!.double.mode = on ? 'wedged' : 'answer';
      else admin!.real!.signal(on ? 'SIGSTOP' : 'SIGCONT');
    };

    before(async () => {
      nodes = await Promise.all([0, 1, 2].map(() => FakeGaleraServer.start()));
    });
    after(async () => {
      await admin?.close();
      for (const n of nodes) await n.close();
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
    });
    beforeEach(async () => {
      await admin?.close();
      admin = await startTarget(kind, { adminPort: 32750, monitorUser: 'warden' });
      await seed(admin, { writer: 100, reader: 101 }, hosts());
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-'));
      config = writePxcConfig({ dir, adminPort: admin.port });
    });

    it('one run applies the decision; the next changes nothing and issues no LOAD; the state survives between runs', async () => {
      const first = await runSchedulerProcess(config);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(statusOf(first), 'applied');
      assert.deepEqual(await admin!.managed(), [`100 127.0.0.1:${nodes[0]!.port} ONLINE`, ...nodes.map((n) => `101 127.0.0.1:${n.port} ONLINE`)].sort());
      assert.ok(fs.existsSync(path.join(dir, 'galera-warden_10_100_101.state.json')));
      assert.ok(!fs.existsSync(path.join(dir, 'galera-warden_10_100_101.pid')), 'the lock file is removed at exit');
      const loads = await admin!.loads();
      const second = await runSchedulerProcess(config);
      assert.equal(statusOf(second), 'unchanged', second.stdout + second.stderr);
      assert.equal(await admin!.loads(), loads, 'no LOAD when nothing changed');
    });

    it('a node down: every run verifies (OFFLINE_HARD rows are purged by ProxySQL) and only the first loads', async () => {
      await runSchedulerProcess(config);
      nodes[2]!.state.mode = 'close';
      try {
        const down = await runSchedulerProcess(config);
        assert.equal(down.code, 0, down.stdout + down.stderr);
        assert.equal(statusOf(down), 'applied');
        const loads = await admin!.loads();
        for (let i = 0; i < 2; i++) {
          const r = await runSchedulerProcess(config);
          assert.equal(r.code, 0, r.stdout + r.stderr);
          assert.equal(statusOf(r), 'unchanged', r.stdout + r.stderr);
        }
        assert.equal(await admin!.loads(), loads, 'no LOAD while nothing changes');
        assert.ok(!(await admin!.online(101)).includes(`127.0.0.1:${nodes[2]!.port}`));
      } finally {
        nodes[2]!.state.mode = 'answer';
      }
    });

    it('runs started together: exactly one applies, the others exit at once or find nothing to do', async () => {
      if (admin!.double) admin!.double.delayMs = 150;
      // a generous deadline: four Node processes starting at once on a busy machine (the lock is under test here)
      const runs = await Promise.all([0, 1, 2, 3].map(() => runSchedulerProcess(config, ['--deadline-ms=30000'])));
      const statuses = runs.map(statusOf);
      assert.equal(statuses.filter((x) => x === 'applied').length, 1, runs.map((r) => r.stdout + r.stderr).join('\n'));
      assert.ok(statuses.every((x) => x === 'applied' || x === 'locked' || x === 'unchanged'), statuses.join(', '));
      assert.ok(runs.every((r) => r.code === 0));
    });

    it('a wedged admin (accepts, never answers): the run exits by its deadline with E_PROXYSQL_TIMEOUT and changes nothing', async () => {
      const before = await admin!.managed();
      freeze(true);
      let r;
      try {
        r = await runSchedulerProcess(config, ['--deadline-ms=5000']);
      } finally {
        freeze(false);
      }
      // the run ends on its own (a run killed by runSchedulerProcess's own limit has code null)
      assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
      console.log(`# scheduler run against a wedged admin, --deadline-ms=5000: exited after ${Math.round(r.ms)} ms (process start to exit)`);
      // on a loaded machine the deadline (counted from process start) may pass before the login does
      assert.match(r.stderr, /E_PROXYSQL_TIMEOUT|E_DEADLINE/);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${admin!.port}`));
      assert.deepEqual(await admin!.managed(), before);
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
      const loads = await admin!.loads();
      const r = await runSchedulerProcess(config, [], 10_000);
      assert.equal(r.code, 0);
      assert.equal(statusOf(r), 'locked');
      assert.equal(await admin!.loads(), loads);
      if (admin!.double) assert.deepEqual(admin!.double.queries, []);
    });

    it('`galera-warden scheduler` takes the same arguments; --help prints help and exits 0', async () => {
      const r = await runScript(MAIN, ['scheduler', `--configfile=${path.basename(config)}`, `--configpath=${dir}`, GENEROUS_DEADLINE]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(statusOf(r), 'applied');
      for (const args of [['scheduler', '--help'], ['scheduler', '-h']]) {
        const h = await runScript(MAIN, args);
        assert.equal(h.code, 0, h.stderr);
        assert.match(h.stdout, /^Usage: galera-warden scheduler --configfile=/);
        assert.match(h.stdout, /--deadline-ms=N/);
      }
    });

    it('`galera-warden proxysql install` prints the rows and, with --apply, runs them one by one', async () => {
      const args = ['proxysql', 'install', `--configfile=${config}`, ...nodes.map((n) => `--node=${n.host}:${n.port}`), '--interval-ms=3000'];
      const printed = await runScript(MAIN, args);
      assert.equal(printed.code, 0, printed.stderr);
      assert.match(printed.stdout, /INSERT INTO scheduler \(id,active,interval_ms,filename,arg1,arg2,arg3,arg4,comment\) VALUES \(10,0,3000,'[^']*node[^']*','[^']*scheduler-launch\.cjs','--configfile=config\.toml'/);
      assert.match(printed.stdout, /--deadline-ms=2800/);
      await admin!.sql('DELETE FROM mysql_servers WHERE hostgroup_id IN (8100,8101)', 'LOAD MYSQL SERVERS TO RUNTIME');
      const applied = await runScript(MAIN, [...args, '--apply']);
      assert.equal(applied.code, 0, applied.stderr);
      assert.equal((await admin!.sql('SELECT hostname FROM runtime_mysql_servers WHERE hostgroup_id = 8100')).length, 3);
      const row = (await admin!.sql('SELECT * FROM runtime_scheduler'))[0]!;
      assert.equal(row.arg4, '--deadline-ms=2800');
      // the row as ProxySQL would exec it: filename arg1 .. arg5, but with a generous deadline in place of the
      // row's 2800 ms (checked above): Node's start-up alone can take that long on a busy 2-core host
      const run = await runScript(row.arg1!, [row.arg2!, row.arg3!, GENEROUS_DEADLINE]);
      assert.equal(statusOf(run), 'applied', run.stdout + run.stderr);
      assert.equal((await admin!.sql('SELECT id FROM disk.scheduler')).length, 1);
    });

    it('clustered = true: of two ProxySQL nodes only the lock holder acts', async () => {
      const other = await startTarget(kind, { adminPort: 32752, monitorUser: 'warden' });
      try {
        await seed(other, { writer: 100, reader: 101 }, hosts());
        for (const a of [admin!, other]) {
          await a.sql(...[admin!, other].map((p) => `INSERT INTO proxysql_servers (hostname,port,comment) VALUES ('127.0.0.1',${p.port},'proxysql')`), 'LOAD PROXYSQL SERVERS TO RUNTIME');
        }
        const cfgA = writePxcConfig({ dir: path.join(dir, 'a'), adminPort: admin!.port, clustered: true });
        const cfgB = writePxcConfig({ dir: path.join(dir, 'b'), adminPort: other.port, clustered: true });
        const a = await runSchedulerProcess(cfgA);
        assert.equal(statusOf(a), 'applied', a.stdout + a.stderr);
        const otherLoads = await other.loads();
        const otherRows = await other.managed();
        const b = await runSchedulerProcess(cfgB);
        assert.equal(b.code, 0);
        assert.equal(statusOf(b), 'not-cluster-holder', b.stdout + b.stderr);
        assert.equal(await other.loads(), otherLoads, 'the other node loaded nothing');
        assert.deepEqual(await other.managed(), otherRows, 'the other node changed nothing');
        const again = await runSchedulerProcess(cfgA);
        assert.equal(statusOf(again), 'unchanged', 'the holder renews its lock and goes on');
      } finally {
        await other.close();
      }
    });
  });
}
