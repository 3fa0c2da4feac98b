// The dead-man switch of a driven HAProxy ([haproxy] wardenCheck, on by default with [proxy]): its writer
// backend checks the driving galera-warden's `/writer/<node>`. Found by `galera-warden chaos` (bench, seed
// 20261201, round 4): a SIGKILLed instance's HAProxy kept the old writer ready; when that node took writes
// again (read_only healed) it wrote there while the other instance had moved the writer: split-brain writes.
// Here, with a real HAProxy and a real sandbox: the warden is killed, its HAProxy stops routing writes by
// itself (admin state still ready), and a restarted warden gets writes flowing again.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { RuntimeClient } from '../src/apply/haproxy/runtime-client.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { HaproxyProcess } from './support/haproxy-process.js';
import { haproxyMissing, startHaproxy } from './support/haproxy-process.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { CLI, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 21;
const BASE = 24800;
const PROXY = 24900;
const HX = 24910;

describe('a driven HAProxy stops routing writes when its warden dies (dead-man switch; real HAProxy, real Galera)', { skip: haproxyMissing() ?? false }, () => {
  let sb: Sandbox | undefined;
  let hx: HaproxyProcess | undefined;
  let warden: WardenProcess | undefined;
  let config = '';
  let socket = '';

  /** the node a new connection through HAProxy's writer frontend writes on, or the error */
  const writeThrough = async (): Promise<string> => {
    const c = await mysql.createConnection({ host: '127.0.0.1', port: HX, user: 'app', password: sb!.password('app'), connectTimeout: 2000 });
    try {
      const [rows] = await c.query('SELECT @@wsrep_node_name AS node, @@read_only AS ro');
      return String((rows as { node: string }[])[0]!.node);
    } finally {
      c.destroy();
    }
  };
  const refused = async (): Promise<string | undefined> => {
    try {
      await writeThrough();
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE });
    socket = path.join(sb.dir, 'haproxy.sock');
    config = writeConfig(sb.configPath, `
[routing]
retryUp = 1
retryDown = 1
minHoldMs = 0

[run]
intervalMs = 300
stateFile = "${path.join(sb.dir, 'state.json')}"

[proxy]
host = "127.0.0.1"
writerPort = ${PROXY}
readerPort = ${PROXY + 1}
healthPort = ${PROXY + 2}

[api]
host = "127.0.0.1"
port = ${PROXY + 3}

[haproxy]
socket = "${socket}"
bind = "127.0.0.1"
writerPort = ${HX}
readerPort = ${HX + 1}
checkInterMs = 500
`, path.join(sb.dir, 'warden.toml'));
    const text = execFileSync(process.execPath, [CLI, 'haproxy', 'config', '--config', config], { encoding: 'utf8' });
    assert.match(text, /check port \d+ addr 127\.0\.0\.1/, 'the generated writer backend checks the warden');
    hx = await startHaproxy(() => text, { socket });
    warden = startWarden(config);
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await hx?.stop();
    await stopSandbox(sb);
  });

  it('writes flow through HAProxy to the warden\'s writer; after SIGKILL of the warden none do, though the writer is still "ready"; a restarted warden brings them back', async () => {
    const first = await waitFor('the warden to route a writer', 60_000, async () => {
      const c = (await (await fetch(`http://127.0.0.1:${PROXY + 3}/api/cluster`)).json()) as { writers: string[] };
      return c.writers.length === 1 ? c.writers[0] : undefined;
    }, 300);
    await waitFor(`writes through HAProxy on ${first}`, 60_000, async () => ((await writeThrough().catch(() => '')) === first ? true : undefined), 300);
    await warden!.stop('SIGKILL');
    const why = await waitFor('HAProxy to stop routing writes by itself', 30_000, refused, 200);
    console.log(`# warden killed: HAProxy refuses (${why.split('\n')[0]})`);
    const rt = new RuntimeClient({ socket: { path: socket }, timeoutMs: 2000 });
    const servers = await rt.serversState('galera_writer');
    assert.equal(servers.find((s) => s.server === first)?.admin, 'ready', 'the warden left its writer ready: only the check stopped it');
    assert.ok(servers.every((s) => s.opState === 0), `every writer server DOWN by its check: ${servers.map((s) => `${s.server} op ${s.opState}`).join(', ')}`);
    warden = startWarden(config);
    assert.equal(await waitFor('writes through HAProxy again', 60_000, () => writeThrough().catch(() => undefined), 300), first);
  });
});
