// The server as a whole: who may ask what (Basic auth), the read routes, errors, and a real socket.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pino from 'pino';
import { basicAuthHeader } from './basic-auth.js';
import { createReportServer } from './report-server.js';
import { FakeReportSource } from './testing/fake-report-source.js';
import { call, testServer, TEST_PASSWORD, TEST_USER } from './testing/report-client.js';
import { failedOverSource } from './testing/scenario.js';
import { buildTick, roleChange } from './testing/tick-fixtures.js';

const WRONG = [
  ['no header', null],
  ['a wrong password', basicAuthHeader(TEST_USER, 'guess')],
  ['a wrong user', basicAuthHeader('root', TEST_PASSWORD)],
  ['another scheme', `Bearer ${TEST_PASSWORD}`],
] as const;

function memoryLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

void describe('report server: authentication', () => {
  for (const [what, auth] of WRONG) {
    void it(`answers 401 with the Basic challenge for ${what}, on API, v0, dashboard and unknown paths`, async () => {
      const server = testServer(failedOverSource());
      for (const url of ['/api/cluster', '/v0/backends', '/', '/dashboard.js', '/no/such/route']) {
        const res = await call(server, url, { auth });
        assert.equal(res.statusCode, 401, url);
        assert.equal(res.headers['www-authenticate'], 'Basic realm="galera-warden"');
        assert.equal(res.json<{ code: string }>().code, 'E_UNAUTHORIZED');
        assert.equal(res.body.includes('db1'), false, 'nothing of the cluster leaks');
      }
    });
  }

  void it('changes nothing on a POST with wrong credentials, and does not read the body', async () => {
    const source = failedOverSource();
    const server = testServer(source);
    for (const [, auth] of WRONG) {
      assert.equal((await call(server, '/api/switchover', { auth, body: { node: 'db3' } })).statusCode, 401);
      assert.equal((await call(server, '/api/nodes/db1/maintenance', { auth, body: { on: true } })).statusCode, 401);
      assert.equal((await call(server, '/api/switchover', { auth, body: '{not json' })).statusCode, 401);
    }
    assert.deepEqual(source.switchoverCalls, []);
    assert.deepEqual(source.maintenanceCalls, []);
    assert.deepEqual(source.maintenanceMarks(), []);
  });

  void it('leaves /healthz open, and /metrics open unless metricsAuth', async () => {
    const open = testServer(failedOverSource());
    assert.deepEqual((await call(open, '/healthz', { auth: null })).json(), { status: 'ok' });
    assert.equal((await call(open, '/metrics', { auth: null })).statusCode, 200);
    const closed = testServer(failedOverSource(), { metricsAuth: true });
    assert.equal((await call(closed, '/healthz', { auth: null })).statusCode, 200);
    assert.equal((await call(closed, '/metrics', { auth: null })).statusCode, 401);
    assert.equal((await call(closed, '/metrics')).statusCode, 200);
  });

  void it('without auth the API is open, and a given logger is warned once', async () => {
    const { logger, lines } = memoryLogger();
    const server = testServer(failedOverSource(), { auth: undefined, logger });
    assert.equal((await call(server, '/api/cluster', { auth: null })).statusCode, 200);
    const warnings = lines.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!.msg, /no auth configured; anyone who reaches 127\.0\.0\.1:0 can read the API and command switchover/);
  });

  void it('with auth the logger hears no warning, and no request line carries the credentials', async () => {
    const { logger, lines } = memoryLogger();
    const server = testServer(failedOverSource(), { logger });
    await call(server, '/api/switchover', { body: { node: 'db3' } });
    assert.equal(lines.filter((l) => l.level >= 40).length, 0);
    assert.ok(lines.some((l) => /operator command switchover to db3: accepted/.test(l.msg)));
    assert.equal(JSON.stringify(lines).includes(TEST_PASSWORD), false);
  });
});

