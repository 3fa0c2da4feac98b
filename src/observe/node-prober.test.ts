import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { Secret } from '../config/secret.js';
import { NodeProber, probeNode } from './node-prober.js';
import { ClusterProber, probeCluster } from './probe-cluster.js';
import type { ProbeOptions } from './probe-options.js';
import { SQL_REPLICATION_VARIABLES, SQL_SLAVE_STATUS } from './read-replication-status.js';
import { SQL_MEMBERS, SQL_STATUS, SQL_TABLE_ACCESS, SQL_VARIABLES } from './status-queries.js';
import type { FakeGaleraState } from './testing/fake-galera-server.js';
import { ERR_WSREP_NOT_READY, FakeGaleraServer } from './testing/fake-galera-server.js';
import { monotonicMs } from '../model/monotonic.js';

const PASSWORD = 'pr0be-Secret';
const options: ProbeOptions = { user: 'warden', password: new Secret(PASSWORD), connectTimeoutMs: 1000, timeoutMs: 1500 };

const fakes: FakeGaleraServer[] = [];
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
});

async function fake(state: Partial<FakeGaleraState> = {}): Promise<FakeGaleraServer> {
  const f = await FakeGaleraServer.start({ password: PASSWORD, ...state });
  fakes.push(f);
  return f;
}

const spec = (f: { host: string; port: number }, name = 'db1') => ({ name, host: f.host, port: f.port, weight: 1000 });

