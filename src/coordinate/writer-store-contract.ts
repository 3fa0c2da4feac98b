// The behaviour every writer store shares (writer-store.ts's contract), as one suite that each store's test file
// runs with a harness opening stores of its kind: the memory store in its unit test, the Galera table and etcd
// in test/ against real servers. Each check uses its own cluster name, so checks never see each other's record.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CasResult, WriterRecordChange } from '../model/writer-record.js';
import type { WriterStore } from './writer-store.js';

export interface WriterStoreHarness {
  /** a store of this kind for `cluster`, as instance `instance` (several stores of one cluster share a record) */
  open(cluster: string, instance: string): WriterStore | Promise<WriterStore>;
  /** how many instances race in the race check (default 4) */
  racers?: number;
  /** closes whatever open() made */
  close(): Promise<void>;
}

export const contractChange = (writers: string[], setBy: string, over: Partial<WriterRecordChange> = {}): WriterRecordChange =>
  ({ writers, setBy, setAt: Date.now(), maintenance: [], trafficEnabled: true, message: '', ...over });

const failed = (r: CasResult): string => JSON.stringify(r);

/** Runs the contract checks inside a describe() named after the store; `harness` is called before the first check. */
export function writerStoreContract(kind: string, harness: () => WriterStoreHarness): void {
  describe(`writer store contract: ${kind}`, () => {
    const cluster = (what: string) => `contract-${what}-${process.pid}-${Date.now() % 100_000}`;

    it('reads no record for a cluster nobody wrote', async () => {
      const s = await harness().open(cluster('empty'), 'a');
      assert.deepEqual(await s.read(), { ok: true, record: null });
    });

    it('creates the record from epoch 0 once; another instance reads every field back; a second create loses with the record', async () => {
      const c = cluster('create');
      const a = await harness().open(c, 'a');
      const b = await harness().open(c, 'b');
      const first = await a.compareAndSet(0, contractChange(['db2', 'db1'], 'a', { maintenance: ['db3', 'db1'], trafficEnabled: false, message: 'off for "tests"', setAt: 1234 }));
      assert.ok(first.ok, failed(first));
      const expected = { cluster: c, epoch: 1, writers: ['db2', 'db1'], setBy: 'a', setAt: 1234, maintenance: ['db1', 'db3'], trafficEnabled: false, message: 'off for "tests"' };
      assert.deepEqual(first.record, expected);
      assert.deepEqual(await b.read(), { ok: true, record: expected });
      const again = await b.compareAndSet(0, contractChange(['db3'], 'b'));
      assert.ok(!again.ok && again.error === undefined, failed(again));
      assert.deepEqual(again.current, expected);
    });

    it('keeps who set the traffic switch and when', async () => {
      const c = cluster('traffic');
      const a = await harness().open(c, 'a');
      const b = await harness().open(c, 'b');
      const set = await a.compareAndSet(0, contractChange(['db1'], 'a', { trafficEnabled: false, message: 'upgrade', trafficSetBy: 'ops@10.0.0.9 via a', trafficSetAt: 5678 }));
      assert.ok(set.ok, failed(set));
      const read = await b.read();
      assert.ok(read.ok && read.record, JSON.stringify(read));
      assert.deepEqual([read.record.trafficEnabled, read.record.message, read.record.trafficSetBy, read.record.trafficSetAt], [false, 'upgrade', 'ops@10.0.0.9 via a', 5678]);
    });

    it('instances racing from one epoch: exactly one wins, every other reads the winner\'s record', async () => {
      const h = harness();
      const c = cluster('race');
      const n = h.racers ?? 4;
      const stores = await Promise.all(Array.from({ length: n }, async (_, i) => h.open(c, `r${i}`)));
      const seed = await stores[0]!.compareAndSet(0, contractChange(['db1'], 'r0'));
      assert.ok(seed.ok, failed(seed));
      const start: number = seed.record.epoch;
      for (let round = 0; round < 3; round++) {
        const e = start + round;
        const results: CasResult[] = await Promise.all(stores.map((s, i) => s.compareAndSet(e, contractChange([`db${1 + ((i + round) % 3)}`], `r${i}`))));
        const winners = results.flatMap((r) => (r.ok ? [r.record] : []));
        assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(results)}`);
        const w = winners[0]!;
        assert.equal(w.epoch, e + 1);
        for (const r of results) {
          if (r.ok) continue;
          assert.equal(r.error, undefined, `round ${round}: a racer failed: ${failed(r)}`);
          assert.deepEqual([r.current?.epoch, r.current?.setBy, r.current?.writers], [e + 1, w.setBy, w.writers]);
        }
      }
    });

    it('a stale expected epoch loses and changes nothing', async () => {
      const c = cluster('stale');
      const a = await harness().open(c, 'a');
      const b = await harness().open(c, 'b');
      const one = await a.compareAndSet(0, contractChange(['db1'], 'a'));
      assert.ok(one.ok, failed(one));
      const two = await b.compareAndSet(1, contractChange(['db2'], 'b'));
      assert.ok(two.ok, failed(two));
      for (const stale of [1, 0, 7]) {
        const lost = await a.compareAndSet(stale, contractChange(['db3'], 'a'));
        assert.ok(!lost.ok && lost.error === undefined, `expected epoch ${stale}: ${failed(lost)}`);
        assert.deepEqual([lost.current?.epoch, lost.current?.writers], [2, ['db2']]);
      }
      const r = await a.read();
      assert.ok(r.ok);
      assert.deepEqual([r.record?.epoch, r.record?.writers, r.record?.setBy], [2, ['db2'], 'b']);
    });
  });
}
