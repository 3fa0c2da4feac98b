// The admin test double against a real ProxySQL 2.7.1: the same statements, the same answers (rows as strings,
// errno 1045 for SQL errors and a wrong password, only the first of several statements, no prepared statements,
// OFFLINE_HARD rows purged from the runtime, quoting by doubled quotes, utf8mb3 text). Then the shared router
// contract and the ProxySQL-cluster lock run against the real binary (the double runs them in src/).
// Slot 12: real instances on admin ports 32550..32559.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { ProxySqlAdapter } from '../src/apply/proxysql/adapter.js';
import { AdminClient } from '../src/apply/proxysql/admin-client.js';
import type { AdminClientOptions } from '../src/apply/proxysql/admin-client.js';
import { hostgroups } from '../src/apply/proxysql/servers.js';
import { routerContract } from '../src/apply/router-contract.js';
import { acquireClusterLock } from '../src/coordinate/proxysql-cluster-lock.js';
import type { PeerAddress } from '../src/coordinate/proxysql-cluster-lock.js';
import type { DesiredRouting } from '../src/model/decision.js';
import { RealProxySql, skipRealProxySql } from './support/proxysql-real.js';
import type { ProxySqlTarget } from './support/proxysql-targets.js';
import { seed, startTarget } from './support/proxysql-targets.js';

type Answer = { rows?: unknown; error?: { errno: number; message: string }; insertId?: number };

async function ask(port: number, sql: string, o: { multi?: boolean; password?: string; prepare?: boolean } = {}): Promise<Answer> {
  let c: mysql.Connection | undefined;
  try {
    c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'admin', password: o.password ?? 'admin', multipleStatements: o.multi ?? false });
    if (o.prepare) {
      await c.prepare(sql);
      return { rows: 'prepared' };
    }
    const [r] = await c.query(sql);
    if (Array.isArray(r)) return { rows: r };
    return { insertId: (r as mysql.ResultSetHeader).insertId };
  } catch (err) {
    const e = err as { errno?: number; message: string };
    return { error: { errno: e.errno ?? -1, message: e.message.replace(/'@'[^']*'/, "'@'HOST'") } };
  } finally {
    c?.destroy();
  }
}

describe('admin interface: the double answers as ProxySQL 2.7.1 does', { skip: skipRealProxySql }, () => {
  let real: ProxySqlTarget;
  let double: ProxySqlTarget;
  before(async () => {
    [real, double] = await Promise.all([startTarget('real', { adminPort: 32552 }), startTarget('double', { adminPort: 0 })]);
  });
  after(async () => {
    await real?.close();
    await double?.close();
  });

  const same = async (sql: string, o: Parameters<typeof ask>[2] = {}): Promise<Answer> => {
    const [r, d] = [await ask(real.port, sql, o), await ask(double.port, sql, o)];
    assert.deepEqual(d, r, `double vs real for: ${sql}`);
    return r;
  };

  it('rows, values as strings, inserts, quoting by doubled quotes, backslash no escape', async () => {
    await same("INSERT INTO mysql_servers (hostgroup_id,hostname,port,weight,comment) VALUES (8100,'10.0.0.1',3306,900,'it''s a\\b')");
    const r = await same("SELECT hostgroup_id,hostname,port,status,weight,max_connections,comment FROM mysql_servers WHERE hostgroup_id=8100");
    assert.deepEqual(r.rows, [{ hostgroup_id: '8100', hostname: '10.0.0.1', port: '3306', status: 'ONLINE', weight: '900', max_connections: '1000', comment: "it's a\\b" }]);
    await same('BEGIN');
    await same('COMMIT');
  });

  it('SQL errors and a wrong password are errno 1045 (told apart by the message)', async () => {
    const dup = await same("INSERT INTO mysql_servers (hostgroup_id,hostname,port) VALUES (8100,'10.0.0.1',3306)");
    assert.equal(dup.error?.errno, 1045);
    assert.match(dup.error?.message ?? '', /^ProxySQL Admin Error: UNIQUE constraint failed/);
    const bad = await same('SELECT nope FROM mysql_servers');
    assert.match(bad.error?.message ?? '', /^ProxySQL Admin Error: /);
    const auth = await same('SELECT 1', { password: 'wrong' });
    assert.equal(auth.error?.errno, 1045);
    assert.match(auth.error?.message ?? '', /Access denied/);
  });

  it('only the first of several statements runs; no prepared statements', async () => {
    await same("DELETE FROM mysql_servers WHERE hostgroup_id=8101; INSERT INTO mysql_servers (hostgroup_id,hostname,port) VALUES (8101,'10.0.0.9',1)", { multi: true });
    await same('SELECT hostname FROM mysql_servers WHERE hostgroup_id=8101');
    const p = await same('SELECT hostname FROM mysql_servers', { prepare: true });
    assert.equal(p.error?.errno, 1045);
  });

  it('rows loaded OFFLINE_HARD are purged from runtime_mysql_servers; OFFLINE_SOFT stays', async () => {
    for (const t of [real, double]) {
      await t.sql("INSERT INTO mysql_servers (hostgroup_id,hostname,port,status) VALUES (100,'10.0.0.1',3306,'OFFLINE_HARD')",
        "INSERT INTO mysql_servers (hostgroup_id,hostname,port,status) VALUES (100,'10.0.0.2',3306,'OFFLINE_SOFT')", 'LOAD MYSQL SERVERS TO RUNTIME');
    }
    const r = await same('SELECT hostgroup_id,hostname,port,status FROM runtime_mysql_servers WHERE hostgroup_id=100');
    assert.deepEqual(r.rows, [{ hostgroup_id: '100', hostname: '10.0.0.2', port: '3306', status: 'OFFLINE_SOFT' }]);
    await same('SELECT hostgroup_id,hostname,port,status FROM mysql_servers WHERE hostgroup_id=100 ORDER BY hostname');
  });

  it('a 4-byte character comes back as replacement characters (utf8mb3)', async () => {
    await same("INSERT INTO mysql_servers (hostgroup_id,hostname,port,comment) VALUES (8101,'10.0.0.3',1,'a\u{1F600}b')");
    const r = await same("SELECT comment FROM mysql_servers WHERE hostname='10.0.0.3'");
    assert.notEqual((r.rows as { comment: string }[])[0]!.comment, 'a\u{1F600}b');
  });
});

