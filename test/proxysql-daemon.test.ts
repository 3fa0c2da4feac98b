// Daemon mode: `galera-warden run` with [proxysql] enabled keeps ProxySQL's hostgroups in step with every tick
// (fake Galera nodes, the ProxySQL admin test server, one admin session kept open).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FakeProxySqlAdmin } from '../src/apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../src/apply/proxysql/testing/seed-example.js';
import { parseConfig } from '../src/config/load-config.js';
import { FakeGaleraServer } from '../src/observe/testing/fake-galera-server.js';
import { Daemon } from '../src/runtime/daemon.js';
import { createLogger } from '../src/runtime/logger.js';
import { waitFor } from './support/sandbox-fixture.js';

describe('run with ProxySQL as the router ([proxysql] section)', () => {
  let nodes: FakeGaleraServer[] = [];
  let admin: FakeProxySqlAdmin;
  let daemon: Daemon | undefined;
  // the decision state in this test's own folder, not the system-wide default
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-daemon-'));
  const online = (hg: number) => admin.table('runtime_mysql_servers').filter((r) => r.hostgroup_id === String(hg) && r.status === 'ONLINE').map((r) => Number(r.port)).sort();

  before(async () => {
    nodes = await Promise.all([0, 1, 2].map(() => FakeGaleraServer.start()));
    admin = await FakeProxySqlAdmin.start();
    seedExample(admin, { writer: 10, reader: 20 }, nodes.map((n) => ({ host: n.host, port: n.port })));
  });
  after(async () => {
    await daemon?.destroy();
    await admin.close();
    for (const n of nodes) await n.close();
    fs.rmSync(stateDir, { recursive: true, force: true });
  });

  it('applies each decision to the hostgroups, then leaves them alone while nothing changes', async () => {
    const config = await parseConfig(`
[cluster]
name = "c1"
[credentials]
user = "warden"
password = "x"
[routing]
retryUp = 0
retryDown = 0
minHoldMs = 0
[run]
intervalMs = 100
stateFile = "${path.join(stateDir, 'state.json')}"
[proxy]
enabled = false
[api]
enabled = false
[proxysql]
enabled = true
port = ${admin.port}
password = "admin"
hgW = 10
hgR = 20
${nodes.map((n, i) => `[[nodes]]\nname = "n${i + 1}"\nhost = "${n.host}"\nport = ${n.port}\nweight = ${100 - i}\n`).join('')}`, '/tmp/gw-daemon.toml');
    const sink = new Writable({ write: (_c, _e, done) => done() });
    daemon = new Daemon({ config, log: createLogger({ level: 'warn', format: 'json', destination: sink }) });
    await daemon.start();
    await waitFor('the writer in hostgroup 10', 30_000, () => (online(10).length === 1 ? true : undefined));
    assert.deepEqual(online(10), [nodes[0]!.port]);
    assert.deepEqual(online(20), nodes.map((n) => n.port).sort());
    const loads = () => admin.queries.filter((q) => q.startsWith('LOAD')).length;
    const before = loads();
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(loads(), before, 'no LOAD while nothing changes');
    assert.equal(admin.connections, 1, 'one admin session kept open');
    await daemon.shutdown();
    daemon = undefined;
  });

  it('rejects [proxysql] enabled without hostgroups or password', async () => {
    await assert.rejects(parseConfig('[cluster]\nname="c"\n[credentials]\nuser="u"\npassword="p"\n[[nodes]]\nname="a"\nhost="h"\n[proxysql]\nenabled=true\n', '/tmp/x.toml'),
      (e: Error) => /proxysql\.hgW: is required/.test(e.message) && /proxysql\.enabled: needs one of/.test(e.message));
  });
});
