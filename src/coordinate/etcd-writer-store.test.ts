// Units of the etcd store that need no etcd: the stored value's codec, the error mapping, option checks, and
// the store against an endpoint that refuses connections and one that accepts and never answers (the real
// etcd runs in test/coordination-etcd.test.ts).
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { EtcdLeaseInvalidError, EtcdPermissionDeniedError, GRPCDeadlineExceededError, GRPCUnavailableError } from 'etcd3';
import fc from 'fast-check';
import type { WriterRecordChange } from '../model/writer-record.js';
import { DeadlineExceeded } from '../observe/deadline.js';
import { classifyEtcdError, EtcdStepFailure } from './etcd-errors.js';
import { decodePresence, decodeRecord, encodeRecord, etcdKeys } from './etcd-record.js';
import { checkEtcdOptions, EtcdWriterStore } from './etcd-writer-store.js';

const change = (writers: string[]): WriterRecordChange => ({ writers, setBy: 'a', setAt: 5, maintenance: [], trafficEnabled: true, message: '' });
const name = fc.stringMatching(/^[a-z0-9-]{1,12}$/);

describe('etcd record codec', () => {
  it('decodes what it encodes (maintenance sorted)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 2 ** 40 }), fc.array(name), fc.array(name), fc.boolean(), fc.string(), fc.string(), (epoch, writers, maintenance, trafficEnabled, message, setBy) => {
      const r = decodeRecord(encodeRecord('prod', epoch, { writers, setBy, setAt: 7, maintenance, trafficEnabled, message }), 'prod');
      assert.ok(r.ok);
      assert.deepEqual(r.value, { cluster: 'prod', epoch, writers, setBy, setAt: 7, maintenance: [...maintenance].sort(), trafficEnabled, message });
    }));
  });

  it('names the field that is wrong, never throws', () => {
    const good = JSON.parse(encodeRecord('prod', 3, change(['db1']))) as Record<string, unknown>;
    for (const [text, problem] of [
      ['{"epoch":', /not JSON/],
      ['[1,2]', /expected a JSON object/],
      [JSON.stringify({ ...good, v: 2 }), /^v: expected format 1/],
      [JSON.stringify({ ...good, cluster: 'other' }), /^cluster: expected "prod", got "other"/],
      [JSON.stringify({ ...good, epoch: 0 }), /^epoch: expected a positive integer, got 0/],
      [JSON.stringify({ ...good, epoch: '3' }), /^epoch: /],
      [JSON.stringify({ ...good, writers: 'db1' }), /^writers: /],
      [JSON.stringify({ ...good, maintenance: [1] }), /^maintenance: /],
      [JSON.stringify({ ...good, trafficEnabled: 'yes' }), /^trafficEnabled: /],
      [JSON.stringify({ ...good, setBy: null }), /^setBy: /],
    ] as const) {
      const r = decodeRecord(text, 'prod');
      assert.ok(!r.ok, text);
      assert.match(r.problem, problem);
    }
    fc.assert(fc.property(fc.string(), (s) => {
      decodeRecord(s, 'prod');
    }));
  });

  it('lays the keys out under the prefix and cluster; presence values are checked', () => {
    assert.deepEqual(etcdKeys('/gw/', 'prod', 'proxy-a'), { record: '/gw/prod/writer', instances: '/gw/prod/instances/', presence: '/gw/prod/instances/proxy-a' });
    assert.ok(decodePresence('{"instanceId":"a","host":"h","pid":1,"since":2}').ok);
    assert.ok(!decodePresence('{"instanceId":"a"}').ok);
    assert.ok(!decodePresence('nope').ok);
  });
});

