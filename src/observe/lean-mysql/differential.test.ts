// The lean MySQL client beside mysql2, the same statements with the same options as the probe's session
// (src/observe/mysql-session.ts) and ProxySQL's admin client (src/apply/proxysql/admin-client.ts), against the
// project's fake Galera node and fake ProxySQL admin: the same rows, the same errors (message, code, errno,
// sqlState, fatal), for logins refused, refused and silent ports, statements refused and connections killed.
// Ports 22100-22119 (the helper's range).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2';
import type { Connection, ConnectionOptions } from 'mysql2';
import { FakeProxySqlAdmin } from '../../apply/proxysql/testing/fake-proxysql-admin.js';
import { SQL_MEMBERS, SQL_STATUS, SQL_TABLE_ACCESS, SQL_VARIABLES } from '../status-queries.js';
import { FakeGaleraServer } from '../testing/fake-galera-server.js';
import lean from './connection.js';

const GALERA_PORT = 22100;
const ADMIN_PORT = 22101;
const NOBODY_PORT = 22102;

type Create = (o: ConnectionOptions) => Connection;
const clients: [string, Create][] = [['mysql2', mysql.createConnection], ['lean', lean.createConnection]];

interface Outcome {
  rows?: unknown;
  error?: Record<string, unknown>;
}

const errorFields = (e: unknown): Record<string, unknown> => {
  const x = e as Record<string, unknown>;
  return { message: x.message, code: x.code, errno: x.errno, sqlState: x.sqlState, sqlMessage: x.sqlMessage, fatal: x.fatal };
};

/** the probe session's options (a socket of its own, handed in) */
function sessionOptions(port: number, password: string | undefined, connectTimeout = 2000): ConnectionOptions {
  return {
    host: '127.0.0.1', port, user: 'warden', password: password ?? 'pw', connectTimeout,
    stream: () => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.setNoDelay(true);
      s.on('error', () => undefined);
      return s;
    },
    connectAttributes: { program_name: 'galera-warden' }, maxPreparedStatements: 1, multipleStatements: false,
    supportBigNumbers: true, bigNumberStrings: true, dateStrings: true,
  };
}

/** the admin client's options */
const adminOptions = (password = 'admin', port = ADMIN_PORT): ConnectionOptions => ({
  host: '127.0.0.1', port, user: 'admin', password, connectTimeout: 2000, multipleStatements: false, supportBigNumbers: true, dateStrings: true, maxPreparedStatements: 1,
});

function login(conn: Connection): Promise<Outcome> {
  return new Promise((resolve) => {
    conn.on('error', () => undefined);
    conn.connect((err) => resolve(err ? { error: errorFields(err) } : {}));
  });
}

function run(conn: Connection, q: string | { sql: string; rowsAsArray: boolean }): Promise<Outcome> {
  return new Promise((resolve) => {
    conn.query(q as string, (err: unknown, rows: unknown) => {
      if (err) resolve({ error: errorFields(err) });
      else resolve({ rows: Array.isArray(rows) ? rows : 'not rows' });
    });
  });
}

/** the same script through both clients: every outcome side by side */
async function both(options: () => ConnectionOptions, script: (conn: Connection) => Promise<Outcome[]>): Promise<Outcome[][]> {
  const out: Outcome[][] = [];
  for (const [, create] of clients) {
    const conn = create(options());
    try {
      out.push(await script(conn));
    } finally {
      conn.destroy();
    }
  }
  return out;
}

