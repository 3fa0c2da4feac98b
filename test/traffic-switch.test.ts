// Switchboard's traffic switch shared through the Galera-table writer record, end to end: two `galera-warden
// run` instances (built-in proxy each) against a real 3-node sandbox. PATCH /v0/cluster trafficEnabled=false on
// instance a: instance b's proxy severs its open client connection and refuses new ones, and b's /v0/cluster
// shows a's message; PATCH true on b: both route writes again, to the same writer as before. Maintenance set
// through a holds on b, and on b again after b restarts without its state file. The record table starts in the
// shape an earlier build made (without the traffic switch's who/when columns): the store adds them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { coordinatedInstanceToml, startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 18;
const BASE_PORT = 28600;
/** instance a: 28700-28703, instance b: 28710-28713 (writer, reader, health, api) */
const PORTS = { a: 28700, b: 28710 } as const;
type Name = keyof typeof PORTS;
const AUTH = `Basic ${Buffer.from('ops:pw-traffic-1').toString('base64')}`;

interface SwitchView {
  activeBackend: { name: string } | null;
  trafficEnabled: boolean;
  message: string;
  lastUpdated: string;
  updatedBy: string;
  scope: string;
}

describe('traffic switch through the shared writer record (two instances, real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  const wardens: Partial<Record<Name, WardenProcess>> = {};
  const configs: Partial<Record<Name, string>> = {};
  const stateFile = (n: Name) => path.join(sb!.dir, `state-${n}.json`);
  let appPassword = '';
  let writer = '';

  const api = async (n: Name, p: string, init: RequestInit = {}) => fetch(`http://127.0.0.1:${PORTS[n] + 3}${p}`, { ...init, headers: { authorization: AUTH, ...init.headers } });
  const json = async <T>(n: Name, p: string): Promise<T> => (await (await api(n, p)).json()) as T;
  const connect = (n: Name) => mysql.createConnection({ host: '127.0.0.1', port: PORTS[n], user: 'app', password: appPassword, database: 'app', connectTimeout: 10_000 });
  /** a new connection through instance n: the node that took an insert, or the error */
  const insertVia = async (n: Name): Promise<string> => {
    const c = await connect(n);
    try {
      await c.query('INSERT INTO app.traffic (via) VALUES (?)', [n]);
      const [rows] = await c.query('SELECT @@wsrep_node_name AS n');
      return (rows as { n: string }[])[0]!.n;
    } finally {
      c.destroy();
    }
  };
  const refused = async (n: Name): Promise<string | undefined> => {
    try {
      await insertVia(n);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const bothRouteTo = (what: string) =>
    waitFor(what, 120_000, async () => {
      const [a, b] = await Promise.all([insertVia('a'), insertVia('b')]);
      return a === b ? a : undefined;
    }, 300);

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT });
    appPassword = sb.password('app');
    for (const n of ['a', 'b'] as const) {
      configs[n] = writeConfig(sb.configPath, coordinatedInstanceToml({ instanceId: n, port: PORTS[n], stateFile: stateFile(n), apiAuth: { user: 'ops', password: 'pw-traffic-1' } }), path.join(sb.dir, `warden-${n}.toml`));
    }
    // the record table as an earlier build made it (no traffic_set_by / traffic_set_at): the store adds the columns
    await sb.sql(1, 'CREATE DATABASE IF NOT EXISTS galera_warden');
    await sb.sql(1, `CREATE TABLE galera_warden.writer_record (cluster VARCHAR(128) NOT NULL PRIMARY KEY, epoch BIGINT UNSIGNED NOT NULL, writers TEXT NOT NULL,
      set_by VARCHAR(255) NOT NULL, set_at BIGINT NOT NULL, maintenance TEXT NOT NULL, traffic_enabled TINYINT NOT NULL DEFAULT 1, message TEXT NOT NULL) ENGINE=InnoDB`);
    wardens.a = startWarden(configs.a!);
    wardens.b = startWarden(configs.b!);
    await sb.sql(1, 'CREATE TABLE IF NOT EXISTS app.traffic (id INT AUTO_INCREMENT PRIMARY KEY, via VARCHAR(8))');
    writer = await bothRouteTo('both proxies to route writes to one node');
  });

  after(async () => {
    for (const w of Object.values(wardens)) await w?.stop('SIGKILL');
    await stopSandbox(sb);
  });

  it('PATCH trafficEnabled=false needs the credentials and a message', async () => {
    assert.equal((await api('a', '/v0/cluster?trafficEnabled=false&message=x', { method: 'PATCH', headers: { authorization: '' } })).status, 401);
    const noMessage = await api('a', '/v0/cluster?trafficEnabled=false', { method: 'PATCH' });
    assert.equal(noMessage.status, 400);
    assert.match(((await noMessage.json()) as { message: string }).message, /message must not be empty/);
    assert.equal((await api('a', '/v0/cluster?trafficEnabled=maybe', { method: 'PATCH' })).status, 400);
    assert.equal((await json<SwitchView>('b', '/v0/cluster')).trafficEnabled, true, 'nothing was changed');
  });

  it('traffic off on instance a: instance b severs its open connection, refuses new ones, and shows a\'s message', async () => {
    const open = await connect('b');
    open.on('error', () => undefined);
    try {
      await open.query('INSERT INTO app.traffic (via) VALUES (?)', ['b-open']);
      const res = await api('a', '/v0/cluster?trafficEnabled=false&message=restore%20from%20backup', { method: 'PATCH' });
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as SwitchView;
      assert.deepEqual([body.trafficEnabled, body.message, body.scope], [false, 'restore from backup', 'record']);
      const why = await waitFor('a new connection through b to fail', 60_000, () => refused('b'), 200);
      console.log(`# through b after traffic off on a: ${why}`);
      await assert.rejects(open.query('INSERT INTO app.traffic (via) VALUES (?)', ['b-open-after']), 'the open connection through b was severed');
      assert.ok(await refused('a'), 'a refuses too');
      const onB = await json<SwitchView>('b', '/v0/cluster');
      assert.deepEqual([onB.trafficEnabled, onB.message, onB.activeBackend], [false, 'restore from backup', null]);
      assert.match(onB.updatedBy, /^ops@127\.0\.0\.1 via a$/);
      assert.notEqual(onB.lastUpdated, '0001-01-01T00:00:00Z');
      const ready = await fetch(`http://127.0.0.1:${PORTS.b + 2}/ready`);
      assert.equal(ready.status, 503);
      assert.equal(((await ready.json()) as { reason: string }).reason, 'traffic disabled');
      const rows = await sb!.sql(1, "SELECT traffic_enabled, message, writers, traffic_set_by FROM galera_warden.writer_record");
      assert.deepEqual([rows[0]![0], rows[0]![1], JSON.parse(rows[0]![2]!)], ['0', 'restore from backup', [writer]], 'the record keeps its writer');
      assert.equal(rows[0]![3], 'ops@127.0.0.1 via a', 'the who/when columns were added to the table of an earlier build');
    } finally {
      open.destroy();
    }
  });

  it('traffic on through instance b: both route writes again, to the same writer', async () => {
    const res = await api('b', '/v0/cluster?trafficEnabled=true', { method: 'PATCH' });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(await bothRouteTo('both proxies to route writes again'), writer);
    const onA = await json<SwitchView>('a', '/v0/cluster');
    assert.deepEqual([onA.trafficEnabled, onA.activeBackend?.name, onA.updatedBy], [true, writer, 'ops@127.0.0.1 via b']);
  });

  it('maintenance set through instance a holds on b, and on b after b restarts without its state file', async () => {
    const marked = sb!.layout.nodes.map((n) => n.name).find((n) => n !== writer)!;
    const res = await api('a', `/api/nodes/${marked}/maintenance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ on: true }) });
    assert.equal(res.status, 202, await res.text());
    await waitFor(`${marked} in maintenance on b`, 60_000, async () => {
      const c = await json<{ maintenance: string[]; readers: string[] }>('b', '/api/cluster');
      return c.maintenance.includes(marked) && !c.readers.includes(marked) ? true : undefined;
    }, 300);
    await wardens.b!.stop('SIGTERM');
    fs.rmSync(stateFile('b'), { force: true });
    wardens.b = startWarden(configs.b!);
    const after = await waitFor('b to decide after its restart', 60_000, async () => {
      try {
        const c = await json<{ maintenance: string[]; readers: string[]; writers: string[] }>('b', '/api/cluster');
        return c.writers.length > 0 ? c : undefined;
      } catch {
        return undefined;
      }
    }, 300);
    assert.deepEqual(after.maintenance, [marked]);
    assert.ok(!after.readers.includes(marked), `${marked} takes no reads on b`);
    assert.deepEqual(after.writers, [writer]);
  });
});
