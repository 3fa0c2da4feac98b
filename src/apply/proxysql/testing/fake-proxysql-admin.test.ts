import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { ProxySqlError} from '../admin-client.js';
import { AdminClient, quote } from '../admin-client.js';
import { FakeProxySqlAdmin } from './fake-proxysql-admin.js';

describe('FakeProxySqlAdmin (ProxySQL admin behaviour)', () => {
  let admin: FakeProxySqlAdmin;
  let client: AdminClient;
  before(async () => {
    admin = await FakeProxySqlAdmin.start();
    client = await AdminClient.connect({ host: admin.host, port: admin.port, user: 'admin', password: 'admin' });
  });
  after(async () => {
    await client.close();
    await admin.close();
  });

  it('keeps memory, runtime and disk apart: LOAD ... TO RUNTIME and SAVE ... TO DISK copy layers', async () => {
    await client.query("INSERT INTO mysql_servers (hostgroup_id,hostname,port,weight) VALUES (100,'10.0.0.1',3306,1000)");
    assert.deepEqual(await client.query('SELECT * FROM runtime_mysql_servers'), []);
    await client.query('LOAD MYSQL SERVERS TO RUNTIME');
    const rt = await client.query('SELECT hostgroup_id, hostname, port, status, weight, max_connections FROM runtime_mysql_servers');
    // every value comes back as a string
    assert.deepEqual(rt, [{ hostgroup_id: '100', hostname: '10.0.0.1', port: '3306', status: 'ONLINE', weight: '1000', max_connections: '1000' }]);
    assert.equal(admin.table('disk.mysql_servers').length, 0);
    await client.query('SAVE MYSQL SERVERS TO DISK');
    assert.equal(admin.table('disk.mysql_servers').length, 1);
    await client.query('DELETE FROM mysql_servers');
    await client.query('SAVE MYSQL SERVERS TO MEMORY'); // runtime -> memory
    assert.equal(admin.table('mysql_servers').length, 1);
  });

  it('answers SQL errors with errno 1045 and the "ProxySQL Admin Error" prefix', async () => {
    await assert.rejects(client.query("INSERT INTO mysql_servers (hostgroup_id,hostname,port) VALUES (100,'10.0.0.1',3306)"),
      (e: ProxySqlError) => e.code === 'E_PROXYSQL_SQL' && /UNIQUE constraint failed/.test(e.message));
    await assert.rejects(client.query('SELEKT 1'), (e: ProxySqlError) => e.code === 'E_PROXYSQL_SQL' && /syntax error/.test(e.message));
    await assert.rejects(client.query("UPDATE mysql_servers SET status='BROKEN'"), (e: ProxySqlError) => /CHECK constraint failed/.test(e.message));
  });

  it('runs only the first of several statements and drops the rest silently', async () => {
    await client.query("UPDATE mysql_servers SET comment='first' WHERE hostgroup_id=100; UPDATE mysql_servers SET comment='second' WHERE hostgroup_id=100");
    assert.equal(admin.table('mysql_servers')[0]!.comment, 'first');
  });

  it('treats backslash as a plain character; doubled quotes are the only escape', async () => {
    const odd = "it's a \\'test\\";
    await client.query(`UPDATE mysql_servers SET comment=${quote(odd)} WHERE hostgroup_id=100`);
    const rows = await client.query('SELECT comment FROM mysql_servers');
    assert.equal(rows[0]!.comment, odd);
  });

  it('accepts BEGIN/ROLLBACK and ignores them: there are no transactions', async () => {
    await client.query('BEGIN');
    await client.query("UPDATE mysql_servers SET weight=5 WHERE hostgroup_id=100");
    await client.query('ROLLBACK');
    assert.equal(admin.table('mysql_servers')[0]!.weight, '5');
  });

  it('refuses prepared statements', async () => {
    const conn = await mysql.createConnection({ host: admin.host, port: admin.port, user: 'admin', password: 'admin' });
    try {
      // what a real ProxySQL Admin answers to COM_STMT_PREPARE (sysown/proxysql#2907)
      await assert.rejects(conn.execute('SELECT * FROM mysql_servers WHERE hostgroup_id = ?', [100]), (err: { errno?: number; message: string }) => {
        assert.equal(err.errno, 1045);
        assert.equal(err.message, 'Command not supported');
        return true;
      });
    } finally {
      conn.destroy();
    }
  });

  it('tells a wrong password (1045 Access denied) from an SQL error, and reports a locked database (1205)', async () => {
    await assert.rejects(AdminClient.connect({ host: admin.host, port: admin.port, user: 'admin', password: 'nope' }),
      (e: ProxySqlError) => e.code === 'E_PROXYSQL_AUTH');
    admin.lockDatabase(/^UPDATE/);
    await assert.rejects(client.query('UPDATE mysql_servers SET weight=6'), (e: ProxySqlError) => e.code === 'E_PROXYSQL_LOCKED');
    await client.query('UPDATE mysql_servers SET weight=6');
  });

  it('answers LOAD with OK even when the load does not take: only a read-back tells', async () => {
    admin.loadIgnored = true;
    await client.query('UPDATE mysql_servers SET weight=7');
    await client.query('LOAD MYSQL SERVERS TO RUNTIME');
    assert.notEqual((await client.query('SELECT weight FROM runtime_mysql_servers'))[0]!.weight, '7');
    admin.loadIgnored = false;
  });

  it('supports the scheduler and proxysql_servers tables with their defaults', async () => {
    await client.query("INSERT INTO scheduler (interval_ms,filename,arg1) VALUES (2000,'/usr/bin/galera-warden','scheduler')");
    await client.query("INSERT INTO proxysql_servers (hostname) VALUES ('10.0.0.9')");
    assert.deepEqual((await client.query('SELECT id, active FROM scheduler')), [{ id: '1', active: '1' }]);
    assert.deepEqual((await client.query("SELECT port, weight FROM proxysql_servers WHERE comment LIKE ''")), [{ port: '6032', weight: '0' }]);
  });

  it('a wedged admin (login works, no statement is answered) times out by the deadline', async () => {
    admin.mode = 'wedged';
    try {
      const c = await AdminClient.connect({ host: admin.host, port: admin.port, user: 'admin', password: 'admin', queryTimeoutMs: 5000, deadline: Date.now() + 300 });
      const started = Date.now();
      await assert.rejects(c.query('SELECT 1'), (e: ProxySqlError) => e.code === 'E_PROXYSQL_TIMEOUT');
      assert.ok(Date.now() - started < 1000);
    } finally {
      admin.mode = 'answer';
    }
  });
});
