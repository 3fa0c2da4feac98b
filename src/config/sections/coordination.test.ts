import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../model/errors.js';
import { parseConfig } from '../load-config.js';
import { leaseMsOf } from './coordination.js';

const BASE = '[cluster]\nname = "prod"\n[credentials]\nuser = "warden"\npassword = "s3cret-Pw"\n[[nodes]]\nname = "db1"\nhost = "10.0.0.1"\n';
const io = { env: {}, readFile: () => Promise.reject(new Error('no files')) };

describe('config [coordination]', () => {
  it('is off (store "none") by default; the lease defaults to three loop intervals', async () => {
    const c = await parseConfig(`${BASE}[run]\nintervalMs = 700\n`, '/etc/gw.toml', io);
    assert.equal(c.coordination.store, 'none');
    assert.equal(c.coordination.schema, 'galera_warden');
    assert.equal(leaseMsOf(c.coordination, c.run.intervalMs), 2100);
  });

  it('takes the galera store, a lease, a timeout, a schema and an instance id', async () => {
    const c = await parseConfig(`${BASE}[coordination]\nstore = "galera"\nleaseMs = 5000\ntimeoutMs = 800\nschema = "gw_coord"\ninstanceId = "proxy-a"\n`, '/etc/gw.toml', io);
    assert.deepEqual({ ...c.coordination }, { store: 'galera', leaseMs: 5000, timeoutMs: 800, schema: 'gw_coord', instanceId: 'proxy-a' });
    assert.equal(leaseMsOf(c.coordination, c.run.intervalMs), 5000);
  });

  it('names the key and what is expected when a value is wrong', async () => {
    for (const [text, key, what] of [
      ['store = "etcd"', 'coordination.store', /"none" or "galera"/],
      ['schema = "a.b"', 'coordination.schema', /plain schema name/],
      ['leaseMs = 5', 'coordination.leaseMs', /milliseconds/],
    ] as const) {
      const err = await parseConfig(`${BASE}[coordination]\n${text}\n`, '/etc/gw.toml', io).then(() => assert.fail(`accepted ${text}`), (e: unknown) => e);
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.includes(key), err.message);
      assert.match(err.message, what);
    }
  });
});
