import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../config/load-config.js';
import { LazyWriterStore } from '../coordinate/lazy-writer-store.js';
import { writerStoreOf } from './store-from-config.js';

const config = (coordination: string) => parseConfig(
  `[cluster]\nname = "c1"\n[credentials]\nuser = "warden"\npassword = "x"\n[coordination]\n${coordination}\n[[nodes]]\nname = "n1"\nhost = "127.0.0.1"\nport = 3306\n`,
  '/tmp/warden.toml',
);

describe('writerStoreOf', () => {
  it('store "etcd": the options are checked at once, etcd3 is loaded only by the first call', async () => {
    const store = writerStoreOf(await config('store = "etcd"\nendpoints = ["http://127.0.0.1:2379"]\ninstanceId = "a"'));
    assert.ok(store instanceof LazyWriterStore);
    assert.deepEqual([store.kind, store.cluster, store.loaded], ['etcd', 'c1', false]);
    store.destroy();
    assert.equal(store.loaded, false);
  });

  it('store "etcd" with options the schema let through but the store cannot take: throws naming the key, at once', async () => {
    const c = await config('store = "etcd"\nendpoints = ["http://127.0.0.1:2379"]\ninstanceId = "a"');
    assert.throws(() => writerStoreOf({ ...c, coordination: { ...c.coordination, endpoints: [] } }), /coordination\.endpoints: no etcd endpoint configured/);
  });

  it('store "none": no store', async () => {
    assert.equal(writerStoreOf(await config('store = "none"')), undefined);
  });
});
