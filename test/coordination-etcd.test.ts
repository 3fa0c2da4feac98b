// The etcd writer store against a real etcd (Debian's etcd-server, started and stopped by pid): the shared store
// contract (read empty, create once, a race of several instances has one winner, a stale epoch loses), a
// malformed value, the presence lease of an instance that dies (gone after its TTL) or closes (gone at once), an
// instance whose lease etcd revoked (its write fails as an outcome, the next call registers again), a frozen
// etcd, and an etcd SIGKILLed and restarted mid-run (calls end by their timeout with a failure outcome; after
// the restart the record is intact and compare-and-set works again), and a dead endpoint beside a live one. Ports
// 28200-28202.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Etcd3 } from 'etcd3';
import { EtcdWriterStore } from '../src/coordinate/etcd-writer-store.js';
import type { EtcdWriterStoreOptions } from '../src/coordinate/etcd-writer-store.js';
import { contractChange, writerStoreContract } from '../src/coordinate/writer-store-contract.js';
import type { StoreFailureCode } from '../src/model/writer-record.js';
import type { EtcdProcess } from './support/etcd.js';
import { skipEtcd, startEtcd } from './support/etcd.js';
import { settles, waitFor } from './support/sandbox-fixture.js';

const CLIENT_PORT = 28200;
const PEER_PORT = 28201;
/** nothing listens there */
const DEAD_PORT = 28202;
const PREFIX = '/gw-test';
const OUTAGE_CODES: StoreFailureCode[] = ['COORD_STORE_UNAVAILABLE', 'COORD_TIMEOUT', 'COORD_WRITE_UNKNOWN'];

