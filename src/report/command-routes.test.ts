import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeReportSource } from './testing/fake-report-source.js';
import { call, testServer } from './testing/report-client.js';
import { failedOverSource } from './testing/scenario.js';

interface ErrorBody {
  code: string;
  message: string;
}

void describe('POST /api/switchover', () => {
  void it('hands an accepted request to the source and answers 202', async () => {
    const source = failedOverSource();
    const res = await call(testServer(source), '/api/switchover', { body: { node: 'db3' } });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(res.json(), { ok: true, message: 'switchover to db3 requested' });
    assert.deepEqual(source.switchoverCalls, ['db3']);
  });

  void it("answers 409 with the source's message when it refuses", async () => {
    const source = failedOverSource();
    source.onSwitchover = () => ({ ok: false, message: 'db1 is not in service (NOT_PRIMARY)' });
    const res = await call(testServer(source), '/api/switchover', { body: { node: 'db1' } });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(res.json(), { code: 'E_REFUSED', message: 'db1 is not in service (NOT_PRIMARY)' });
  });

  void it('answers 404 for a node that is not configured, without asking the source', async () => {
    const source = failedOverSource();
    const res = await call(testServer(source), '/api/switchover', { body: { node: 'db9' } });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), { code: 'E_UNKNOWN_NODE', message: 'no node named "db9" is configured (known: db1, db2, db3)' });
    assert.deepEqual(source.switchoverCalls, []);
  });

  void it('lets the source judge before the first tick', async () => {
    const source = new FakeReportSource();
    const res = await call(testServer(source), '/api/switchover', { body: { node: 'db1' } });
    assert.equal(res.statusCode, 409);
    assert.deepEqual(source.switchoverCalls, ['db1']);
  });

  const invalid: [string, unknown, number, RegExp][] = [
    ['no body', undefined, 400, /^invalid body: body: expected object, received undefined$/],
    ['a missing node', {}, 400, /node: expected a node name \(string\)/],
    ['a number', { node: 3 }, 400, /node: expected a node name \(string\)/],
    ['an empty name', { node: '  ' }, 400, /node: expected a non-empty node name/],
    ['an unknown key', { node: 'db3', force: true }, 400, /Unrecognized key: "force"/],
    ['an array', ['db3'], 400, /expected object, received array/],
    ['broken JSON', '{"node":', 400, /not valid JSON/],
  ];
  for (const [what, body, status, message] of invalid) {
    void it(`answers ${status} for ${what}`, async () => {
      const source = failedOverSource();
      const res = await call(testServer(source), '/api/switchover', body === undefined ? { method: 'POST' } : { body });
      assert.equal(res.statusCode, status);
      const err = res.json<ErrorBody>();
      assert.equal(err.code, 'E_BAD_REQUEST');
      assert.match(err.message, message);
      assert.deepEqual(source.switchoverCalls, []);
    });
  }

  void it('refuses a form or text body with 415 (no cross-site form can post a command)', async () => {
    const source = failedOverSource();
    const server = testServer(source);
    for (const [type, body] of [['text/plain', '{"node":"db3"}'], ['application/x-www-form-urlencoded', 'node=db3']] as const) {
      const res = await call(server, '/api/switchover', { body, headers: { 'content-type': type } });
      assert.equal(res.statusCode, 415, type);
      assert.deepEqual(res.json(), { code: 'E_UNSUPPORTED_MEDIA_TYPE', message: `unsupported content type "${type}": send the body as application/json` });
    }
    assert.deepEqual(source.switchoverCalls, []);
  });

  void it('refuses a body over 16 KiB with 413', async () => {
    const res = await call(testServer(failedOverSource()), '/api/switchover', { body: { node: 'x'.repeat(20_000) } });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json<ErrorBody>().code, 'E_PAYLOAD_TOO_LARGE');
  });
});

void describe('POST /api/nodes/:name/maintenance', () => {
  void it('sets and clears the mark through the source, answering 202', async () => {
    const source = failedOverSource();
    const server = testServer(source);
    const on = await call(server, '/api/nodes/db3/maintenance', { body: { on: true } });
    assert.equal(on.statusCode, 202);
    assert.deepEqual(on.json(), { ok: true, message: 'db3: maintenance on' });
    assert.deepEqual(source.maintenanceMarks(), ['db3']);
    assert.equal((await call(server, '/api/nodes/db3/maintenance', { body: { on: false } })).statusCode, 202);
    assert.deepEqual(source.maintenanceCalls, [{ node: 'db3', on: true }, { node: 'db3', on: false }]);
    assert.deepEqual(source.maintenanceMarks(), []);
  });

  void it('refuses a non-boolean, a missing flag and an unknown node', async () => {
    const source = failedOverSource();
    const server = testServer(source);
    for (const body of [{ on: 'true' }, { on: 1 }, {}]) {
      const res = await call(server, '/api/nodes/db3/maintenance', { body });
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.match(res.json<ErrorBody>().message, /^invalid body: on: expected true or false$/);
    }
    const unknown = await call(server, '/api/nodes/db7/maintenance', { body: { on: true } });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.json<ErrorBody>().message, /no node named "db7"/);
    assert.deepEqual(source.maintenanceCalls, []);
  });

  void it('decodes a URL-encoded node name', async () => {
    const source = failedOverSource();
    const res = await call(testServer(source), '/api/nodes/db%33/maintenance', { body: { on: true } });
    assert.equal(res.statusCode, 202);
    assert.deepEqual(source.maintenanceMarks(), ['db3']);
  });
});
