import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AdminClient } from '../apply/proxysql/admin-client.js';
import { FakeProxySqlAdmin } from '../apply/proxysql/testing/fake-proxysql-admin.js';
import type { ClusterLockOptions, PeerAddress } from './proxysql-cluster-lock.js';
import { acquireClusterLock, lockMarker, markerExpiry, stripMarker } from './proxysql-cluster-lock.js';

const KEY = '10_100_101';

describe('ProxySQL-cluster lock in proxysql_servers', () => {
  let nodes: FakeProxySqlAdmin[] = [];
  const clients: AdminClient[] = [];
  /** generous timeouts (a loaded machine); short ones only where a peer is meant not to answer */
  const connect = async (p: PeerAddress, timeoutMs = 10_000) => {
    const c = await AdminClient.connect({ ...p, user: 'admin', password: 'admin', connectTimeoutMs: timeoutMs, queryTimeoutMs: timeoutMs });
    clients.push(c);
    return c;
  };
  const options = async (i: number, now = Date.now(), peerTimeoutMs = 10_000): Promise<ClusterLockOptions> => ({
    local: await connect({ host: '127.0.0.1', port: nodes[i]!.port }),
    self: { host: '127.0.0.1', port: nodes[i]!.port },
    key: KEY,
    timeoutMs: 600_000,
    connectPeer: (p) => connect(p, peerTimeoutMs),
    now: () => now,
  });

  before(async () => {
    nodes = await Promise.all([0, 1, 2].map(() => FakeProxySqlAdmin.start()));
  });
  after(async () => {
    for (const c of clients) c.destroy();
    for (const n of nodes) await n.close();
  });
  beforeEach(() => {
    for (const n of nodes) {
      n.mode = 'answer';
      n.exec('DELETE FROM proxysql_servers', ...nodes.map((p) => `INSERT INTO proxysql_servers (hostname,port,comment) VALUES ('127.0.0.1',${p.port},'proxysql ${p.port}')`), 'LOAD PROXYSQL SERVERS TO RUNTIME');
    }
  });

  it('the marker keeps the rest of the comment and is found again', () => {
    const c = `proxysql a ${lockMarker(KEY, 123)} ${lockMarker('other', 9)}`;
    assert.equal(markerExpiry(c, KEY), 123);
    assert.equal(stripMarker(c, KEY), `proxysql a ${lockMarker('other', 9)}`);
  });

  it('one node takes the lock; the others see it and do not act; the holder renews it', async () => {
    const a = await acquireClusterLock(await options(0));
    assert.equal(a.acquired, true);
    const row = nodes[0]!.table('proxysql_servers').find((r) => r.port === String(nodes[0]!.port))!;
    assert.match(row.comment!, /^proxysql \d+ #gw-lock\{key=10_100_101,expires=\d+\}$/);
    assert.equal(nodes[0]!.table('runtime_proxysql_servers')[0]!.comment!.includes('gw-lock'), false, 'never loaded to runtime');
    const b = await acquireClusterLock(await options(1));
    assert.equal(b.acquired, false);
    assert.equal(b.acquired === false && b.holder, `127.0.0.1:${nodes[0]!.port}`);
    const again = await acquireClusterLock(await options(0));
    assert.deepEqual(again.acquired && again.renewed, true);
  });

  it('an expired lock is taken over', async () => {
    await acquireClusterLock(await options(0));
    const later = await acquireClusterLock(await options(1, Date.now() + 700_000));
    assert.equal(later.acquired, true);
  });

  it('an unreachable peer is skipped', async () => {
    await acquireClusterLock(await options(0));
    nodes[0]!.mode = 'silent';
    const b = await acquireClusterLock(await options(1, Date.now(), 300));
    assert.equal(b.acquired, true);
    assert.deepEqual(b.skipped, [`127.0.0.1:${nodes[0]!.port}`]);
  });

  it('a node without its own row in proxysql_servers does not act', async () => {
    nodes[2]!.exec(`DELETE FROM proxysql_servers WHERE port=${nodes[2]!.port}`);
    const c = await acquireClusterLock(await options(2));
    assert.equal(c.acquired, false);
    assert.match(c.acquired === false ? c.reason : '', /has no row in its proxysql_servers/);
  });
});
