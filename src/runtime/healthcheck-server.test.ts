import assert from 'node:assert/strict';
import http from 'node:http';
import { after, describe, it } from 'node:test';
import type { NodeObservation } from '../model/observation.js';
import { failedObservation, okObservation } from '../observe/testing/observation-fixtures.js';
import type { HealthcheckServerOptions } from './healthcheck-server.js';
import { HealthcheckServer } from './healthcheck-server.js';

const servers: HealthcheckServer[] = [];
after(() => servers.forEach((s) => s.destroy()));

const health = { availableWhenDonor: false, availableWhenReadOnly: false };

async function start(probe: () => Promise<NodeObservation>, extra: Partial<HealthcheckServerOptions> = {}) {
  let calls = 0;
  const server = new HealthcheckServer({
    node: 'db1',
    health,
    probe: () => {
      calls++;
      return probe();
    },
    ...extra,
  });
  servers.push(server);
  const { port } = await server.listen(0, '127.0.0.1');
  return { server, port, calls: () => calls };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method = 'GET', path = '/', agent?: http.Agent): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, ...(agent && { agent }) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('HealthcheckServer', () => {
  it('200 with a JSON body for a Synced Primary node', async () => {
    const { port } = await start(() => Promise.resolve(okObservation()));
    const r = await request(port);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.deepEqual(JSON.parse(r.body), { node: 'db1', available: true, writable: true, state: 'Synced', reasons: [], at: 1_700_000_000_000, latencyMs: 1.5 });
  });

  it('503 with reasons for a node that rejects queries', async () => {
    const { port } = await start(() => Promise.resolve(okObservation('db1', { rejectQueries: 'ALL', tableAccess: { ok: false, errno: 1047, message: 'WSREP has not yet prepared node for application use' } })));
    const r = await request(port, 'GET', '/any/path?x=1');
    assert.equal(r.status, 503);
    const body = JSON.parse(r.body) as { available: boolean; reasons: { code: string }[] };
    assert.equal(body.available, false);
    assert.deepEqual(body.reasons.map((x) => x.code), ['REJECT_QUERIES', 'TABLE_ACCESS']);
  });

  it('503 naming the probe failure when the node cannot be read', async () => {
    const { port } = await start(() => Promise.resolve(failedObservation('db1', 'timeout')));
    const r = await request(port);
    assert.equal(r.status, 503);
    const body = JSON.parse(r.body) as { state: string; reasons: { code: string }[] };
    assert.equal(body.state, 'probe timeout');
    assert.deepEqual(body.reasons.map((x) => x.code), ['PROBE_TIMEOUT']);
  });

  it('a donor answers 200 only with availableWhenDonor; a read_only node only with availableWhenReadOnly', async () => {
    const donor = () => Promise.resolve(okObservation('db1', { localState: 2, localStateComment: 'Donor/Desynced' }));
    assert.equal((await request((await start(donor)).port)).status, 503);
    assert.equal((await request((await start(donor, { health: { ...health, availableWhenDonor: true } })).port)).status, 200);
    const ro = () => Promise.resolve(okObservation('db1', { readOnly: true }));
    assert.equal((await request((await start(ro)).port)).status, 503);
    const r = await request((await start(ro, { health: { ...health, availableWhenReadOnly: true } })).port);
    assert.equal(r.status, 200);
    assert.equal((JSON.parse(r.body) as { writable: boolean }).writable, false);
  });

  it('HEAD answers the status with no body; OPTIONS (HAProxy httpchk default) answers like GET', async () => {
    const { port } = await start(() => Promise.resolve(failedObservation()));
    const head = await request(port, 'HEAD');
    assert.equal(head.status, 503);
    assert.equal(head.body, '');
    assert.ok(Number(head.headers['content-length']) > 0);
    const options = await request(port, 'OPTIONS', '/');
    assert.equal(options.status, 503);
    assert.match(options.body, /"available":false/);
  });

  it('other methods get 405 with Allow, without probing', async () => {
    const s = await start(() => Promise.resolve(okObservation()));
    const r = await request(s.port, 'POST');
    assert.equal(r.status, 405);
    assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS');
    assert.equal(s.calls(), 0);
  });

  it('concurrent requests share one probe; later ones probe again when cacheMs is 0', async () => {
    let release = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const s = await start(async () => {
      await gate;
      return okObservation();
    });
    const replies = Promise.all([request(s.port), request(s.port), request(s.port)]);
    await new Promise((r) => setTimeout(r, 50));
    release();
    assert.deepEqual((await replies).map((r) => r.status), [200, 200, 200]);
    assert.equal(s.calls(), 1);
    await request(s.port);
    assert.equal(s.calls(), 2);
  });

  it('cacheMs reuses a result until it expires', async () => {
    let now = 1000;
    const s = await start(() => Promise.resolve(okObservation()), { cacheMs: 250, now: () => now });
    await request(s.port);
    now += 249;
    await request(s.port);
    assert.equal(s.calls(), 1);
    now += 1;
    await request(s.port);
    assert.equal(s.calls(), 2);
  });

  it('holdMs keeps a recovered node at 503 RECOVERING until it has been healthy that long; a healthy start is not held', async () => {
    let now = 10_000;
    let healthy = true;
    const s = await start(() => Promise.resolve(healthy ? okObservation() : failedObservation('db1', 'timeout')), { holdMs: 8000, now: () => now });
    assert.equal((await request(s.port)).status, 200);
    healthy = false;
    assert.equal((await request(s.port)).status, 503);
    healthy = true;
    now += 1000;
    const held = await request(s.port);
    assert.equal(held.status, 503);
    assert.equal((JSON.parse(held.body) as { reasons: { code: string }[] }).reasons[0]?.code, 'RECOVERING');
    now += 7999;
    assert.equal((await request(s.port)).status, 503);
    now += 1;
    assert.equal((await request(s.port)).status, 200);
  });

  it('a probe that throws answers 503 PROBE_FAILED and the server keeps serving', async () => {
    let fail = true;
    const s = await start(() => (fail ? Promise.reject(new Error('boom')) : Promise.resolve(okObservation())));
    const r = await request(s.port);
    assert.equal(r.status, 503);
    assert.deepEqual((JSON.parse(r.body) as { reasons: unknown[] }).reasons, [{ code: 'PROBE_FAILED', message: 'db1: the probe failed: boom' }]);
    fail = false;
    assert.equal((await request(s.port)).status, 200);
  });

  it('reports changes of availability once per change', async () => {
    const seen: boolean[] = [];
    let obs = okObservation();
    const s = await start(() => Promise.resolve(obs), { onChange: (b) => seen.push(b.available) });
    await request(s.port);
    await request(s.port);
    obs = failedObservation();
    await request(s.port);
    await request(s.port);
    assert.deepEqual(seen, [true, false]);
  });

  it('close() resolves with a keep-alive connection open; the port is then free', async () => {
    const s = await start(() => Promise.resolve(okObservation()));
    const agent = new http.Agent({ keepAlive: true });
    assert.equal((await request(s.port, 'GET', '/', agent)).status, 200);
    const started = Date.now();
    await s.server.close();
    assert.ok(Date.now() - started < 10_000, 'ended by its own timer, not hung');
    await assert.rejects(request(s.port), /ECONNREFUSED/);
    agent.destroy();
  });
});

