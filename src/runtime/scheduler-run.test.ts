// A scheduler run: its deadline, and the shared writer record ([coordination]) with an in-memory store, against
// the ProxySQL admin double and fake Galera nodes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeProxySqlAdmin } from '../apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../apply/proxysql/testing/seed-example.js';
import { parsePxcSchedulerConfig } from '../config/pxc-scheduler-config.js';
import { MemoryRecordCell, MemoryWriterStore } from '../coordinate/testing/memory-writer-store.js';
import { FakeGaleraServer } from '../observe/testing/fake-galera-server.js';
import { recordMemoPath, runScheduler } from './scheduler-run.js';

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

describe('scheduler run with the shared writer record (in-memory store)', () => {
  let nodes: FakeGaleraServer[] = [];
  let admin: FakeProxySqlAdmin;
  let dir: string;
  let cell: MemoryRecordCell;
  let store: MemoryWriterStore;
  const name = (i: number) => `127.0.0.1:${nodes[i]!.port}`;
  const online = (hg: number) => admin.table('runtime_mysql_servers').filter((r) => Number(r.hostgroup_id) === hg && r.status === 'ONLINE').map((r) => `${String(r.hostname)}:${String(r.port)}`).sort();
  /** the statuses configured (memory layer): ProxySQL purges OFFLINE_HARD rows from its runtime table */
  const status = (hg: number) => [...new Set(admin.table('mysql_servers').filter((r) => Number(r.hostgroup_id) === hg).map((r) => String(r.status)))];
  const settings = (handoverMs = 0) =>
    parsePxcSchedulerConfig(`[global]\nlockfilepath = "${dir}"\n[proxysql]\nhost = "127.0.0.1"\nport = ${admin.port}\nuser = "admin"\npassword = "admin"\n`
      + `[pxccluster]\nhgW = 100\nhgR = 101\nretryUp = 0\n[coordination]\nstore = "galera"\ncluster = "c1"\ninstanceId = "px1"\nhandoverMs = ${handoverMs}\n`, path.join(dir, 'config.toml'));
  const run = (handoverMs = 0) => runScheduler({ settings: settings(handoverMs), deadlineMs: 8000, log: () => undefined, openStore: () => store });

  before(async () => {
    nodes = await Promise.all([0, 1, 2].map(() => FakeGaleraServer.start()));
  });
  after(async () => {
    for (const n of nodes) await n.close();
  });
  beforeEach(async () => {
    admin = await FakeProxySqlAdmin.start({ monitorUser: 'warden' });
    seedExample({ exec: (...s: string[]) => admin.exec(...s) }, { writer: 100, reader: 101 }, nodes.map((n) => ({ host: n.host, port: n.port })));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-run-'));
    cell = new MemoryRecordCell();
    store = new MemoryWriterStore('c1', cell);
  });
  afterEach(async () => {
    await admin.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('with no record: elects by weight, records the writer by compare-and-set, then routes it', async () => {
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.deepEqual(online(100), [name(0)]);
    assert.deepEqual([cell.record?.writers, cell.record?.epoch, cell.record?.setBy], [[name(0)], 1, 'px1']);
    assert.equal((JSON.parse(fs.readFileSync(recordMemoPath(settings()), 'utf8')) as { record: { epoch: number } }).record.epoch, 1, 'what the run knows is kept for the next run');
  });

  it("follows the record's writer, not the node first by weight, from a run without a state file", async () => {
    store.writeAsOther({ writers: [name(2)] });
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.deepEqual(online(100), [name(2)], 'the record names the third node: it takes the writes');
    assert.deepEqual([cell.record?.epoch, cell.record?.setBy], [1, 'other'], 'nothing to record: the writer did not change');
    const again = await run();
    assert.deepEqual([again.decision?.desired.writers, online(100)], [[name(2)], [name(2)]]);
  });

  it("a newer epoch from another instance moves this ProxySQL's writer on the next run (handoverMs = 0)", async () => {
    await run();
    store.writeAsOther({ writers: [name(1)] });
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.deepEqual(online(100), [name(1)]);
  });

  it('a move of the record\'s writer: no writer for handoverMs, across runs (the memo file carries the hold), then the new one', async () => {
    await run(60_000);
    assert.deepEqual(online(100), [name(0)]);
    store.writeAsOther({ writers: [name(1)] });
    for (let i = 0; i < 2; i++) {
      const r = await run(60_000);
      assert.equal(r.exitCode, 0, r.message);
      assert.deepEqual(online(100), [], `run ${i + 1} after the move: the old writer is dropped, the new one not yet routed`);
      assert.ok(r.findings?.some((f) => f.code === 'COORDINATION_HANDOVER'), JSON.stringify(r.findings));
      assert.equal(cell.record?.epoch, 2, 'the hold records nothing');
    }
    // the hold's end, as the next run would find it once handoverMs has passed
    const memoFile = recordMemoPath(settings());
    const memo = JSON.parse(fs.readFileSync(memoFile, 'utf8')) as { hold: { until: number; from: string[]; to: string[] } };
    assert.deepEqual([memo.hold.from, memo.hold.to], [[name(0)], [name(1)]]);
    fs.writeFileSync(memoFile, JSON.stringify({ ...memo, hold: { ...memo.hold, until: Date.now() - 1 } }));
    const after = await run(60_000);
    assert.equal(after.exitCode, 0, after.message);
    assert.deepEqual(online(100), [name(1)]);
    assert.equal((JSON.parse(fs.readFileSync(memoFile, 'utf8')) as { hold: unknown }).hold, null, 'the hold is over');
  });

  it('fails closed when the store does not answer and no record is known: no writer, COORDINATION_UNAVAILABLE, exit 1; resumes when it answers', async () => {
    store.fault = { kind: 'fail', code: 'COORD_NOT_PRIMARY' };
    const r = await run();
    assert.equal(r.exitCode, 1);
    assert.equal(r.error?.code, 'COORDINATION_UNAVAILABLE');
    assert.match(r.message, /COORD_NOT_PRIMARY.*routing no writer until it answers \(no record known\)/);
    assert.deepEqual(online(100), []);
    store.fault = null;
    const back = await run();
    assert.equal(back.exitCode, 0, back.message);
    assert.deepEqual(online(100), [name(0)]);
  });

  it('keeps the known writer within the lease across runs (the memo file), while it stays eligible', async () => {
    await run();
    store.fault = { kind: 'fail', code: 'COORD_TIMEOUT' };
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.equal(r.findings?.[0]?.code, 'COORDINATION_UNAVAILABLE');
    assert.match(r.findings?.[0]?.message ?? '', /keeping the recorded writer/);
    assert.deepEqual(online(100), [name(0)]);
  });

  it("applies the record's traffic switch: every server OFFLINE_HARD in both hostgroups, the record's writer kept for later", async () => {
    await run();
    store.writeAsOther({ trafficEnabled: false, message: 'restore', trafficSetBy: 'admin@10.0.0.1 via a', trafficSetAt: 1 });
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.deepEqual([status(100), status(101)], [['OFFLINE_HARD'], ['OFFLINE_HARD']]);
    assert.deepEqual([online(100), online(101)], [[], []]);
    assert.match(r.findings?.find((f) => f.code === 'TRAFFIC_DISABLED')?.message ?? '', /by admin@10\.0\.0\.1 via a .*: restore/);
    store.writeAsOther({ trafficEnabled: true, message: '' });
    await run();
    assert.deepEqual(online(100), [name(0)]);
  });

  it("applies the record's maintenance marks", async () => {
    await run();
    store.writeAsOther({ maintenance: [name(0)] });
    const r = await run();
    assert.equal(r.exitCode, 0, r.message);
    assert.ok(!online(100).includes(name(0)) && !online(101).includes(name(0)), JSON.stringify(admin.table('runtime_mysql_servers')));
    assert.deepEqual(cell.record?.writers, online(100), 'the new writer was recorded before it was routed');
  });
});
