import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { routing } from '../router-contract.js';
import { ProxySqlAdapter } from './adapter.js';
import type { ProxySqlAdapterOptions } from './adapter.js';
import { hostgroups } from './servers.js';
import { FakeProxySqlAdmin } from './testing/fake-proxysql-admin.js';
import { EXAMPLE_HOSTS, seedExample } from './testing/seed-example.js';

const nodes = EXAMPLE_HOSTS.map((h) => ({ name: `${h}:3306`, host: h, port: 3306 }));
const [A, B, C] = nodes.map((n) => n.name) as [string, string, string];

describe('ProxySqlAdapter failure handling', () => {
  let admin: FakeProxySqlAdmin;
  const make = (over: Partial<ProxySqlAdapterOptions> = {}) => new ProxySqlAdapter({
    admin: { host: admin.host, port: admin.port, user: 'admin', password: 'admin' }, groups: hostgroups(100, 101), ...over,
  });
  const writers = () => admin.table('runtime_mysql_servers').filter((r) => r.hostgroup_id === '100').map((r) => `${r.hostname}:${r.port}`);

  before(async () => {
    admin = await FakeProxySqlAdmin.start();
  });
  after(async () => {
    await admin.close();
  });
  beforeEach(() => {
    admin.mode = 'answer';
    admin.loadIgnored = false;
    admin.faults.length = 0;
    seedExample(admin, { writer: 100, reader: 101 });
  });

  it('a LOAD that does not take is caught by reading the runtime back (E_PROXYSQL_VERIFY)', async () => {
    const a = make();
    admin.loadIgnored = true;
    const out = await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }));
    assert.equal(out.ok, false);
    assert.equal(out.error?.code, 'E_PROXYSQL_VERIFY');
    assert.match(out.error.message, /runtime_mysql_servers differs from what was loaded in \d+ row\(s\): hg 100: /);
    admin.loadIgnored = false;
    const again = await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }));
    assert.deepEqual([again.ok, again.changed], [true, true], 'memory already matches: the next apply only loads');
    assert.deepEqual(again.actions[0], 'load the configured mysql_servers to runtime');
    await a.close();
  });

  it('a wedged admin: the apply ends by applyTimeoutMs with E_PROXYSQL_TIMEOUT and changes nothing', async () => {
    const a = make({ applyTimeoutMs: 300 });
    const before = writers();
    admin.mode = 'wedged';
    const started = Date.now();
    const out = await a.apply(routing(nodes, { writers: [B], readers: [A, B, C] }));
    assert.ok(Date.now() - started < 10_000, 'ended by its own timer, not hung');
    assert.equal(out.error?.code, 'E_PROXYSQL_TIMEOUT');
    assert.match(out.error.message, new RegExp(`127\\.0\\.0\\.1:${admin.port}`));
    admin.mode = 'answer';
    assert.deepEqual(writers(), before);
    await a.destroy();
  });

  it('a wrong password is E_PROXYSQL_AUTH; a kept-alive session reconnects after a failure', async () => {
    const bad = new ProxySqlAdapter({ admin: { host: admin.host, port: admin.port, user: 'admin', password: 'nope' }, groups: hostgroups(100, 101) });
    assert.equal((await bad.apply(routing(nodes, { writers: [A], readers: [A] }))).error?.code, 'E_PROXYSQL_AUTH');
    const a = make({ keepAlive: true });
    assert.equal((await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }))).ok, true);
    const connections = admin.connections;
    admin.lockDatabase(/^SELECT/);
    assert.equal((await a.apply(routing(nodes, { writers: [B], readers: [A, B, C] }))).error?.code, 'E_PROXYSQL_LOCKED');
    const out = await a.apply(routing(nodes, { writers: [B], readers: [A, B, C] }));
    assert.equal(out.ok, true, out.error?.message);
    assert.equal(admin.connections, connections + 1, 'one new session after the failure');
    assert.deepEqual(writers(), [B]);
    await a.close();
  });

  it('saves to disk only when configured, and uses text statements only', async () => {
    const a = make({ saveToDisk: true });
    await a.apply(routing(nodes, { writers: [C], readers: [A, B, C] }));
    assert.deepEqual(admin.table('disk.mysql_servers').filter((r) => r.hostgroup_id === '100').map((r) => r.hostname), ['192.168.4.233']);
    assert.ok(admin.queries.every((q) => !q.includes(';')), 'one statement per call');
    await a.close();
  });

  it('a silent admin (accepts TCP, never greets: a SIGSTOPped ProxySQL) is E_PROXYSQL_TIMEOUT, not a connect error', async () => {
    admin.mode = 'silent';
    const a = make({ admin: { host: admin.host, port: admin.port, user: 'admin', password: 'admin', connectTimeoutMs: 300 } });
    const out = await a.apply(routing(nodes, { writers: [B], readers: [A, B, C] }));
    assert.equal(out.error?.code, 'E_PROXYSQL_TIMEOUT', out.error?.message);
    assert.match(out.error.message, new RegExp(`127\\.0\\.0\\.1:${admin.port}`));
    await a.destroy();
  });

  it('currentWriters() names the nodes ONLINE in hgW (configured names when given); snapshot() lists the parked ones', async () => {
    const a = make({ nodes: nodes.map((n, i) => ({ ...n, name: `db${i + 1}` })) });
    assert.equal((await a.apply(routing(nodes, { writers: [B], readers: [A, B], maintenance: [C] }))).ok, true);
    assert.deepEqual(await a.currentWriters(), ['db2']);
    assert.deepEqual(await a.snapshot(), { writers: ['db2'], parked: ['db3'], empty: false });
    admin.mode = 'silent';
    const b = make({ admin: { host: admin.host, port: admin.port, user: 'admin', password: 'admin', connectTimeoutMs: 200 } });
    assert.equal(await b.currentWriters(), null, 'cannot tell: null');
    await a.destroy();
    await b.destroy();
  });

  it('a template comment with a 4-byte character: the apply works, the managed rows leave it out, a warning names the row', async () => {
    admin.exec("UPDATE mysql_servers SET comment='main \u{1F600} writer' WHERE hostgroup_id=8100 AND hostname='192.168.4.22'", 'LOAD MYSQL SERVERS TO RUNTIME');
    const warnings: string[] = [];
    const a = make({ warn: (m) => warnings.push(m) });
    const out = await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }));
    assert.equal(out.ok, true, out.error?.message);
    assert.equal(admin.table('runtime_mysql_servers').find((r) => r.hostgroup_id === '100')!.comment, 'main  writer');
    assert.ok(warnings.some((w) => /hg 8100 192\.168\.4\.22:3306: the comment holds a 4-byte character/.test(w)), warnings.join('\n'));
    const again = await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }));
    assert.equal(again.changed, false, 'stable: no rewrite on the next apply');
    await a.destroy();
  });

  it('warns about ProxySQL\'s own monitors over the same hostgroups and about query retries', async () => {
    admin.exec('INSERT INTO global_variables (variable_name,variable_value) VALUES (\'mysql-query_retries_on_failure\',\'1\')', 'LOAD MYSQL VARIABLES TO RUNTIME',
      'INSERT INTO mysql_replication_hostgroups (writer_hostgroup,reader_hostgroup) VALUES (100,101)', 'LOAD MYSQL SERVERS TO RUNTIME');
    const warnings: string[] = [];
    const a = make({ warn: (m) => warnings.push(m) });
    await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }));
    assert.ok(warnings.some((w) => /mysql_replication_hostgroups row \(writer_hostgroup=100, reader_hostgroup=101\) covers/.test(w)), warnings.join('\n'));
    assert.ok(warnings.some((w) => /mysql-query_retries_on_failure=1/.test(w)));
    admin.exec('DELETE FROM mysql_replication_hostgroups', 'DELETE FROM global_variables WHERE variable_name=\'mysql-query_retries_on_failure\'', 'LOAD MYSQL SERVERS TO RUNTIME', 'LOAD MYSQL VARIABLES TO RUNTIME');
    await a.destroy();
  });

  it('the monitor check started early (a scheduler run, while it probes) is the one the first apply reports, read once', async () => {
    admin.exec('INSERT INTO global_variables (variable_name,variable_value) VALUES (\'mysql-query_retries_on_failure\',\'1\')', 'LOAD MYSQL VARIABLES TO RUNTIME');
    const warnings: string[] = [];
    const a = make({ warn: (m) => warnings.push(m) });
    const reads = () => admin.queries.filter((q) => /mysql-query_retries_on_failure/.test(q)).length;
    const before = reads();
    a.prefetchMonitorCheck();
    a.prefetchMonitorCheck();
    for (let i = 0; reads() === before && i < 2000; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(reads() - before, 1, 'the early check reads before any apply');
    // fixed after the early read: the apply still reports what the early check saw (it does not read again)
    admin.exec('DELETE FROM global_variables WHERE variable_name=\'mysql-query_retries_on_failure\'', 'LOAD MYSQL VARIABLES TO RUNTIME');
    await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }));
    await a.apply(routing(nodes, { writers: [A], readers: [A, B, C] }));
    assert.equal(reads() - before, 1, 'read once, by the early check');
    assert.equal(warnings.filter((w) => /mysql-query_retries_on_failure=1/.test(w)).length, 1, warnings.join('\n'));
    await a.destroy();
  });
});