describe('lean MySQL client against mysql2', () => {
  let galera: FakeGaleraServer;
  let admin: FakeProxySqlAdmin;
  before(async () => {
    galera = await FakeGaleraServer.start({ password: 'pw', slaveStatus: { Slave_IO_State: 'Waiting', Master_Host: 'node1', Seconds_Behind_Master: null } }, GALERA_PORT);
    admin = await FakeProxySqlAdmin.start({ port: ADMIN_PORT });
  });
  after(async () => {
    await galera.close();
    await admin.close();
  });

  it('answers the probe statements alike (rows as arrays and as objects, refused statements)', async () => {
    const [a, b] = await both(() => sessionOptions(GALERA_PORT, 'pw'), async (c) => [
      await login(c),
      await run(c, { sql: SQL_STATUS, rowsAsArray: true }),
      await run(c, { sql: SQL_VARIABLES, rowsAsArray: true }),
      await run(c, { sql: SQL_TABLE_ACCESS, rowsAsArray: true }),
      await run(c, { sql: SQL_MEMBERS, rowsAsArray: true }),
      await run(c, { sql: 'SELECT @@global.read_only, @@global.gtid_current_pos', rowsAsArray: true }),
      await run(c, { sql: 'SHOW SLAVE STATUS', rowsAsArray: false }),
      await run(c, { sql: 'SELECT nonsense', rowsAsArray: true }),
      await run(c, { sql: SQL_STATUS, rowsAsArray: false }),
    ]);
    assert.deepEqual(b, a);
    assert.equal((a![1]!.rows as unknown[]).length > 5, true);
    assert.equal(a![3]!.error?.code, 'ER_TABLEACCESS_DENIED_ERROR');
  });

  it('fails a login alike: wrong password, nothing listening, a silent server, a server closing at once', async () => {
    const [a, b] = await both(() => sessionOptions(GALERA_PORT, 'wrong'), async (c) => [await login(c)]);
    assert.deepEqual(b, a);
    assert.equal(a![0]!.error?.errno, 1045);
    const [c1, c2] = await both(() => sessionOptions(NOBODY_PORT, 'pw'), async (c) => [await login(c)]);
    assert.deepEqual(c2, c1);
    assert.equal(c1![0]!.error?.code, 'ECONNREFUSED');
    const [d1, d2] = await both(() => adminOptions('admin', NOBODY_PORT), async (c) => [await login(c)]);
    assert.deepEqual(d2, d1);
    galera.state.mode = 'silent';
    const [e1, e2] = await both(() => sessionOptions(GALERA_PORT, 'pw', 300), async (c) => [await login(c)]);
    assert.deepEqual(e2, e1);
    assert.equal(e1![0]!.error?.code, 'ETIMEDOUT');
    galera.state.mode = 'close';
    const [f1, f2] = await both(() => sessionOptions(GALERA_PORT, 'pw'), async (c) => [await login(c)]);
    assert.deepEqual(f2, f1);
    galera.state.mode = 'answer';
  });

  it('fails a statement alike when the server kills the connection, and every statement after it', async () => {
    const [a, b] = await both(() => sessionOptions(GALERA_PORT, 'pw'), async (c) => {
      const out = [await login(c)];
      galera.dropNextStatement();
      out.push(await run(c, { sql: SQL_STATUS, rowsAsArray: true }));
      out.push(await run(c, { sql: SQL_STATUS, rowsAsArray: true }));
      return out;
    });
    assert.deepEqual(b, a);
    assert.equal(a![1]!.error?.fatal, true);
  });

  it('answers the admin statements alike: reads, writes, LOAD, refused statements, wrong password', async () => {
    const script = async (c: Connection): Promise<Outcome[]> => [
      await login(c),
      await run(c, "SELECT variable_value FROM runtime_global_variables WHERE variable_name='mysql-query_retries_on_failure'"),
      await run(c, "INSERT INTO mysql_servers (hostgroup_id,hostname,port,weight,comment) VALUES (100,'127.0.0.1',3306,1000,'x')"),
      await run(c, 'SELECT hostgroup_id,hostname,port,gtid_port,status,weight,compression,max_connections,max_replication_lag,use_ssl,max_latency_ms,comment FROM mysql_servers'),
      await run(c, 'LOAD MYSQL SERVERS TO RUNTIME'),
      await run(c, 'SELECT hostgroup_id,hostname,port,status,weight FROM runtime_mysql_servers'),
      await run(c, 'DELETE FROM mysql_servers'),
      await run(c, 'SELECT * FROM no_such_table'),
    ];
    const [a, b] = await both(() => adminOptions(), script);
    assert.deepEqual(b, a);
    assert.equal((a![3]!.rows as unknown[]).length, 1);
    const [c1, c2] = await both(() => adminOptions('wrong'), async (c) => [await login(c)]);
    assert.deepEqual(c2, c1);
    assert.equal(c1![0]!.error?.errno, 1045);
  });

  it('escapes as mysql2 does', () => {
    for (const v of ['plain', "it's", 'back\\slash', 'nul\0', '\n\r\x1a"', 42, null, true, ['a', 1]]) assert.equal(lean.escape(v), mysql.escape(v));
  });

  it('hands a connection with options it does not handle to mysql2, queued statements included', async () => {
    const conn = lean.createConnection({ ...adminOptions(), typeCast: true });
    conn.on('error', () => undefined);
    const queued = run(conn, 'SELECT 1 FROM runtime_mysql_servers');
    const first = await login(conn);
    assert.deepEqual(first, {});
    assert.deepEqual(await queued, await (async () => {
      const m = mysql.createConnection(adminOptions());
      try {
        await login(m);
        return await run(m, 'SELECT 1 FROM runtime_mysql_servers');
      } finally {
        m.destroy();
      }
    })());
    await new Promise<void>((resolve) => conn.end(() => resolve()));
    conn.destroy();
  });
});