/** A port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('probeNode against a fake Galera server', () => {
  it('reads a healthy node with four text statements, nothing prepared', async () => {
    const f = await fake();
    const obs = await probeNode(spec(f), options);
    assert.equal(obs.error, undefined, obs.error?.message);
    assert.equal(obs.node, 'db1');
    assert.equal(obs.port, f.port);
    assert.ok(obs.latencyMs >= 0);
    const s = obs.status!;
    assert.equal(s.localState, 4);
    assert.equal(s.clusterStatus, 'Primary');
    assert.equal(s.rejectQueries, 'NONE');
    assert.equal(s.pxcMaintMode, 'DISABLED');
    assert.deepEqual(s.tableAccess, { ok: true }, 'error 1142 means the wsrep gate let the statement through');
    assert.deepEqual(s.members, [{ uuid: 'a1a1a1a1-0000-11f1-8000-000000000001', name: 'node1', address: '127.0.0.1:3306' }]);
    assert.deepEqual(f.queries, [SQL_STATUS, SQL_VARIABLES, SQL_TABLE_ACCESS, SQL_MEMBERS]);
  });

  it('a node refusing table access (1047) has tableAccess.ok false and no members read', async () => {
    const f = await fake({ tableAccessError: ERR_WSREP_NOT_READY });
    f.state.variables.wsrep_reject_queries = 'ALL';
    const s = (await probeNode(spec(f), options)).status!;
    assert.deepEqual(s.tableAccess, { ok: false, errno: 1047, message: ERR_WSREP_NOT_READY.message });
    assert.equal(s.rejectQueries, 'ALL');
    assert.equal(s.members, undefined);
    assert.ok(!f.queries.includes(SQL_MEMBERS));
  });

  it('PXC: pxc_maint_mode is read, a missing members table is no error', async () => {
    const f = await fake({ members: { errno: 1146, message: "Table 'mysql.wsrep_cluster_members' doesn't exist" } });
    f.state.variables.pxc_maint_mode = 'MAINTENANCE';
    const obs = await probeNode(spec(f), options);
    assert.equal(obs.error, undefined);
    assert.equal(obs.status!.pxcMaintMode, 'MAINTENANCE');
    assert.equal(obs.status!.members, undefined);
  });

  it('wrong password -> auth, and the message never holds the password', async () => {
    const f = await fake({ password: 'another-one' });
    const obs = await probeNode(spec(f), options);
    assert.equal(obs.status, undefined);
    assert.equal(obs.error?.kind, 'auth');
    assert.equal(obs.error?.errno, 1045);
    assert.match(obs.error.message, new RegExp(`^db1 \\(127\\.0\\.0\\.1:${f.port}\\): login rejected during login: Access denied`));
    assert.ok(!JSON.stringify(obs).includes(PASSWORD));
  });

  it('TLS asked of a server without TLS -> tls', async () => {
    const f = await fake();
    const obs = await probeNode(spec(f), { ...options, tls: { verifyCertificate: true, verifyIdentity: true } });
    assert.equal(obs.error?.kind, 'tls');
    assert.equal(obs.error?.code, 'HANDSHAKE_NO_SSL_SUPPORT');
  });

  it('a server without Galera reads as wsrep off, not as a failure', async () => {
    const f = await fake({ status: {}, variables: { read_only: 'OFF', version: '8.0.36' } });
    const obs = await probeNode(spec(f), options);
    assert.equal(obs.error, undefined);
    assert.equal(obs.status?.wsrepOn, false);
    assert.equal(obs.status?.members, undefined, 'no members read without wsrep status');
  });

  it('nothing listening -> refused', async () => {
    const port = await closedPort();
    const obs = await probeNode({ name: 'gone', host: '127.0.0.1', port, weight: 1 }, options);
    assert.equal(obs.error?.kind, 'refused');
    assert.equal(obs.error?.code, 'ECONNREFUSED');
    assert.match(obs.error.message, new RegExp(`^gone \\(127\\.0\\.0\\.1:${port}\\): connection refused during connect`));
  });

  it('accepts TCP, closes at once -> protocol, during login', async () => {
    const f = await fake({ mode: 'close' });
    const obs = await probeNode(spec(f), options);
    assert.ok(obs.error?.kind === 'protocol' || obs.error?.kind === 'unreachable', JSON.stringify(obs.error));
    assert.match(obs.error.message, /during login/);
  });

  it('accepts TCP, never answers (frozen) -> timeout from connectTimeout', async () => {
    const f = await fake({ mode: 'silent' });
    const started = Date.now();
    const obs = await probeNode(spec(f), { ...options, connectTimeoutMs: 300, timeoutMs: 30_000 });
    const took = Date.now() - started;
    assert.equal(obs.error?.kind, 'timeout');
    assert.match(obs.error.message, /during login/);
    assert.notEqual(obs.error.code, 'PROBE_DEADLINE', 'ended by connectTimeout, not by the overall deadline');
    assert.ok(took >= 290, `took ${took} ms`);
  });

  it('frozen, with a long connectTimeout -> the overall deadline ends it', async () => {
    const f = await fake({ mode: 'silent' });
    const started = Date.now();
    const obs = await probeNode(spec(f), { ...options, connectTimeoutMs: 5000, timeoutMs: 300 });
    const took = Date.now() - started;
    // the code and message say which timer ended it (the deadline, not the 5 s connectTimeout)
    assert.deepEqual(obs.error, { kind: 'timeout', code: 'PROBE_DEADLINE', message: `db1 (127.0.0.1:${f.port}): no answer within 300 ms (stuck in login)` });
    assert.ok(took >= 290, `took ${took} ms`);
  });

  it('hangs on a query -> timeout naming the query, and the socket is destroyed', async () => {
    const f = await fake({ hangOn: /^SHOW GLOBAL VARIABLES/ });
    const obs = await probeNode(spec(f), { ...options, timeoutMs: 300 });
    assert.equal(obs.error?.kind, 'timeout');
    assert.match(obs.error.message, /stuck in variables query/);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(f.openConnections, 0, 'the probe left no connection behind');
  });

  it('the deadline counts from the tick that started it: a probe started after its tick\'s timeout has passed times out', async () => {
    const f = await fake({ hangOn: /^SHOW GLOBAL VARIABLES/ });
    const obs = await probeNode(spec(f), { ...options, timeoutMs: 60_000 }, monotonicMs() - 60_000);
    assert.equal(obs.error?.kind, 'timeout');
    // the same probe counted from now has all its time left: a healthy node answers
    const healthy = await fake();
    assert.equal((await probeNode(spec(healthy), { ...options, timeoutMs: 60_000 }, monotonicMs())).error, undefined);
  });
});

describe('NodeProber with reuseConnection', () => {
  it('keeps one connection across probes', async () => {
    const f = await fake();
    const p = new NodeProber(spec(f), { ...options, reuseConnection: true });
    for (let i = 0; i < 3; i++) assert.equal((await p.probe()).error, undefined);
    assert.equal(f.connections, 1);
    p.close();
  });

  it('shares a probe between concurrent callers', async () => {
    const f = await fake({ answerDelayMs: 20 });
    const p = new NodeProber(spec(f), options);
    const [a, b] = await Promise.all([p.probe(), p.probe()]);
    assert.equal(a, b);
    assert.equal(f.connections, 1);
  });

  it('reconnects within the same probe when the kept connection dies under it', async () => {
    const f = await fake();
    const p = new NodeProber(spec(f), { ...options, reuseConnection: true });
    assert.equal((await p.probe()).error, undefined);
    f.dropNextStatement();
    const obs = await p.probe();
    assert.equal(obs.error, undefined, obs.error?.message);
    assert.equal(f.connections, 2);
    p.close();
  });

  it('a fresh probe says goodbye: no connection stays open', async () => {
    const f = await fake();
    assert.equal((await probeNode(spec(f), options)).error, undefined);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(f.openConnections, 0);
    assert.equal(f.quits, 1, 'COM_QUIT reached the server (no "aborted connection" in its log)');
  });

  it('destroy() ends a running probe at once', async () => {
    const f = await fake({ hangOn: /^SHOW GLOBAL STATUS/ });
    const p = new NodeProber(spec(f), { ...options, timeoutMs: 120_000 });
    const started = Date.now();
    const running = p.probe();
    await new Promise((r) => setTimeout(r, 100));
    p.destroy();
    const obs = await running;
    // far below the probe's own 120 s deadline: destroy() ended it, however busy the machine
    assert.ok(Date.now() - started < 60_000);
    assert.ok(obs.error !== undefined);
    assert.notEqual(obs.error.code, 'PROBE_DEADLINE');
  });
});

describe('probeCluster / ClusterProber', () => {
  it('probes all nodes; a silent one ends by its deadline; results in configured order', async () => {
    const good = await fake();
    const frozen = await fake({ mode: 'silent' });
    const port = await closedPort();
    const nodes = [spec(good, 'a'), spec(frozen, 'b'), { name: 'c', host: '127.0.0.1', port, weight: 1 }];
    const started = Date.now();
    // a deadline a loaded machine meets for the healthy fake; the silent one ends only by it ('timeout')
    const tick = await probeCluster(nodes, { ...options, connectTimeoutMs: 5000, timeoutMs: 3000 });
    console.log(`# probeCluster with one silent node (deadline 3000 ms): ${Date.now() - started} ms`);
    assert.deepEqual(tick.nodes.map((n) => [n.node, n.error?.kind ?? 'ok']), [['a', 'ok'], ['b', 'timeout'], ['c', 'refused']]);
    const cp = new ClusterProber(nodes.slice(0, 1), { ...options, reuseConnection: true });
    await cp.tick();
    await cp.tick();
    assert.equal(good.connections, 2, 'one for probeCluster, one kept by the ClusterProber');
    cp.destroy();
  });
});

describe('probeNode with replication: true ([cluster] topology = "replication")', () => {
  it('reads read_only, the GTID position and SHOW SLAVE STATUS after the usual statements; a primary has no master', async () => {
    const f = await fake();
    const s = (await probeNode(spec(f), { ...options, replication: true })).status!;
    assert.deepEqual(s.replication, { readOnly: false, ioRunning: '', sqlRunning: '', secondsBehindMaster: null, gtidPosition: '0-1-42', master: null, lastError: '' });
    assert.deepEqual(f.queries.slice(-2), [SQL_REPLICATION_VARIABLES, SQL_SLAVE_STATUS]);
  });

  it('a replica: its master, threads and lag', async () => {
    const f = await fake({
      slaveStatus: { Master_Host: '10.0.0.1', Master_Port: '3306', Slave_IO_Running: 'Yes', Slave_SQL_Running: 'No', Seconds_Behind_Master: null, Last_IO_Error: '', Last_SQL_Error: 'Duplicate entry' },
    });
    f.state.variables.read_only = 'ON';
    const r = (await probeNode(spec(f), { ...options, replication: true })).status!.replication!;
    assert.deepEqual(r, { readOnly: true, ioRunning: 'Yes', sqlRunning: 'No', secondsBehindMaster: null, gtidPosition: '0-1-42', master: { host: '10.0.0.1', port: 3306 }, lastError: 'Duplicate entry' });
  });

  it('without replication: true nothing more is asked (Galera topology unchanged)', async () => {
    const f = await fake();
    const s = (await probeNode(spec(f), options)).status!;
    assert.equal(s.replication, undefined);
    assert.ok(!f.queries.includes(SQL_SLAVE_STATUS));
  });

  it('a replication query that hangs ends by the deadline as a timeout in the "replication query" phase', async () => {
    const f = await fake({ hangOn: /SHOW SLAVE STATUS/ });
    const obs = await probeNode(spec(f), { ...options, replication: true });
    assert.equal(obs.error?.kind, 'timeout');
    assert.match(obs.error?.message ?? '', /replication query/);
  });
});

describe('ClusterProber.watchSessions (a kept session the server ends is a data-path signal)', () => {
  it('tells the sink at once when the node ends the kept session, and the next probe reads the node as it is', async () => {
    const f = await fake();
    const heard: string[] = [];
    const cp = new ClusterProber([spec(f, 'n1')], { ...options, reuseConnection: true });
    cp.watchSessions((node, reset) => heard.push(`${node} ${reset ? 'reset' : 'closed'}`));
    assert.equal((await cp.tick()).nodes[0]!.error, undefined);
    const signalled = new Promise<void>((resolve) => {
      const poll = () => (heard.length > 0 ? resolve() : setTimeout(poll, 5));
      poll();
    });
    await f.close(); // the process dies: its sockets close, its port refuses
    await signalled;
    assert.deepEqual(heard, ['n1 closed']);
    assert.equal((await cp.tick()).nodes[0]!.error?.kind, 'refused', 'the probe, not the signal, says what the node is');
    assert.deepEqual(heard, ['n1 closed'], 'a failed probe is an observation, not another signal');
    cp.destroy();
  });

  it('says nothing when the warden itself closes or destroys the session, nor without reuseConnection', async () => {
    const f = await fake();
    const heard: string[] = [];
    const kept = new ClusterProber([spec(f, 'n1')], { ...options, reuseConnection: true });
    const fresh = new ClusterProber([spec(f, 'n2')], options);
    const destroyed = new ClusterProber([spec(f, 'n3')], { ...options, reuseConnection: true });
    for (const cp of [kept, fresh, destroyed]) {
      cp.watchSessions((node) => heard.push(node));
      await cp.tick();
    }
    kept.close();
    destroyed.destroy();
    while (f.openConnections > 0) await new Promise((r) => setTimeout(r, 5));
    const unwatched = new ClusterProber([spec(f, 'n4')], { ...options, reuseConnection: true });
    unwatched.watchSessions((node) => heard.push(node))();
    await unwatched.tick();
    await f.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(heard, []);
    unwatched.destroy();
  });
});

describe('NodeProber.lend (the kept session lent between probes, e.g. for an evict statement)', () => {
  it('lends the kept session once, gets it back, and the next probe reuses it; nothing without a kept session', async () => {
    const f = await fake();
    const cp = new ClusterProber([spec(f, 'n1')], { ...options, reuseConnection: true });
    assert.equal(cp.lend('n1'), undefined, 'no probe yet: nothing kept');
    await cp.tick();
    const lent = cp.lend('n1')!;
    assert.ok(lent);
    assert.equal(cp.lend('n1'), undefined, 'lent to one borrower at a time');
    await lent.session.query(SQL_STATUS);
    lent.release(true);
    assert.equal((await cp.tick()).nodes[0]!.error, undefined);
    assert.equal(f.connections, 1, 'one session throughout');
    const dropped = cp.lend('n1')!;
    dropped.release(false);
    assert.equal((await cp.tick()).nodes[0]!.error, undefined);
    assert.equal(f.connections, 2, 'a dropped session is replaced by the next probe');
    const fresh = new ClusterProber([spec(f, 'n2')], options);
    await fresh.tick();
    assert.equal(fresh.lend('n2'), undefined, 'without reuseConnection nothing is kept');
    cp.destroy();
  });
});

describe('probeNode: a node that accepts a connection and ends it before the login', () => {
  /** a TCP server that resets every connection it accepts; `stopAfterFirst`: and stops listening after the first (a process exiting) */
  async function resetting(stopAfterFirst: boolean): Promise<{ port: number; accepted: () => number; close(): Promise<void> }> {
    let n = 0;
    const srv = net.createServer((c) => {
      n++;
      c.on('error', () => undefined);
      c.resetAndDestroy();
      if (stopAfterFirst) srv.close();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { port: (srv.address() as net.AddressInfo).port, accepted: () => n, close: () => new Promise<void>((r) => (srv.listening ? srv.close(() => r()) : r())) };
  }

  it('is probed again at once: a process that exited reads as its port does then (refused), which fencing can act on', async () => {
    const s = await resetting(true);
    try {
      const obs = await probeNode({ name: 'dying', host: '127.0.0.1', port: s.port, weight: 1 }, options);
      assert.equal(obs.error?.kind, 'refused', obs.error?.message);
      assert.equal(s.accepted(), 1);
    } finally {
      await s.close();
    }
  });

  it('a node that keeps doing it is tried twice, then reported as it answered (never refused)', async () => {
    const s = await resetting(false);
    try {
      const obs = await probeNode({ name: 'rst', host: '127.0.0.1', port: s.port, weight: 1 }, options);
      assert.equal(obs.error?.kind, 'unreachable', obs.error?.message);
      assert.equal(s.accepted(), 2);
    } finally {
      await s.close();
    }
  });
});
