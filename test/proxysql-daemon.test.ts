// Daemon mode: `galera-warden run` with [proxysql] enabled keeps ProxySQL's hostgroups in step with every tick
// (fake Galera nodes; a real ProxySQL 2.7.1 when the binary is there, and the admin test double; one admin
// session kept open). With clustered = true two wardens, one per ProxySQL node, take the ProxySQL-cluster lock of
// scheduler mode: only one writes. A mysql_galera_hostgroups row over the warden's hostgroups is warned about.
// Real instances: slot 13, admin ports 32754..32757.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { parseConfig } from '../src/config/load-config.js';
import { FakeGaleraServer } from '../src/observe/testing/fake-galera-server.js';
import { Daemon } from '../src/runtime/daemon.js';
import { createLogger } from '../src/runtime/logger.js';
import { waitFor } from './support/sandbox-fixture.js';
import type { ProxySqlTarget } from './support/proxysql-targets.js';
import { TARGETS, seed, skipFor, startTarget } from './support/proxysql-targets.js';

// each daemon keeps its decision state in a folder of this test's own (never the system-wide default)
const stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxysql-daemon-'));
let stateFiles = 0;
const configText = (port: number, nodes: FakeGaleraServer[], extra = '') => `
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
stateFile = "${path.join(stateRoot, `state-${++stateFiles}.json`)}"
[proxy]
enabled = false
[api]
enabled = false
[proxysql]
enabled = true
port = ${port}
password = "admin"
hgW = 10
hgR = 20
${extra}
${nodes.map((n, i) => `[[nodes]]\nname = "n${i + 1}"\nhost = "${n.host}"\nport = ${n.port}\nweight = ${100 - i}\n`).join('')}`;

function capture(): { lines: string[]; sink: Writable } {
  const lines: string[] = [];
  return { lines, sink: new Writable({ write: (c, _e, done) => { lines.push(String(c)); done(); } }) };
}

for (const kind of TARGETS) {
  describe(`run with ProxySQL as the router ([proxysql] section, ${kind === 'real' ? 'real ProxySQL' : 'admin test double'})`, skipFor(kind), () => {
    let nodes: FakeGaleraServer[] = [];
    let admin: ProxySqlTarget;
    let other: ProxySqlTarget | undefined;
    const daemons: Daemon[] = [];

    before(async () => {
      nodes = await Promise.all([0, 1, 2].map(() => FakeGaleraServer.start()));
      admin = await startTarget(kind, { adminPort: 32754 });
      await seed(admin, { writer: 10, reader: 20 }, nodes.map((n) => ({ host: n.host, port: n.port })));
    });
    after(async () => {
      for (const d of daemons) await d.destroy();
      await admin?.close();
      await other?.close();
      for (const n of nodes) await n.close();
    });

    it('applies each decision to the hostgroups, then leaves them alone while nothing changes; warns about ProxySQL\'s own Galera monitor', async () => {
      await admin.sql('INSERT INTO mysql_galera_hostgroups (writer_hostgroup,backup_writer_hostgroup,reader_hostgroup,offline_hostgroup,active) VALUES (10,12,20,13,0)', 'LOAD MYSQL SERVERS TO RUNTIME');
      const config = await parseConfig(configText(admin.port, nodes), '/tmp/gw-daemon.toml');
      const out = capture();
      const daemon = new Daemon({ config, log: createLogger({ level: 'warn', format: 'json', destination: out.sink }) });
      daemons.push(daemon);
      await daemon.start();
      const first = `127.0.0.1:${nodes[0]!.port}`;
      await waitFor('the writer alone in hostgroup 10', 30_000, async () => ((await admin.online(10)).join() === first ? true : undefined));
      assert.deepEqual(await admin.online(20), nodes.map((n) => `127.0.0.1:${n.port}`).sort());
      const loads = await admin.loads();
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(await admin.loads(), loads, 'no LOAD while nothing changes');
      if (admin.double) assert.equal(admin.double.connections, 1, 'one admin session kept open');
      assert.ok(out.lines.some((l) => /mysql_galera_hostgroups row \(writer_hostgroup=10, .*\) covers galera-warden's hostgroups/.test(l)), out.lines.join(''));
      await daemon.shutdown();
      await admin.sql('DELETE FROM mysql_galera_hostgroups', 'LOAD MYSQL SERVERS TO RUNTIME');
    });

    it('clustered = true: two wardens on two ProxySQL nodes, only the ProxySQL-cluster lock holder writes', async () => {
      other = await startTarget(kind, { adminPort: 32756 });
      await seed(other, { writer: 10, reader: 20 }, nodes.map((n) => ({ host: n.host, port: n.port })));
      for (const a of [admin, other]) {
        await a.sql('DELETE FROM proxysql_servers', ...[admin, other].map((p) => `INSERT INTO proxysql_servers (hostname,port,comment) VALUES ('127.0.0.1',${p.port},'proxysql')`), 'LOAD PROXYSQL SERVERS TO RUNTIME');
      }
      const out = capture();
      const start = async (t: ProxySqlTarget) => {
        const d = new Daemon({ config: await parseConfig(configText(t.port, nodes, 'clustered = true\nclusterId = 10'), '/tmp/gw-daemon.toml'), log: createLogger({ level: 'warn', format: 'json', destination: out.sink }) });
        daemons.push(d);
        await d.start();
        return d;
      };
      const before = await other.managed();
      const otherLoads = await other.loads();
      const a = await start(admin);
      await waitFor('the first warden holds the lock', 30_000, async () => ((await admin.sql(`SELECT comment FROM proxysql_servers WHERE port=${admin.port}`))[0]?.comment?.includes('#gw-lock{key=10_10_20') ? true : undefined));
      const b = await start(other);
      await waitFor('the second warden says it stands by', 30_000, () => (out.lines.some((l) => l.includes(`holds the cluster lock 10_10_20`)) ? true : undefined));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(await other.managed(), before, 'the standby warden changed nothing');
      assert.equal(await other.loads(), otherLoads);
      await b.shutdown();
      await a.shutdown();
    });
  });
}

describe('run with [proxysql]: config checks', () => {
  it('rejects [proxysql] enabled without hostgroups or password', async () => {
    await assert.rejects(parseConfig('[cluster]\nname="c"\n[credentials]\nuser="u"\npassword="p"\n[[nodes]]\nname="a"\nhost="h"\n[proxysql]\nenabled=true\n', '/tmp/x.toml'),
      (e: Error) => /proxysql\.hgW: is required/.test(e.message) && /proxysql\.enabled: needs one of/.test(e.message));
  });
});

after(() => fs.rmSync(stateRoot, { recursive: true, force: true }));
