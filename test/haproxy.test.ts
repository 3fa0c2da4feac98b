// End to end (slot 0): `galera-warden run` drives a real HAProxy 2.6 (config from `galera-warden haproxy config`)
// in front of a real 3-node Galera sandbox. Writes through HAProxy's writer frontend land on the warden's
// writer; when the writer is killed they land on the new one and the old one's server is in maint; when the
// old writer comes back, HAProxy does not move back.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { RuntimeClient } from '../src/apply/haproxy/runtime-client.js';
import type { ServerState } from '../src/apply/haproxy/runtime-client.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { HaproxyProcess } from './support/haproxy-process.js';
import { haproxyMissing, startHaproxy } from './support/haproxy-process.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { CLI, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 0;
const WRITER_PORT = 30000 + 200 * SLOT + 100;
const READER_PORT = WRITER_PORT + 1;
const missing = haproxyMissing();

describe('run drives a real HAProxy (real 3-node Galera)', { skip: missing ?? false }, () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let hx: HaproxyProcess | undefined;
  let rt: RuntimeClient;
  let appPassword = '';

  const servers = async (be: string): Promise<ServerState[]> => rt.serversState(be);
  const ready = async (be: string): Promise<string[]> => (await servers(be)).filter((s) => s.admin === 'ready').map((s) => s.server).sort();
  /** One write through HAProxy's writer frontend on a new connection; resolves with the node that took it. */
  const writeOnce = async (seq: number): Promise<string> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: WRITER_PORT, user: 'app', password: appPassword, database: 'app', connectTimeout: 10_000 });
    try {
      await c.query('INSERT INTO app.hx (seq, node) VALUES (?, @@wsrep_node_name)', [seq]);
      const [rows] = await c.query('SELECT @@wsrep_node_name AS n');
      return (rows as { n: string }[])[0]!.n;
    } finally {
      c.destroy();
    }
  };
  /** Retries writeOnce until one succeeds on a node `ok` accepts. */
  const writeUntil = (what: string, seq: number, ok: (n: string) => boolean, timeoutMs: number): Promise<string> =>
    waitFor(what, timeoutMs, async () => {
      try {
        const n = await writeOnce(seq);
        return ok(n) ? n : undefined;
      } catch {
        return undefined;
      }
    }, 250);

  before(async () => {
    sb = await startSandbox(SLOT);
    appPassword = sb.password('app');
    await sb.sql(1, 'CREATE TABLE app.hx (id INT AUTO_INCREMENT PRIMARY KEY, seq INT, node VARCHAR(64))');
    const socket = path.join(sb.dir, 'hx.sock');
    const cfg = writeConfig(sb.configPath, `
[routing]
retryUp = 2
retryDown = 1
minHoldMs = 3000

[probe]
connectTimeoutMs = 400
timeoutMs = 500

[run]
intervalMs = 200
stateFile = "${path.join(sb.dir, 'warden-state.json')}"

[proxy]
enabled = false

[haproxy]
socket = "${socket}"
bind = "127.0.0.1"
writerPort = ${WRITER_PORT}
readerPort = ${READER_PORT}
checkInterMs = 1000
`, path.join(sb.dir, 'haproxy-e2e.toml'));
    const text = execFileSync(process.execPath, [CLI, 'haproxy', 'config', '--config', cfg], { encoding: 'utf8' });
    hx = await startHaproxy(() => text, { socket });
    rt = new RuntimeClient({ socket: { path: socket }, timeoutMs: 5000 });
    warden = startWarden(cfg);
    await waitFor('the warden to leave one writer ready in HAProxy', 90_000, async () => {
      const r = await ready('galera_writer').catch(() => []);
      return r.length === 1 ? r : undefined;
    }, 200);
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await hx?.stop();
    await stopSandbox(sb);
  });

  it('writes through the writer frontend land on the warden\'s writer', async () => {
    assert.deepEqual(await ready('galera_writer'), ['node1']);
    assert.deepEqual(await ready('galera_reader'), ['node1', 'node2', 'node3']);
    assert.equal(await writeUntil('a write through HAProxy', 1, () => true, 60_000), 'node1');
  });

  it('the writer is killed: writes land on the new writer, the old one is in maint; it returns and HAProxy does not move back', async () => {
    const killedAt = Date.now();
    sb!.kill(1);
    const node = await writeUntil('a write through HAProxy on a new writer', 2, (n) => n !== 'node1', 180_000);
    console.log(`# killed writer node1: first write through HAProxy on ${node} after ${Date.now() - killedAt} ms`);
    assert.deepEqual(await ready('galera_writer'), [node]);
    const old = (await servers('galera_writer')).find((s) => s.server === 'node1');
    assert.equal(old?.admin, 'maint');
    await sb!.start(1);
    await waitFor('node1 back in the reader backend', 240_000, async () => ((await ready('galera_reader')).includes('node1') ? true : undefined), 500);
    // node1 rejoins by a state transfer: its donor is desynced for a while and may hand the writer role to the
    // third node; what must not happen is the role moving back to node1
    const now = await ready('galera_writer');
    assert.equal(now.length, 1, `one writer ready: ${now.join(', ')}`);
    assert.notEqual(now[0], 'node1', 'HAProxy moved the writer back to node1');
    assert.equal((await servers('galera_writer')).find((s) => s.server === 'node1')?.admin, 'maint');
    const after = await writeUntil('a write after node1 returned', 3, () => true, 60_000);
    assert.notEqual(after, 'node1');
    // every write acknowledged after the kill is on a new writer, none on node1
    const survivors = (await sb!.sql(node === 'node2' ? 2 : 3, 'SET STATEMENT wsrep_sync_wait=1 FOR SELECT DISTINCT node FROM app.hx WHERE seq >= 2')).map((r) => r[0]);
    assert.ok(survivors.length > 0 && !survivors.includes('node1'), `writes after the kill on ${survivors.join(', ')}`);
  });
});
