import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRecordCell, MemoryWriterStore } from './memory-writer-store.js';
import type { WriterRecordChange } from '../../model/writer-record.js';
import { writerStoreContract } from '../writer-store-contract.js';

const change = (writers: string[], setBy: string): WriterRecordChange => ({ writers, setBy, setAt: 1, maintenance: [], trafficEnabled: true, message: '' });

describe('memory writer store (the reference for the store contract)', () => {
  it('creates the record from epoch 0 only once, then moves only from the current epoch', async () => {
    const cell = new MemoryRecordCell();
    const a = new MemoryWriterStore('c1', cell);
    const b = new MemoryWriterStore('c1', cell);
    assert.deepEqual(await a.read(), { ok: true, record: null });
    const first = await a.compareAndSet(0, change(['node1'], 'a'));
    assert.ok(first.ok);
    assert.equal(first.record.epoch, 1);
    const lost = await b.compareAndSet(0, change(['node2'], 'b'));
    assert.ok(!lost.ok && lost.error === undefined);
    assert.deepEqual(lost.current?.writers, ['node1']);
    const won = await b.compareAndSet(1, change(['node2'], 'b'));
    assert.ok(won.ok);
    assert.equal(won.record.epoch, 2);
    const read = await a.read();
    assert.ok(read.ok);
    assert.deepEqual([read.record?.epoch, read.record?.writers, read.record?.setBy], [2, ['node2'], 'b']);
  });

  it('an injected fault is an outcome with a stable code', async () => {
    const s = new MemoryWriterStore('c1');
    s.fault = { kind: 'fail', code: 'COORD_NOT_PRIMARY' };
    const r = await s.read();
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'COORD_NOT_PRIMARY');
    const w = await s.compareAndSet(0, change(['node1'], 'a'));
    assert.ok(!w.ok && w.error?.code === 'COORD_NOT_PRIMARY');
    assert.equal(s.cell.record, null);
  });
});

const cells = new Map<string, MemoryRecordCell>();
writerStoreContract('memory', () => ({
  open: (cluster: string) => {
    const cell = cells.get(cluster) ?? new MemoryRecordCell();
    cells.set(cluster, cell);
    return new MemoryWriterStore(cluster, cell);
  },
  close: () => Promise.resolve(),
}));
