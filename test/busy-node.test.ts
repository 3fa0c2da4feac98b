// A busy writer is not a dead one (real 3-node Galera, slot 10): node1's max_connections is filled by an account
// without SUPER and the one extra SUPER slot is taken too, so every new connection gets "Too many connections"
// (1040). `galera-warden run` with fencing `dead` and a long retryDown keeps node1 as writer, never evicts it,
// reports it as busy in /api/nodes and with a NODE_BUSY finding; once the connections are released node1 is
// healthy and still the writer. The warden's own kept session is killed while the server is full, so that its
// probes must open new connections whether or not the daemon honours `[probe] reuseConnection = false`.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Connection } from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 10;
const API_PORT = 30000 + 200 * SLOT + 103;
const AUTH = 'Basic ' + Buffer.from('admin:busy-test').toString('base64');
const FILLER_PASSWORD = 'filler-pw-7f3a';
const BOSS_PASSWORD = 'boss-pw-91c2';
const MAX_CONNECTIONS = 10;

interface Finding { code: string; node?: string; message: string; scope: string }
interface Cluster { writers: string[]; readers: string[]; epoch: number; findings: Finding[] }
interface NodeView {
  name: string;
  healthy: boolean;
  reasons: { code: string }[];
  observation: { at: number; status: unknown; error: { kind: string; label: string; errno: number | null; message: string } | null } | null;
}
interface Decision { seq: number; findings: Finding[] }