// the shared router contract against the real ProxySQL (the double runs it in src/apply/proxysql/)
if (skipRealProxySql) {
  describe('router contract: real ProxySQL', { skip: skipRealProxySql }, () => undefined);
} else {
  routerContract('real ProxySQL 2.7.1', async () => {
    const t = await startTarget('real', { adminPort: 32550 });
    await seed(t, { writer: 100, reader: 101 });
    let failAt = 0;
    const connect = async (o: AdminClientOptions): Promise<AdminClient> => {
      const c = await AdminClient.connect(o);
      const query = c.query.bind(c);
      // the client fails part-way (as a dropped admin session would): the n-th write statement of an apply
      let writes = 0;
      c.query = async (sql: string) => {
        if (failAt > 0 && /^(INSERT|UPDATE|DELETE)/.test(sql) && ++writes === failAt) {
          failAt = 0;
          throw Object.assign(new Error('admin session dropped (test)'), { code: 'E_PROXYSQL_CONNECT' });
        }
        return query(sql);
      };
      return c;
    };
    const adapter = new ProxySqlAdapter({ admin: { host: t.host, port: t.port, user: 'admin', password: 'admin' }, groups: hostgroups(100, 101), saveToDisk: true, connect });
    const nodes = ['192.168.4.22', '192.168.4.23', '192.168.4.233'].map((h) => ({ name: `${h}:3306`, host: h, port: 3306 }));
    return {
      adapter,
      nodes,
      actual: async () => ({ writers: await t.online(100), readers: await t.online(101) }),
      breakNextApply: (d: DesiredRouting) => {
        failAt = 2;
        return d;
      },
      close: async () => {
        await adapter.destroy();
        await t.close();
      },
    };
  });
}

describe('ProxySQL-cluster lock on three real ProxySQL nodes', { skip: skipRealProxySql }, () => {
  const KEY = '10_100_101';
  let nodes: RealProxySql[] = [];
  const clients: AdminClient[] = [];
  const connect = async (p: PeerAddress) => {
    const c = await AdminClient.connect({ ...p, user: 'admin', password: 'admin', connectTimeoutMs: 1000, queryTimeoutMs: 1000 });
    clients.push(c);
    return c;
  };
  const options = async (i: number, now = Date.now()) => ({
    local: await connect({ host: '127.0.0.1', port: nodes[i]!.adminPort }),
    self: { host: '127.0.0.1', port: nodes[i]!.adminPort },
    key: KEY, timeoutMs: 600_000, connectPeer: connect, now: () => now,
  });
  before(async () => {
    nodes = await Promise.all([32554, 32556, 32558].map((p) => RealProxySql.start({ adminPort: p, mysqlPort: p + 1 })));
    for (const n of nodes) await n.sql(...nodes.map((p) => `INSERT INTO proxysql_servers (hostname,port,comment) VALUES ('127.0.0.1',${p.adminPort},'proxysql ${p.adminPort}')`), 'LOAD PROXYSQL SERVERS TO RUNTIME');
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it('one node takes the lock (memory layer only), the others see it and do not act, an expired lock is taken over', async () => {
    const a = await acquireClusterLock(await options(0));
    assert.equal(a.acquired, true);
    const mem = await nodes[0]!.sql(`SELECT comment FROM proxysql_servers WHERE port=${nodes[0]!.adminPort}`);
    assert.match(mem[0]!.comment!, /^proxysql \d+ #gw-lock\{key=10_100_101,expires=\d+\}$/);
    const rt = await nodes[0]!.sql(`SELECT comment FROM runtime_proxysql_servers WHERE port=${nodes[0]!.adminPort}`);
    assert.ok(!rt[0]!.comment!.includes('gw-lock'), 'never loaded to runtime');
    const b = await acquireClusterLock(await options(1));
    assert.equal(b.acquired === false && b.holder, `127.0.0.1:${nodes[0]!.adminPort}`);
    const renewed = await acquireClusterLock(await options(0));
    assert.deepEqual(renewed.acquired && renewed.renewed, true);
    const later = await acquireClusterLock(await options(2, Date.now() + 700_000));
    assert.equal(later.acquired, true);
  });

  it('a frozen peer (SIGSTOP: accepts TCP, never answers) is skipped', async () => {
    for (const n of nodes) await n.sql(`UPDATE proxysql_servers SET comment='proxysql'`);
    await acquireClusterLock(await options(0));
    nodes[0]!.signal('SIGSTOP');
    try {
      const b = await acquireClusterLock(await options(1));
      assert.equal(b.acquired, true);
      assert.deepEqual(b.skipped, [`127.0.0.1:${nodes[0]!.adminPort}`]);
    } finally {
      nodes[0]!.signal('SIGCONT');
    }
  });
});
