// End to end: scheduler-mode runs (a process each, as ProxySQL's scheduler starts them) against a real 3-node
// MariaDB Galera sandbox and the ProxySQL admin test server. The writer is SIGKILLed -> the next run moves the
// hostgroups; two concurrent runs -> one acts; a wedged admin -> the run ends by its deadline, nothing changes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeProxySqlAdmin } from '../src/apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../src/apply/proxysql/testing/seed-example.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { RunResult } from './support/proxysql-scheduler-process.js';
import { runSchedulerProcess, statusOf, writePxcConfig } from './support/proxysql-scheduler-process.js';

const SLOT = 6;
const ADMIN_PORT = 31210;

describe('scheduler mode against a real Galera sandbox (MariaDB) and the admin test server', () => {
  let sb: Sandbox | undefined;
  let admin: FakeProxySqlAdmin | undefined;
  let dir = '';
  let config = '';
  const address = (i: number) => `${sb!.node(i).host}:${sb!.node(i).sqlPort}`;
  const online = (hg: number) => admin!.table('runtime_mysql_servers')
    .filter((r) => r.hostgroup_id === String(hg) && r.status === 'ONLINE').map((r) => `${r.hostname}:${r.port}`).sort();
  /** One run; a generous deadline unless the test sets one (the default, checkTimeOut + 1 s, is tight on a loaded machine). */
  const run = async (extra: string[] = []): Promise<RunResult> => {
    const own = extra.some((e) => e.startsWith('--deadline'));
    const r = await runSchedulerProcess(config, own ? extra : ['--deadline-ms=30000', ...extra], 90_000);
    if (r.code !== 0 && !own) assert.fail(`scheduler run failed (${r.code}): ${r.stdout}${r.stderr}`);
    return r;
  };

  before(async () => {
    sb = await startSandbox(SLOT);
    admin = await FakeProxySqlAdmin.start({ port: ADMIN_PORT, monitorUser: 'warden', monitorPassword: sb.password('warden') });
    seedExample(admin, { writer: 100, reader: 101 }, [1, 2, 3].map((i) => ({ host: sb!.node(i).host, port: sb!.node(i).sqlPort })));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-e2e-'));
    config = writePxcConfig({ dir, adminPort: ADMIN_PORT, checkTimeOut: 2000 });
  });
  after(async () => {
    await admin?.close();
    await stopSandbox(sb);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the first run routes writes to the preferred writer only, reads to all; the next run changes nothing', async () => {
    const first = await run();
    assert.equal(statusOf(first), 'applied');
    assert.deepEqual(online(100), [address(1)]);
    assert.deepEqual(online(101), [address(1), address(2), address(3)].sort());
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await run();
      assert.equal(statusOf(r), 'unchanged');
      times.push(r.ms);
    }
    process.stdout.write(`# scheduler run, process start to exit (3-node MariaDB Galera, no change): ${times.map((t) => Math.round(t)).join(', ')} ms\n`);
  });

  it('two concurrent runs: one acts, the other exits at once', async () => {
    // the first run holds the lock while a slow admin answers; the second starts once the lock file is there
    admin!.delayMs = 800;
    try {
      const first = run();
      await waitFor('the first run to take the lock file', 30_000, () => (fs.existsSync(path.join(dir, 'galera-warden_10_100_101.pid')) ? true : undefined), 20);
      const b = await run();
      const a = await first;
      assert.deepEqual([statusOf(a), statusOf(b)], ['unchanged', 'locked']);
    } finally {
      admin!.delayMs = 0;
    }
  });

  it('a wedged admin: the run ends by its deadline with a clear error and changes nothing', async () => {
    const before = admin!.table('runtime_mysql_servers');
    admin!.mode = 'wedged';
    try {
      const r = await run(['--deadline-ms=1500']);
      // the run ends on its own (a run killed after 90 s has code null)
      assert.equal(r.code, 1, `${r.stdout}${r.stderr}`);
      process.stdout.write(`# scheduler run against a wedged admin, --deadline-ms=1500: exited after ${Math.round(r.ms)} ms\n`);
      assert.match(r.stderr, new RegExp(`E_PROXYSQL_TIMEOUT|E_DEADLINE`));
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${ADMIN_PORT}`));
    } finally {
      admin!.mode = 'answer';
    }
    assert.deepEqual(admin!.table('runtime_mysql_servers'), before);
  });

  it('kill the writer: the next scheduler run moves the writer hostgroup to the next in 8100', async () => {
    sb!.kill(1);
    // the run after the survivors have re-formed (ProxySQL's scheduler runs again every interval anyway)
    await waitFor('node1 to exit and node2, node3 to re-form at size 2', 90_000, async () => {
      const rows = await sb!.status();
      return rows[0]!.process === 'stopped' && rows[1]!.clusterSize === 2 && rows[2]!.clusterSize === 2 ? true : undefined;
    }, 250);
    const r = await run();
    assert.equal(statusOf(r), 'applied');
    assert.deepEqual(online(100), [address(2)], `${r.stdout}${r.stderr}`);
    assert.ok(!online(101).includes(address(1)));
    assert.ok(online(101).includes(address(2)) && online(101).includes(address(3)));
  });

  it('the state survives between runs: the old writer comes back, the writer stays put (no fail-back)', async () => {
    await sb!.start(1);
    const state = JSON.parse(fs.readFileSync(path.join(dir, 'galera-warden_10_100_101.state.json'), 'utf8')) as { writer: { nodes: string[]; epoch: number } };
    assert.deepEqual(state.writer.nodes, [address(2)]);
    for (let i = 0; i < 2; i++) await run();
    assert.deepEqual(online(100), [address(2)]);
  });
});
