// A scheduler run's deadline counts from the process start (startedAt = performance.timeOrigin in
// scheduler-main): a run whose process started too long ago does nothing and says so.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeProxySqlAdmin } from '../apply/proxysql/testing/fake-proxysql-admin.js';
import { parsePxcSchedulerConfig } from '../config/pxc-scheduler-config.js';
import { runScheduler } from './scheduler-run.js';

describe('scheduler run deadline', () => {
  let admin: FakeProxySqlAdmin;
  let dir: string;
  before(async () => {
    admin = await FakeProxySqlAdmin.start();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-run-'));
  });
  after(async () => {
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts from startedAt (the process start), not from the call', async () => {
    const settings = parsePxcSchedulerConfig(`[global]\nlockfilepath = "${dir}"\n[proxysql]\nhost = "127.0.0.1"\nport = ${admin.port}\nuser = "admin"\npassword = "admin"\n[pxccluster]\nhgW = 100\nhgR = 101\n`, path.join(dir, 'config.toml'));
    const logs: string[] = [];
    const r = await runScheduler({ settings, deadlineMs: 1800, startedAt: Date.now() - 1900, log: (_l, m) => logs.push(m) });
    assert.equal(r.status, 'failed');
    assert.equal(r.error?.code, 'E_PROXYSQL_TIMEOUT');
    assert.match(r.message, /deadline passed before login/);
    assert.deepEqual(admin.queries, [], 'nothing was sent to ProxySQL');
    assert.ok(!fs.existsSync(path.join(dir, 'galera-warden_10_100_101.pid')), 'the lock file is released');
  });
});