describe('healthcheck in a replication topology (assess and stateOf from replication-health)', () => {
  it('a healthy replica is available with its replication state, never a wsrep state; a stopped one is not', async () => {
    const { assessReplicationNode, replicationStateText } = await import('../decide/replication-health.js');
    const { primaryStatus, replicaStatus, replicationNodes } = await import('../decide/replication-fixtures.js');
    const { seen } = await import('../decide/fixtures.js');
    const [db1, db2] = replicationNodes(2) as [ReturnType<typeof replicationNodes>[number], ReturnType<typeof replicationNodes>[number]];
    let status = replicaStatus(db1, 1);
    const server = new HealthcheckServer({ node: 'db2', health, probe: () => Promise.resolve(seen(db2, Date.now(), status)), assess: (o) => assessReplicationNode(o, 10), stateOf: replicationStateText });
    servers.push(server);
    const ok = await server.check();
    assert.deepEqual([ok.available, ok.writable, ok.state], [true, false, 'replica of 127.0.0.1:3311, IO Yes / SQL Yes, lag 1 s']);
    status = replicaStatus(db1, 0, { ioRunning: 'Connecting' });
    const stopped = await server.check();
    assert.equal(stopped.available, false);
    assert.deepEqual(stopped.reasons.map((r) => r.code), ['REPLICA', 'REPLICATION_STOPPED']);
    status = primaryStatus();
    const primary = await server.check();
    assert.deepEqual([primary.available, primary.writable, primary.state], [true, true, 'primary (read_only=OFF)']);
  });
});