describe('etcd errors as store failures', () => {
  const cls = (err: unknown, sent = false) => classifyEtcdError(err, { sent, timeoutMs: 900 });
  it('maps timeouts, unreachable etcd, denied access and expired leases to their codes', () => {
    assert.equal(cls(new DeadlineExceeded(900)).code, 'COORD_TIMEOUT');
    assert.equal(cls(new GRPCDeadlineExceededError('deadline')).code, 'COORD_TIMEOUT');
    assert.equal(cls(new DeadlineExceeded(900), true).code, 'COORD_WRITE_UNKNOWN');
    assert.equal(cls(new GRPCUnavailableError('14 UNAVAILABLE: No connection established. connect ECONNREFUSED')).code, 'COORD_STORE_UNAVAILABLE');
    assert.equal(cls(new GRPCUnavailableError('14 UNAVAILABLE: No connection established. connect ECONNREFUSED'), true).code, 'COORD_STORE_UNAVAILABLE');
    assert.equal(cls(new GRPCUnavailableError('14 UNAVAILABLE: Connection dropped'), true).code, 'COORD_WRITE_UNKNOWN');
    assert.equal(cls(new EtcdPermissionDeniedError('etcdserver: permission denied')).code, 'COORD_ACCESS_DENIED');
    const lease = cls(new EtcdLeaseInvalidError('123'));
    assert.deepEqual([lease.code, lease.leaseInvalid], ['COORD_STORE_UNAVAILABLE', true]);
    assert.deepEqual(cls(new EtcdStepFailure('COORD_BAD_RECORD', 'the value of /k is bad')), { code: 'COORD_BAD_RECORD', message: 'the value of /k is bad', leaseInvalid: false });
    assert.equal(cls(new Error('something else')).code, 'COORD_STORE_ERROR');
  });
});

describe('etcd store options', () => {
  const base = { cluster: 'prod', endpoints: ['http://127.0.0.1:2379'], instanceId: 'a', leaseMs: 3000, timeoutMs: 500 };
  it('names the key that is wrong', () => {
    for (const [o, what] of [
      [{ endpoints: [] }, /coordination\.endpoints: no etcd endpoint/],
      [{ endpoints: ['127.0.0.1:2379'] }, /coordination\.endpoints: "127\.0\.0\.1:2379"/],
      [{ endpoints: ['http://127.0.0.1'] }, /coordination\.endpoints: "http:\/\/127\.0\.0\.1" is not http:\/\/host:port/],
      [{ prefix: 'gw' }, /coordination\.prefix: "gw" must start with "\/"/],
      [{ instanceId: 'a/b' }, /coordination\.instanceId/],
    ] as const) {
      assert.throws(() => checkEtcdOptions({ ...base, ...o }), what);
    }
    assert.doesNotThrow(() => checkEtcdOptions({ ...base, endpoints: ['https://etcd-1.example:2379', 'http://[::1]:2379'] }));
  });
});

describe('etcd store without an etcd', () => {
  const servers: net.Server[] = [];
  const sockets: net.Socket[] = [];
  after(() => {
    for (const s of sockets) s.destroy();
    for (const s of servers) s.close();
  });
  const listen = async (onConnection: (s: net.Socket) => void): Promise<number> => {
    const srv = net.createServer(onConnection);
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return (srv.address() as net.AddressInfo).port;
  };

  it('an endpoint that refuses connections: reads and writes fail as COORD_STORE_UNAVAILABLE naming it', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const store = new EtcdWriterStore({ cluster: 'prod', endpoints: [`http://127.0.0.1:${port}`], instanceId: 'a', leaseMs: 2000, timeoutMs: 2000 });
    try {
      const r = await store.read();
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'COORD_STORE_UNAVAILABLE');
      assert.ok(r.error.message.includes(`127.0.0.1:${port}`), r.error.message);
      const w = await store.compareAndSet(0, change(['db1']));
      assert.ok(!w.ok && w.error);
      assert.equal(w.error.code, 'COORD_STORE_UNAVAILABLE');
    } finally {
      store.destroy();
    }
  });

  it('an endpoint that accepts and never answers: the call ends by its timeout as COORD_TIMEOUT', async () => {
    const port = await listen((s) => sockets.push(s));
    const store = new EtcdWriterStore({ cluster: 'prod', endpoints: [`http://127.0.0.1:${port}`], instanceId: 'a', leaseMs: 2000, timeoutMs: 400 });
    try {
      const [r, w] = await Promise.all([store.read(), store.compareAndSet(0, change(['db1']))]);
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'COORD_TIMEOUT', r.error.message);
      assert.ok(!w.ok && w.error);
      assert.equal(w.error.code, 'COORD_TIMEOUT', w.error.message);
    } finally {
      await store.close();
    }
    const closed = await store.read();
    assert.ok(!closed.ok);
    assert.match(closed.error.message, /closed/);
  });
});
