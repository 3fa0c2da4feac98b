// End to end: scheduler-mode runs (a process each, as ProxySQL's scheduler starts them) against a real 3-node
// MariaDB Galera sandbox, with a real ProxySQL 2.7.1 (PROXYSQL_BIN) and with the admin test double.
// Writer SIGKILLed -> the next run moves the hostgroups, and every run while it is down verifies and exits 0;
// it restarts -> no fail-back (failBack off); the state file lost -> the cold start adopts the current writer;
// two concurrent runs -> one acts; a wedged admin -> the run ends by its deadline, nothing changes.
// Real ProxySQL only: a demoted writer's sessions are severed (OFFLINE_HARD), and a statement cut off by a
// writer move is not committed twice (mysql-query_retries_on_failure = 0, set by `proxysql install`).
// Slot 6: sandbox ports 31211.., the double's admin 31210, the real ProxySQL admin 31350 (MySQL 31351).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { RunResult } from './support/proxysql-scheduler-process.js';
import { MAIN, runScript, runSchedulerProcess, statusOf, writePxcConfig } from './support/proxysql-scheduler-process.js';
import type { ProxySqlTarget } from './support/proxysql-targets.js';
import { TARGETS, seed, skipFor, startTarget } from './support/proxysql-targets.js';
import { skipRealProxySql } from './support/proxysql-real.js';

const SLOT = 6;
const DOUBLE_ADMIN_PORT = 31210;
const REAL_ADMIN_PORT = 31350;

let sb: Sandbox | undefined;
before(async () => {
  sb = await startSandbox(SLOT);
  await sb.sql(1, 'CREATE TABLE app.t (id INT PRIMARY KEY AUTO_INCREMENT, v VARCHAR(40) NOT NULL)');
});
after(async () => {
  await stopSandbox(sb);
});

const address = (i: number) => `${sb!.node(i).host}:${sb!.node(i).sqlPort}`;