void describe('report server: read routes', () => {
  void it('GET /v0/backends answers the Switchboard array', async () => {
    const res = await call(testServer(failedOverSource()), '/v0/backends');
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    assert.deepEqual(res.json(), [
      { host: '10.0.0.11', port: 3306, healthy: false, name: 'db1', currentSessionCount: 0, active: false, trafficEnabled: false },
      { host: '10.0.0.12', port: 3306, healthy: true, name: 'db2', currentSessionCount: 9, active: true, trafficEnabled: true },
      { host: '10.0.0.13', port: 3306, healthy: true, name: 'db3', currentSessionCount: 3, active: false, trafficEnabled: true },
    ]);
  });

  void it('GET /api/cluster and /api/nodes answer the latest tick, never cached', async () => {
    const server = testServer(failedOverSource());
    const cluster = await call(server, '/api/cluster');
    assert.equal(cluster.headers['cache-control'], 'no-store');
    const c = cluster.json<{ epoch: number; writers: string[]; lastTick: { ageMs: number } }>();
    assert.equal(c.epoch, 2);
    assert.deepEqual(c.writers, ['db2']);
    assert.equal(c.lastTick.ageMs, 250);
    const nodes = (await call(server, '/api/nodes')).json<{ name: string; writer: string }[]>();
    assert.deepEqual(nodes.map((n) => `${n.name}:${n.writer}`), ['db1:maintenance', 'db2:writer', 'db3:backup']);
  });

  void it('GET /api/decisions honours limit, defaults to 50, and refuses a bad one with 400', async () => {
    const source = new FakeReportSource();
    for (let seq = 1; seq <= 60; seq++) {
      const writer = seq % 2 === 0 ? 'db1' : 'db2';
      source.record(buildTick({ seq, epoch: seq, nodes: [{ name: 'db1', writer: writer === 'db1' ? 'writer' : 'backup' }, { name: 'db2', writer: writer === 'db2' ? 'writer' : 'backup' }], changes: [roleChange(writer, 'writer', 'backup', 'writer', ['SWITCHOVER'])] }));
    }
    const server = testServer(source, { maxDecisions: 100 });
    const seqs = async (url: string) => (await call(server, url)).json<{ seq: number }[]>().map((d) => d.seq);
    assert.deepEqual(await seqs('/api/decisions?limit=3'), [60, 59, 58]);
    assert.equal((await seqs('/api/decisions')).length, 50);
    assert.equal((await seqs('/api/decisions?limit=100')).length, 60);
    for (const [limit, message] of [['0', /limit: expected at least 1/], ['101', /limit: expected at most 100/], ['abc', /limit: expected a whole number/], ['2.5', /limit: expected a whole number/]] as const) {
      const res = await call(server, `/api/decisions?limit=${limit}`);
      assert.equal(res.statusCode, 400, limit);
      assert.equal(res.json<{ code: string }>().code, 'E_BAD_REQUEST');
      assert.match(res.json<{ message: string }>().message, message);
    }
  });

  void it('answers 404 with a JSON error for an unknown route, and 500 without internals when the source fails', async () => {
    const source = failedOverSource();
    const server = testServer(source);
    assert.deepEqual((await call(server, '/api/nope?x=1')).json(), { code: 'E_NOT_FOUND', message: 'no route GET /api/nope' });
    source.broken = new Error('TypeError at /srv/secret/path.js:12');
    const res = await call(server, '/api/cluster');
    assert.equal(res.statusCode, 500);
    assert.equal(res.json<{ code: string }>().code, 'E_INTERNAL');
    assert.equal(res.body.includes('/srv/secret'), false);
  });
});

void describe('report server: listen and close', () => {
  void it('listens on a free port, answers over HTTP, and closes', async () => {
    const server = createReportServer(failedOverSource(), { host: '127.0.0.1', port: 0, auth: { user: TEST_USER, password: TEST_PASSWORD } });
    const address = await server.listen();
    try {
      assert.equal(address.host, '127.0.0.1');
      assert.ok(address.port > 0);
      const base = `http://127.0.0.1:${address.port}`;
      assert.equal((await fetch(`${base}/v0/backends`)).status, 401);
      const res = await fetch(`${base}/v0/backends`, { headers: { authorization: basicAuthHeader(TEST_USER, TEST_PASSWORD) } });
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as unknown[]).length, 3);
    } finally {
      await server.close();
    }
    await assert.rejects(fetch(`http://127.0.0.1:${address.port}/healthz`));
  });

  void it('destroy() closes a kept-alive connection at once', async () => {
    const server = createReportServer(failedOverSource(), { host: '127.0.0.1', port: 0, auth: undefined });
    const { port } = await server.listen();
    const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'keep-alive' } });
    assert.equal(res.status, 200);
    await res.text();
    const started = Date.now();
    await server.destroy();
    // a graceful close would wait for the keep-alive connection (72 s by default); destroy() does not
    assert.ok(Date.now() - started < 30_000);
  });
});
