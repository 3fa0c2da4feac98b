import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEVER, parsePatch, parseTrafficEnabled } from './traffic-routes.js';
import { AUTH, call, testServer, TEST_USER } from './testing/report-client.js';
import { FakeReportSource } from './testing/fake-report-source.js';
import { failedOverSource } from './testing/scenario.js';

interface ErrorBody {
  code: string;
  message: string;
}

void describe('GET /v0/cluster (Switchboard)', () => {
  void it("answers Switchboard's shape: active backend, trafficEnabled, message, lastUpdated", async () => {
    const source = failedOverSource();
    const res = await call(testServer(source), '/v0/cluster');
    assert.equal(res.statusCode, 200);
    const body = res.json<Record<string, unknown>>();
    const writer = source.latest()!.desired.writers[0]!;
    const node = source.latest()!.desired.nodes.find((n) => n.node === writer)!;
    assert.deepEqual(body, { activeBackend: { host: node.host, port: node.port, name: writer }, trafficEnabled: true, message: '', lastUpdated: NEVER, updatedBy: '', scope: 'local' });
  });

  void it('needs the credentials like every other route', async () => {
    const res = await call(testServer(failedOverSource()), '/v0/cluster', { auth: null });
    assert.equal(res.statusCode, 401);
  });
});

void describe('PATCH /v0/cluster', () => {
  void it('takes trafficEnabled and message as query parameters, records who asked, answers the cluster as it is now', async () => {
    const source = failedOverSource();
    const server = testServer(source);
    const res = await call(server, '/v0/cluster?trafficEnabled=false&message=rolling%20upgrade', { method: 'PATCH' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(source.trafficCalls, [{ trafficEnabled: false, message: 'rolling upgrade', by: `${TEST_USER}@127.0.0.1` }]);
    const body = res.json<Record<string, unknown>>();
    assert.equal(body.trafficEnabled, false);
    assert.equal(body.message, 'rolling upgrade');
    assert.equal(body.updatedBy, `${TEST_USER}@127.0.0.1`);
    assert.notEqual(body.lastUpdated, NEVER);
    const get = await call(server, '/v0/cluster');
    assert.equal(get.json<Record<string, unknown>>().trafficEnabled, false);
    const cluster = await call(server, '/api/cluster');
    assert.equal(cluster.json<{ traffic: { trafficEnabled: boolean } }>().traffic.trafficEnabled, false, '/api/cluster shows it too');
  });

  void it('accepts a JSON body, and Go ParseBool spellings in the query', async () => {
    const source = failedOverSource();
    const server = testServer(source);
    const res = await server.inject({ method: 'PATCH', url: '/v0/cluster', headers: { authorization: AUTH, 'content-type': 'application/json' }, payload: JSON.stringify({ trafficEnabled: true }) });
    assert.equal(res.statusCode, 200, res.body);
    const on = await call(server, '/v0/cluster?trafficEnabled=T', { method: 'PATCH' });
    assert.equal(on.statusCode, 200);
    assert.deepEqual(source.trafficCalls.map((c) => c.trafficEnabled), [true, true]);
  });

  const invalid: [string, string, RegExp][] = [
    ['a missing trafficEnabled', '/v0/cluster?message=x', /trafficEnabled is missing/],
    ['a malformed trafficEnabled', '/v0/cluster?trafficEnabled=yes', /trafficEnabled: expected true or false, got "yes"/],
    ['traffic off without a message', '/v0/cluster?trafficEnabled=false', /message must not be empty/],
    ['traffic off with a blank message', '/v0/cluster?trafficEnabled=0&message=%20%20', /message must not be empty/],
  ];
  for (const [what, url, message] of invalid) {
    void it(`answers 400 for ${what}, without asking the source`, async () => {
      const source = failedOverSource();
      const res = await call(testServer(source), url, { method: 'PATCH' });
      assert.equal(res.statusCode, 400);
      const err = res.json<ErrorBody>();
      assert.equal(err.code, 'E_BAD_REQUEST');
      assert.match(err.message, message);
      assert.deepEqual(source.trafficCalls, []);
    });
  }

  void it('needs the credentials: 401 without them, nothing changed', async () => {
    const source = failedOverSource();
    const res = await call(testServer(source), '/v0/cluster?trafficEnabled=false&message=x', { method: 'PATCH', auth: null });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(source.trafficCalls, []);
  });

  void it('answers 503 with the store failure when the coordination store does not take it, 409 on a conflict', async () => {
    const source = new FakeReportSource();
    source.onSetTraffic = () => ({ ok: false, code: 'COORDINATION_UNAVAILABLE', message: 'the store did not take it (COORD_NOT_PRIMARY): node1 is not Primary' });
    const res = await call(testServer(source), '/v0/cluster?trafficEnabled=false&message=x', { method: 'PATCH' });
    assert.equal(res.statusCode, 503);
    assert.deepEqual(res.json(), { code: 'COORDINATION_UNAVAILABLE', message: 'the store did not take it (COORD_NOT_PRIMARY): node1 is not Primary' });
    source.onSetTraffic = () => ({ ok: false, code: 'COORDINATION_CONFLICT', message: 'try again' });
    assert.equal((await call(testServer(source), '/v0/cluster?trafficEnabled=true', { method: 'PATCH' })).statusCode, 409);
  });
});

void describe('parseTrafficEnabled / parsePatch', () => {
  void it("reads Go's ParseBool spellings and JSON booleans, nothing else", () => {
    for (const v of ['1', 't', 'T', 'TRUE', 'true', 'True', true]) assert.equal(parseTrafficEnabled(v), true, String(v));
    for (const v of ['0', 'f', 'F', 'FALSE', 'false', 'False', false]) assert.equal(parseTrafficEnabled(v), false, String(v));
    for (const v of ['yes', 'on', '', 'tRUE', 1, null, undefined]) assert.equal(parseTrafficEnabled(v), undefined, String(v));
  });

  void it('the query wins over the body; a message may come with traffic on', () => {
    assert.deepEqual(parsePatch({ trafficEnabled: 'true', message: 'back' }, { trafficEnabled: false }), { ok: true, trafficEnabled: true, message: 'back' });
    assert.deepEqual(parsePatch({}, { trafficEnabled: false, message: 'm' }), { ok: true, trafficEnabled: false, message: 'm' });
    assert.equal(parsePatch({}, { trafficEnabled: false, message: 3 }).ok, false);
  });
});
