// End to end: `galera-warden run` with the built-in proxy in front of a real 3-node Galera sandbox.
// Kill and freeze the writer; writes resume on a new writer through the proxy, connections to the old
// writer are severed, a resumed frozen node gets no traffic before its hold time, and the old writer
// does not take the role back. API auth is checked on the live daemon.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 2;
const WRITER_PORT = 30000 + 200 * SLOT + 100;
const READER_PORT = WRITER_PORT + 1;
const HEALTH_PORT = WRITER_PORT + 2;
const API_PORT = WRITER_PORT + 3;
const HOLD_MS = 6000;
const AUTH = 'Basic ' + Buffer.from('admin:s3cret-test').toString('base64');

interface Cluster {
  writers: string[];
  readers: string[];
  epoch: number;
}

describe('run with the built-in proxy (real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let appPassword = '';

  const api = async (p: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${API_PORT}${p}`, { ...init, headers: { authorization: AUTH, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  const cluster = async (): Promise<Cluster> => (await (await api('/api/cluster')).json()) as Cluster;
  const connect = (port: number) =>
    mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password: appPassword, database: 'app', connectTimeout: 90_000 });
  /** One write through the writer port on a new connection; resolves with the node that took it. */
  const writeOnce = async (seq: number): Promise<string> => {
    const c = await connect(WRITER_PORT);
    try {
      await c.query('INSERT INTO app.w (seq, node) VALUES (?, @@wsrep_node_name)', [seq]);
      const [rows] = await c.query('SELECT @@wsrep_node_name AS n');
      return (rows as { n: string }[])[0]!.n;
    } finally {
      c.destroy();
    }
  };

  before(async () => {
    sb = await startSandbox(SLOT);
    appPassword = sb.password('app');
    await sb.sql(1, 'CREATE TABLE app.w (id INT AUTO_INCREMENT PRIMARY KEY, seq INT, node VARCHAR(64))');
    const cfg = writeConfig(sb.configPath, `
[routing]
retryUp = 2
retryDown = 1
minHoldMs = ${HOLD_MS}

[probe]
connectTimeoutMs = 400
timeoutMs = 500

[run]
intervalMs = 200
stateFile = "${path.join(sb.dir, 'warden-state.json')}"

[proxy]
host = "127.0.0.1"
writerPort = ${WRITER_PORT}
readerPort = ${READER_PORT}
healthPort = ${HEALTH_PORT}
waitForBackendMs = 60000
drainMs = 2000

[api]
host = "127.0.0.1"
port = ${API_PORT}
user = "admin"
password = "s3cret-test"
`, path.join(sb.dir, 'e2e.toml'));
    warden = startWarden(cfg);
    await waitFor('the warden to elect a writer', 60_000, async () => ((await cluster()).writers.length === 1 ? true : undefined), 200);
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await stopSandbox(sb);
  });

  it('routes writes to the highest-weight node and reads over the pool', async () => {
    const c = await cluster();
    assert.deepEqual(c.writers, ['node1']);
    assert.equal(await writeOnce(1), 'node1');
    // the health port: / is liveness; /ready and its alias say this instance routes a writer
    assert.equal((await fetch(`http://127.0.0.1:${HEALTH_PORT}/`)).status, 200);
    for (const p of ['/ready', '/health/ready']) {
      const ready = await fetch(`http://127.0.0.1:${HEALTH_PORT}${p}`);
      assert.deepEqual([ready.status, await ready.json()], [200, { status: 'ready', writers: ['node1'] }], p);
    }
    const r = await connect(READER_PORT);
    const [rows] = await r.query('SELECT @@wsrep_node_name AS n');
    assert.ok(c.readers.includes((rows as { n: string }[])[0]!.n));
    r.destroy();
  });

  it('severs the connections to a frozen writer and resumes writes on a new writer', async () => {
    const held = await connect(WRITER_PORT);
    const [rows] = await held.query('SELECT @@wsrep_node_name AS n');
    assert.equal((rows as { n: string }[])[0]!.n, 'node1');
    const severed = new Promise<number>((resolve) => held.once('error', () => resolve(Date.now())));
    const frozenAt = Date.now();
    sb!.freeze(1);
    const closedAt = await Promise.race([severed, new Promise<number>((r) => setTimeout(() => r(-1), 60_000))]);
    assert.notEqual(closedAt, -1, 'the held connection to the frozen writer was not severed within 60 s');
    const node = await writeOnce(2);
    assert.notEqual(node, 'node1');
    const c = await cluster();
    assert.deepEqual(c.writers, [node]);
    console.log(`# frozen writer: connection severed after ${closedAt - frozenAt} ms, first write on ${node} after ${Date.now() - frozenAt} ms`);
  });

  it('a resumed frozen node gets no traffic before its hold time, and does not take the writer role back', async () => {
    const before = await cluster();
    const writer = before.writers[0]!;
    const thawedAt = Date.now();
    sb!.thaw(1);
    // For the hold time the thawed node must appear in no pool, whatever its stale view says.
    while (Date.now() - thawedAt < HOLD_MS - 500) {
      const c = await cluster();
      assert.ok(!c.writers.includes('node1') && !c.readers.includes('node1'), `node1 back in a pool ${Date.now() - thawedAt} ms after thaw`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await waitFor('node1 to rejoin the reader pool', 120_000, async () => ((await cluster()).readers.includes('node1') ? true : undefined), 250);
    const after = await cluster();
    assert.deepEqual(after.writers, [writer], 'the recovered node took the writer role back');
    assert.equal(after.epoch, before.epoch);
  });

  it('writes resume through the proxy after the writer is killed', async () => {
    const writer = (await cluster()).writers[0]!;
    const index = Number(writer.replace('node', ''));
    const killedAt = Date.now();
    sb!.kill(index);
    const node = await writeOnce(3);
    const took = Date.now() - killedAt;
    assert.notEqual(node, writer);
    console.log(`# killed writer ${writer}: first write through the proxy on ${node} after ${took} ms`);
    await sb!.start(index);
  });

  it('refuses the API without the right credentials and changes nothing', async () => {
    const before = await cluster();
    const anon = await fetch(`http://127.0.0.1:${API_PORT}/api/cluster`);
    assert.equal(anon.status, 401);
    const target = ['node1', 'node2', 'node3'].find((n) => !before.writers.includes(n))!;
    const wrong = await fetch(`http://127.0.0.1:${API_PORT}/api/switchover`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from('admin:wrong').toString('base64'), 'content-type': 'application/json' },
      body: JSON.stringify({ node: target }),
    });
    assert.equal(wrong.status, 401);
    await new Promise((r) => setTimeout(r, 600));
    assert.deepEqual((await cluster()).writers, before.writers);
  });

  it('stops cleanly on SIGTERM', async () => {
    const code = await warden!.stop('SIGTERM');
    assert.equal(code, 0);
    assert.ok(warden!.logs.some((l) => l.msg === 'stopped'));
    const state = path.join(sb!.dir, 'warden-state.json');
    assert.equal(fs.statSync(state).mode & 0o777, 0o600, 'the state file is readable by its owner only');
  });
});