describe('a busy writer is not a dead one (real 3-node Galera, fencing dead)', () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let port = 0;
  let originalMax = '';
  const held: Connection[] = [];
  let pressure: Promise<void> | undefined;
  let pressing = false;
  const killed: number[] = [];

  const api = async (p: string) => fetch(`http://127.0.0.1:${API_PORT}${p}`, { headers: { authorization: AUTH } });
  const cluster = async (): Promise<Cluster> => (await (await api('/api/cluster')).json()) as Cluster;
  const node1 = async (): Promise<NodeView> => ((await (await api('/api/nodes')).json()) as NodeView[]).find((n) => n.name === 'node1')!;
  const decisions = async (): Promise<Decision[]> => (await (await api('/api/decisions?limit=500')).json()) as Decision[];
  const connect = (user: string, password: string) => mysql.createConnection({ host: '127.0.0.1', port, user, password, connectTimeout: 5000 });
  const isFull = (err: unknown) => (err as { errno?: number }).errno === 1040;

  /** Opens connections as `user` until the server says "Too many connections"; returns how many it opened. */
  const fill = async (user: string, password: string): Promise<number> => {
    for (let opened = 0; opened < 500; opened++) {
      try {
        held.push(await connect(user, password));
      } catch (err) {
        if (isFull(err)) return opened;
        throw err;
      }
    }
    throw new Error(`${user}: still no "Too many connections" after 500 connections`);
  };

  /** While pressing: kill the warden's sessions on node1 and take every slot that frees up again. */
  const press = async (boss: Connection): Promise<void> => {
    while (pressing) {
      const [rows] = await boss.query("SELECT id FROM information_schema.processlist WHERE user = 'warden'");
      for (const { id } of rows as { id: number }[]) {
        await boss.query(`KILL ${id}`).catch(() => undefined);
        killed.push(id);
      }
      await fill('bigboss', BOSS_PASSWORD).catch(() => 0);
      await new Promise((r) => setTimeout(r, 30));
    }
  };

  before(async () => {
    sb = await startSandbox(SLOT);
    port = sb.node(1).sqlPort;
    await sb.sql(1, [
      `CREATE USER 'filler'@'%' IDENTIFIED BY '${FILLER_PASSWORD}'`,
      "GRANT USAGE ON *.* TO 'filler'@'%'",
      `CREATE USER 'bigboss'@'%' IDENTIFIED BY '${BOSS_PASSWORD}'`,
      "GRANT ALL PRIVILEGES ON *.* TO 'bigboss'@'%'",
    ].join(';'));
    originalMax = (await sb.sql(1, 'SELECT @@max_connections'))[0]?.[0] ?? '151';
    const config = writeConfig(sb.configPath, `
[routing]
retryUp = 1
retryDown = 1000
minHoldMs = 0

[probe]
connectTimeoutMs = 1000
timeoutMs = 2000
reuseConnection = false

[run]
intervalMs = 250

[proxy]
host = "127.0.0.1"
writerPort = ${API_PORT + 1}
readerPort = ${API_PORT + 2}
healthPort = ${API_PORT + 3}

[api]
host = "127.0.0.1"
port = ${API_PORT}
user = "admin"
password = "busy-test"

[fencing]
mode = "dead"
windowMs = 1000
`, path.join(sb.dir, 'busy.toml'));
    warden = startWarden(config);
    await waitFor('the warden to elect node1', 30_000, async () => ((await cluster()).writers.join() === 'node1' ? true : undefined), 200);
  });

  after(async () => {
    pressing = false;
    await pressure?.catch(() => undefined);
    for (const c of held.splice(0)) c.destroy();
    if (sb && originalMax !== '') await sb.sql(1, `SET GLOBAL max_connections = ${originalMax}`).catch(() => undefined);
    await warden?.stop('SIGKILL');
    await stopSandbox(sb);
  });

  it('node1 full (non-SUPER account + the extra SUPER slot): the warden sees it busy, keeps it as writer and evicts nothing', async () => {
    await sb!.sql(1, `SET GLOBAL max_connections = ${MAX_CONNECTIONS}`);
    const plain = await fill('filler', FILLER_PASSWORD);
    const boss = await fill('bigboss', BOSS_PASSWORD);
    console.log(`# max_connections=${MAX_CONNECTIONS}: ${plain} connections without SUPER, then ${boss} SUPER connection(s) until 1040`);
    assert.ok(boss >= 1, 'the extra SUPER slot was not taken');
    await assert.rejects(connect('warden', sb!.password('warden')), (err) => isFull(err), 'a new connection of the warden account is still accepted');
    pressing = true;
    pressure = press(held.at(-1)!);

    // the observation of node1 shows busy on several ticks (distinct probe times)
    const busyAt = new Set<number>();
    await waitFor('node1 observed busy on 5 ticks', 60_000, async () => {
      const n = await node1();
      const e = n.observation?.error;
      if (e?.kind === 'busy') {
        assert.equal(e.label, 'busy: too many connections');
        assert.equal(e.errno, 1040);
        assert.match(e.message, /^node1 \(127\.0\.0\.1:\d+\): busy: too many connections during (connect|login)/);
        busyAt.add(n.observation!.at);
      }
      return busyAt.size >= 5 ? true : undefined;
    }, 100);
    const c = await cluster();
    assert.deepEqual(c.writers, ['node1'], 'the writer moved while node1 was only busy');
    assert.equal(c.epoch, 1);
    const history = (await decisions()).flatMap((d) => d.findings);
    assert.ok(history.some((f) => f.code === 'NODE_BUSY' && f.node === 'node1' && /busy: too many connections/.test(f.message)), 'no NODE_BUSY finding');
    assert.ok(history.some((f) => f.code === 'RETRY_DOWN_PENDING' && f.node === 'node1'));
    assert.equal(history.some((f) => f.code === 'FENCE_EVICTED' || f.code === 'FAILOVER'), false, JSON.stringify(history.filter((f) => /FENCE|FAILOVER/.test(f.code))));
    for (const i of [2, 3]) {
      const evicted = (await sb!.sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_evs_evict_list'"))[0]?.[1] ?? '';
      assert.equal(evicted, '', `node${i} has evicted ${evicted}`);
    }
    console.log(`# node1 busy on ${busyAt.size} observed ticks; warden sessions killed while full: ${killed.length}`);
  });

  it('released: node1 is healthy again and still the writer (epoch unchanged)', async () => {
    pressing = false;
    await pressure;
    for (const c of held.splice(0)) c.destroy();
    await sb!.sql(1, `SET GLOBAL max_connections = ${originalMax}`);
    await waitFor('node1 healthy again', 30_000, async () => {
      const n = await node1();
      return n.observation?.status && n.healthy && n.reasons.length === 0 ? true : undefined;
    }, 200);
    const c = await cluster();
    assert.deepEqual(c.writers, ['node1']);
    assert.equal(c.epoch, 1);
    assert.equal((await sb!.status()).find((r) => r.index === 1)?.clusterSize, 3, 'node1 left the cluster');
    assert.equal(await warden!.stop('SIGTERM'), 0);
  });
});
