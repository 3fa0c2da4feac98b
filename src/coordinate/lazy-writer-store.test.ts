import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WriterRecordChange } from '../model/writer-record.js';
import { LazyWriterStore } from './lazy-writer-store.js';
import { MemoryRecordCell, MemoryWriterStore } from './testing/memory-writer-store.js';
import { writerStoreContract } from './writer-store-contract.js';
import type { WriterStore } from './writer-store.js';

const change = (writers: string[], setBy: string): WriterRecordChange => ({ writers, setBy, setAt: 1, maintenance: [], trafficEnabled: true, message: '' });

/** a loader that counts its calls and hands out one memory store */
function loader(inner: WriterStore, fail = 0) {
  const l = {
    calls: 0,
    load: async (): Promise<WriterStore> => {
      l.calls++;
      if (l.calls <= fail) throw new Error('Cannot find package etcd3');
      await Promise.resolve();
      return inner;
    },
  };
  return l;
}

describe('lazy writer store', () => {
  it('loads nothing until the first call, then loads once for every call after it', async () => {
    const inner = new MemoryWriterStore('c1');
    const l = loader(inner);
    const s = new LazyWriterStore('etcd', 'c1', l.load);
    assert.equal(l.calls, 0);
    assert.equal(s.loaded, false);
    assert.deepEqual([s.kind, s.cluster], ['etcd', 'c1']);
    const [a, b] = await Promise.all([s.read(), s.compareAndSet(0, change(['node1'], 'a'))]);
    assert.deepEqual(a, { ok: true, record: null });
    assert.ok(b.ok);
    await s.read();
    assert.equal(l.calls, 1);
    assert.equal(s.loaded, true);
    assert.deepEqual(inner.calls.map((c) => c.op), ['read', 'cas', 'read']);
  });

  it('a load that fails is a store failure with a stable code; the next call loads again', async () => {
    const l = loader(new MemoryWriterStore('c1'), 1);
    const s = new LazyWriterStore('etcd', 'c1', l.load);
    const r = await s.read();
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'COORD_STORE_ERROR');
    assert.match(r.error.message, /etcd store \(c1\): could not be loaded: Cannot find package etcd3/);
    const w = await s.compareAndSet(0, change(['node1'], 'a'));
    assert.ok(w.ok);
    assert.equal(l.calls, 2);
  });

  it('close() and destroy() before any call load nothing; a store that loads after destroy() is destroyed', async () => {
    const l = loader(new MemoryWriterStore('c1'));
    const s = new LazyWriterStore('etcd', 'c1', l.load);
    await s.close();
    s.destroy();
    assert.equal(l.calls, 0);

    let destroyed = 0;
    const inner = Object.assign(new MemoryWriterStore('c2'), { destroy: () => void destroyed++ });
    const t = new LazyWriterStore('etcd', 'c2', loader(inner).load);
    const reading = t.read();
    t.destroy();
    await reading;
    assert.equal(destroyed, 1);
  });
});

const cells = new Map<string, MemoryRecordCell>();
writerStoreContract('lazy (over memory)', () => ({
  open: (cluster: string) => {
    const cell = cells.get(cluster) ?? new MemoryRecordCell();
    cells.set(cluster, cell);
    return new LazyWriterStore('memory', cluster, () => Promise.resolve(new MemoryWriterStore(cluster, cell)));
  },
  close: () => Promise.resolve(),
}));