describe('etcd writer store (real etcd)', { skip: skipEtcd }, () => {
  let etcd: EtcdProcess | undefined;
  let raw: Etcd3 | undefined;
  const stores: EtcdWriterStore[] = [];
  const open = (cluster: string, instanceId: string, over: Partial<EtcdWriterStoreOptions> = {}): EtcdWriterStore => {
    const s = new EtcdWriterStore({ cluster, endpoints: [etcd!.endpoint], instanceId, leaseMs: 2000, timeoutMs: 3000, prefix: PREFIX, ...over });
    stores.push(s);
    return s;
  };
  const live = async (via: EtcdWriterStore): Promise<string[]> => {
    const l = await via.liveInstances();
    assert.ok(l.ok, JSON.stringify(l));
    return l.instances.map((i) => i.instanceId);
  };

  before(async () => {
    etcd = await startEtcd({ clientPort: CLIENT_PORT, peerPort: PEER_PORT });
    raw = new Etcd3({ hosts: etcd.endpoint });
  });

  after(async () => {
    for (const s of stores) s.destroy();
    raw?.close();
    await etcd?.stop();
  });

  writerStoreContract('etcd', () => ({ open: (cluster, instance) => open(cluster, instance), racers: 5, close: () => Promise.resolve() }));

  it('a malformed value in the record key is a COORD_BAD_RECORD outcome naming the key, for reads and writes', async () => {
    const s = open('bad', 'a');
    for (const value of ['not json', JSON.stringify({ v: 1, cluster: 'bad', epoch: -3 })]) {
      await raw!.put(`${PREFIX}/bad/writer`).value(value);
      const r = await s.read();
      assert.ok(!r.ok, JSON.stringify(r));
      assert.equal(r.error.code, 'COORD_BAD_RECORD');
      assert.match(r.error.message, /\/gw-test\/bad\/writer/);
      const w = await s.compareAndSet(1, contractChange(['db1'], 'a'));
      assert.ok(!w.ok && w.error, JSON.stringify(w));
      assert.equal(w.error.code, 'COORD_BAD_RECORD');
    }
    await raw!.delete().key(`${PREFIX}/bad/writer`);
    const fixed = await s.compareAndSet(0, contractChange(['db1'], 'a'));
    assert.ok(fixed.ok, JSON.stringify(fixed));
  });

  it('presence: a closed instance is gone at once, a dead one (no keep-alive) once its lease expires', async () => {
    const watcher = open('presence', 'watcher');
    const closing = open('presence', 'closing');
    const dying = open('presence', 'dying');
    for (const s of [watcher, closing, dying]) assert.ok((await s.read()).ok);
    assert.deepEqual(await live(watcher), ['closing', 'dying', 'watcher']);
    await closing.close();
    assert.deepEqual(await live(watcher), ['dying', 'watcher']);
    dying.destroy();
    await waitFor('the dead instance\'s presence key to expire with its lease', 30_000, async () => ((await live(watcher)).includes('dying') ? undefined : true), 250);
    assert.deepEqual(await live(watcher), ['watcher']);
  });

  it('an instance whose lease etcd revoked: its write is a failure outcome and applies nothing; the next call registers again', async () => {
    // a long lease: the client's keep-alive (every TTL / 3) cannot notice the revocation before the write
    const s = open('revoked', 'a', { leaseMs: 60_000 });
    const first = await s.compareAndSet(0, contractChange(['db1'], 'a'));
    assert.ok(first.ok, JSON.stringify(first));
    const presence = await raw!.get(`${PREFIX}/revoked/instances/a`).exec();
    const leaseId = presence.kvs[0]?.lease;
    assert.ok(leaseId && leaseId !== '0');
    await raw!.leaseClient.leaseRevoke({ ID: leaseId });
    const w = await s.compareAndSet(1, contractChange(['db2'], 'a'));
    assert.ok(!w.ok && w.error, JSON.stringify(w));
    assert.equal(w.error.code, 'COORD_STORE_UNAVAILABLE');
    assert.match(w.error.message, /lease .* expired/);
    const r = await s.read();
    assert.ok(r.ok);
    assert.deepEqual([r.record?.epoch, r.record?.writers], [1, ['db1']]);
    assert.deepEqual(await live(s), ['a']);
    const again = await s.compareAndSet(1, contractChange(['db2'], 'a'));
    assert.ok(again.ok, JSON.stringify(again));
  });

  it('a dead endpoint listed beside the live one is skipped within the deadline', async () => {
    const s = open('endpoints', 'a', { endpoints: [`http://127.0.0.1:${DEAD_PORT}`, etcd!.endpoint] });
    for (let i = 0; i < 6; i++) {
      const r = await s.read();
      assert.ok(r.ok, JSON.stringify(r));
      const w = await s.compareAndSet(i, contractChange([`db${1 + (i % 3)}`], 'a'));
      assert.ok(w.ok, JSON.stringify(w));
    }
  });

  it('a frozen etcd (SIGSTOP): reads and writes end by their timeout as failure outcomes', async () => {
    const s = open('frozen', 'a', { timeoutMs: 800 });
    assert.ok((await s.read()).ok);
    process.kill(etcd!.pid, 'SIGSTOP');
    try {
      const [r, w] = await settles('calls to a frozen etcd to end', 30_000, Promise.all([s.read(), s.compareAndSet(0, contractChange(['db1'], 'a'))]));
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'COORD_TIMEOUT', r.error.message);
      assert.ok(!w.ok && w.error);
      assert.ok(['COORD_TIMEOUT', 'COORD_WRITE_UNKNOWN'].includes(w.error.code), w.error.message);
    } finally {
      process.kill(etcd!.pid, 'SIGCONT');
    }
    await waitFor('the thawed etcd to answer', 30_000, async () => ((await s.read()).ok ? true : undefined), 200);
  });

  it('etcd SIGKILLed and restarted mid-run: calls end by their timeout with a failure outcome; after the restart the record is intact and compare-and-set works', async () => {
    const a = open('restart', 'a', { timeoutMs: 1000 });
    const b = open('restart', 'b', { timeoutMs: 1000 });
    const made = await a.compareAndSet(0, contractChange(['db1'], 'a', { maintenance: ['db3'] }));
    assert.ok(made.ok, JSON.stringify(made));
    const moved = await b.compareAndSet(1, contractChange(['db2'], 'b', { maintenance: ['db3'] }));
    assert.ok(moved.ok, JSON.stringify(moved));
    await etcd!.kill();
    for (let i = 0; i < 3; i++) {
      const [r, w] = await settles('calls during the outage to end', 30_000, Promise.all([a.read(), b.compareAndSet(2, contractChange(['db1'], 'b'))]));
      assert.ok(!r.ok && OUTAGE_CODES.includes(r.error.code), JSON.stringify(r));
      assert.ok(!w.ok && w.error && OUTAGE_CODES.includes(w.error.code), JSON.stringify(w));
      assert.match(r.error.message, /127\.0\.0\.1:28200/);
    }
    await etcd!.start();
    const back = await waitFor('the store to answer after the restart', 60_000, async () => {
      const r = await a.read();
      return r.ok ? r : undefined;
    }, 200);
    assert.ok(back.ok);
    assert.deepEqual(back.record, moved.record, 'the record changed across the restart');
    const [ra, rb] = await Promise.all([a.compareAndSet(2, contractChange(['db3'], 'a')), b.compareAndSet(2, contractChange(['db1'], 'b'))]);
    const results = [ra, rb];
    assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results));
    assert.ok(results.every((r) => r.ok || r.current?.epoch === 3), JSON.stringify(results));
    await waitFor('both instances to be registered again', 30_000, async () => ((await live(a)).join() === 'a,b' ? true : undefined), 250);
  });
});