for (const kind of TARGETS) {
  describe(`scheduler mode: real Galera sandbox, ${kind === 'real' ? 'real ProxySQL 2.7.1' : 'admin test double'}`, skipFor(kind), () => {
    let admin: ProxySqlTarget | undefined;
    let dir = '';
    let config = '';
    const run = async (extra: string[] = []): Promise<RunResult> => {
      const r = await runSchedulerProcess(config, extra);
      if (r.code !== 0 && !extra.some((e) => e.startsWith('--deadline'))) assert.fail(`scheduler run failed (${r.code}): ${r.stdout}${r.stderr}`);
      return r;
    };
    const stateFile = () => path.join(dir, 'galera-warden_10_100_101.state.json');

    before(async () => {
      admin = await startTarget(kind, { adminPort: REAL_ADMIN_PORT, doublePort: DOUBLE_ADMIN_PORT, monitorUser: 'warden', monitorPassword: sb!.password('warden'), monitor: true });
      await seed(admin, { writer: 100, reader: 101 }, [1, 2, 3].map((i) => ({ host: sb!.node(i).host, port: sb!.node(i).sqlPort })));
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-e2e-'));
      config = writePxcConfig({ dir, adminPort: admin.port, checkTimeOut: 2000 });
    });
    after(async () => {
      await admin?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('the first run routes writes to the preferred writer only, reads to all; the next run changes nothing', async () => {
      const first = await run();
      assert.equal(statusOf(first), 'applied');
      assert.deepEqual(await admin!.online(100), [address(1)]);
      assert.deepEqual(await admin!.online(101), [address(1), address(2), address(3)].sort());
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await run();
        assert.equal(statusOf(r), 'unchanged');
        times.push(r.ms);
      }
      process.stdout.write(`# scheduler run (${kind}), process start to exit (3-node MariaDB Galera, no change): ${times.map((t) => Math.round(t)).join(', ')} ms\n`);
    });

    it('two concurrent runs: one acts, the other exits at once', async () => {
      if (admin!.double) admin!.double.delayMs = 100;
      try {
        const [a, b] = await Promise.all([run(['--deadline-ms=30000']), run(['--deadline-ms=30000'])]);
        assert.ok([statusOf(a), statusOf(b)].includes('locked') || [statusOf(a), statusOf(b)].every((x) => x === 'unchanged'), `${statusOf(a)} ${statusOf(b)}`);
        assert.ok(![statusOf(a), statusOf(b)].includes('applied'));
      } finally {
        if (admin!.double) admin!.double.delayMs = 0;
      }
    });

    it('kill the writer: the next run moves the writer hostgroup; every run while it is down verifies, exits 0, loads nothing', async () => {
      sb!.kill(1);
      const r = await run();
      assert.equal(statusOf(r), 'applied');
      assert.deepEqual(await admin!.online(100), [address(2)], `${r.stdout}${r.stderr}`);
      assert.ok(!(await admin!.online(101)).includes(address(1)));
      const loads = await admin!.loads();
      for (let i = 0; i < 3; i++) {
        const again = await run();
        assert.equal(again.code, 0, again.stdout + again.stderr);
        assert.equal(statusOf(again), 'unchanged', again.stdout + again.stderr);
        assert.doesNotMatch(again.stdout + again.stderr, /E_PROXYSQL_VERIFY/);
      }
      assert.equal(await admin!.loads(), loads, 'no LOAD while nothing changes');
    });

    it('the old writer comes back: the writer stays put (no fail-back without failBack), state saved', async () => {
      await sb!.start(1);
      const state = JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as { writer: { nodes: string[] } };
      assert.deepEqual(state.writer.nodes, [address(2)]);
      await waitFor('node1 back as a reader', 60_000, async () => {
        await run();
        return (await admin!.online(101)).includes(address(1)) ? true : undefined;
      }, 500);
      for (let i = 0; i < 2; i++) await run();
      assert.deepEqual(await admin!.online(100), [address(2)]);
    });

    it('no state file (lost, or the cluster lock moved): the cold start adopts the writer ONLINE in hgW', async () => {
      fs.rmSync(stateFile());
      const r = await run();
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout + r.stderr, /cold start adopting the writer ONLINE in hostgroup 100/);
      assert.deepEqual(await admin!.online(100), [address(2)], 'the healthy writer is kept, not moved to the highest weight');
      assert.ok(fs.existsSync(stateFile()));
    });

    it('a wedged admin: the run ends by its deadline with E_PROXYSQL_TIMEOUT and changes nothing', async () => {
      const before = await admin!.managed();
      if (admin!.double) admin!.double.mode = 'wedged';
      else admin!.real!.signal('SIGSTOP');
      let r: RunResult;
      try {
        r = await run(['--deadline-ms=5000']);
      } finally {
        if (admin!.double) admin!.double.mode = 'answer';
        else admin!.real!.signal('SIGCONT');
      }
      assert.equal(r.code, 1);
      assert.match(r.stderr, /E_PROXYSQL_TIMEOUT/);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${admin!.port}`));
      assert.deepEqual(await admin!.managed(), before);
    });
  });
}

describe('through a real ProxySQL: sessions on a demoted writer, statements cut off by a writer move', { skip: skipRealProxySql }, () => {
  let admin: ProxySqlTarget;
  let dir = '';
  let config = '';
  const clients: mysql.Connection[] = [];
  const client = async () => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: admin.mysqlPort!, user: 'app', password: sb!.password('app'), database: 'app' });
    c.on('error', () => undefined);
    clients.push(c);
    return c;
  };
  const port = async (c: mysql.Connection) => Number(((await c.query('SELECT @@port AS p'))[0] as { p: number }[])[0]!.p);
  const count = async (v: string) => Number((await sb!.sql(2, `SELECT COUNT(*) FROM app.t WHERE v='${v}'`))[0]![0]);
  const run = async () => {
    const r = await runSchedulerProcess(config);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    return r;
  };

  before(async () => {
    admin = await startTarget('real', { adminPort: REAL_ADMIN_PORT, monitorUser: 'warden', monitorPassword: sb!.password('warden'), monitor: true });
    await seed(admin, { writer: 100, reader: 101 }, [1, 2, 3].map((i) => ({ host: sb!.node(i).host, port: sb!.node(i).sqlPort })));
    await admin.sql(`INSERT INTO mysql_users (username,password,default_hostgroup,transaction_persistent) VALUES ('app','${sb!.password('app')}',100,1)`, 'LOAD MYSQL USERS TO RUNTIME');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-sever-'));
    config = writePxcConfig({ dir, adminPort: admin.port, checkTimeOut: 2000 });
    // the installation galera-warden documents: configuration rows, the scheduler row (inactive), the settings
    const install = await runScript(MAIN, ['proxysql', 'install', `--configfile=${config}`, ...[1, 2, 3].map((i) => `--node=${address(i)}`), '--apply']);
    assert.equal(install.code, 0, install.stderr);
    await waitFor('node1 synced', 60_000, async () => ((await sb!.sql(1, "SHOW STATUS LIKE 'wsrep_local_state'"))[0]?.[1] === '4' ? true : undefined));
    await run();
    assert.deepEqual(await admin.online(100), [address(1)]);
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await admin?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    for (const i of [1, 2, 3]) await sb!.sql(i, 'SET GLOBAL wsrep_desync=OFF').catch(() => undefined);
  });

  it('`proxysql install` turns off ProxySQL\'s query retries', async () => {
    const rows = await admin.sql("SELECT variable_value FROM runtime_global_variables WHERE variable_name='mysql-query_retries_on_failure'");
    assert.equal(rows[0]?.variable_value, '0');
  });

  it('a demoted writer (desynced, another writer elected) is severed: an open transaction cannot commit there, a pinned session leaves it', async () => {
    const tx = await client();
    await tx.query('BEGIN');
    await tx.query("INSERT INTO app.t (v) VALUES ('in-tx')");
    assert.equal(await port(tx), sb!.node(1).sqlPort);
    const pinned = await client();
    await pinned.query('SET @pin = 1');
    assert.equal(await port(pinned), sb!.node(1).sqlPort);
    await sb!.sql(1, 'SET GLOBAL wsrep_desync=ON');
    try {
      const r = await run();
      assert.equal(statusOf(r), 'applied', r.stdout + r.stderr);
      assert.deepEqual(await admin.online(100), [address(2)]);
      const memory = await admin.sql(`SELECT status FROM mysql_servers WHERE hostgroup_id=100 AND port=${sb!.node(1).sqlPort}`);
      assert.deepEqual(memory.map((m) => m.status), ['OFFLINE_HARD']);
      const committed = await tx.query('COMMIT').then(() => true, () => false);
      assert.equal(committed, false, 'the transaction on the old writer must not commit');
      assert.equal(await count('in-tx'), 0, 'no commit landed on the old writer');
      const next = await port(pinned).catch(() => null);
      assert.notEqual(next, sb!.node(1).sqlPort, 'the pinned session no longer runs on the old writer');
    } finally {
      await sb!.sql(1, 'SET GLOBAL wsrep_desync=OFF');
    }
  });

  it('a statement running on the writer when it moves is committed once, not retried on the new writer', async () => {
    // node2 writes now; make it leave: desync it, node1 (in sync again) or node3 takes over
    await waitFor('node1 back in service', 60_000, async () => {
      await run();
      return (await admin.online(101)).includes(address(1)) ? true : undefined;
    }, 500);
    const writer = (await admin.online(100))[0]!;
    const index = [1, 2, 3].find((i) => address(i) === writer)!;
    const c = await client();
    let settled = false;
    const slow = c.query("INSERT INTO app.t (v) SELECT 'slow' FROM DUAL WHERE SLEEP(20) = 0").then(() => 'ok', (e: Error) => e.message).finally(() => {
      settled = true;
    });
    await waitFor('the slow statement running on the writer', 10_000, async () => ((await sb!.sql(index, "SELECT COUNT(*) FROM information_schema.processlist WHERE info LIKE 'INSERT INTO app.t%SLEEP(20)%'"))[0]?.[0] === '1' ? true : undefined), 100);
    await sb!.sql(index, 'SET GLOBAL wsrep_desync=ON');
    try {
      // a busy machine may need more than one run (a run's probe can miss its deadline); what matters is
      // that the move happens while the statement still runs
      const outputs: string[] = [];
      // the run that moves the writer cuts the statement off (ProxySQL kills the session): what must hold is
      // that the statement was still running when that run started
      let runningAtMove = false;
      await waitFor('the writer to move off the desynced node', 15_000, async () => {
        const running = !settled;
        const r = await run();
        outputs.push(r.stdout.slice(-400));
        if ((await admin.online(100)).join() === writer) return undefined;
        runningAtMove = running;
        return true;
      }, 200).catch((err: Error) => assert.fail(`${err.message}; last runs: ${outputs.slice(-3).join(' | ')}`));
      assert.equal(runningAtMove, true, 'the statement still ran when the run that moved the writer started');
      const outcome = await slow;
      await new Promise((r) => setTimeout(r, 5000));
      process.stdout.write(`# statement cut off by a writer move: client saw ${outcome}; rows: ${await count('slow')}\n`);
      assert.equal(await count('slow'), 1, 'the row exists once (Galera shares it: two commits would show 2)');
    } finally {
      await sb!.sql(index, 'SET GLOBAL wsrep_desync=OFF');
    }
  });
});
