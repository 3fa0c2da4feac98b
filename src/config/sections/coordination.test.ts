import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../model/errors.js';
import { parseConfig } from '../load-config.js';
import { leaseMsOf } from './coordination.js';

const BASE = '[cluster]\nname = "prod"\n[credentials]\nuser = "warden"\npassword = "s3cret-Pw"\n[[nodes]]\nname = "db1"\nhost = "10.0.0.1"\n';
const io = { env: {}, readFile: () => Promise.reject(new Error('no files')) };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const files: Record<string, string> = { '/etc/gw/etcd-ca.pem': PEM, '/etc/gw/client.pem': PEM, '/etc/gw/client.key': PEM.replaceAll('CERTIFICATE', 'PRIVATE KEY'), '/etc/gw/etcd.pw': 'etcd-Pw-1\n', '/etc/gw/plain.txt': 'hello' };
const fileIo = { env: { ETCD_PW: 'from-env' }, readFile: (f: string) => (files[f] !== undefined ? Promise.resolve(files[f]) : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }))) };
const rejects = async (text: string, io2: typeof fileIo = fileIo): Promise<string> => {
  const err = await parseConfig(`${BASE}[coordination]\n${text}\n`, '/etc/gw/gw.toml', io2).then(() => assert.fail(`accepted ${text}`), (e: unknown) => e);
  assert.ok(err instanceof ConfigError, String(err));
  return err.message;
};

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
      ['store = "zookeeper"', 'coordination.store', /"none", "galera" or "etcd"/],
      ['schema = "a.b"', 'coordination.schema', /plain schema name/],
      ['leaseMs = 5', 'coordination.leaseMs', /milliseconds/],
    ] as const) {
      const err = await parseConfig(`${BASE}[coordination]\n${text}\n`, '/etc/gw.toml', io).then(() => assert.fail(`accepted ${text}`), (e: unknown) => e);
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.includes(key), err.message);
      assert.match(err.message, what);
    }
  });

  it('takes the etcd store: endpoints, a prefix, TLS files (relative to the config file) and a user whose password is a secret', async () => {
    const c = await parseConfig(`${BASE}[coordination]\nstore = "etcd"\nendpoints = ["https://etcd-1:2379", "https://etcd-2:2379"]\nprefix = "/gw/prod"\ncaFile = "etcd-ca.pem"\ncertFile = "client.pem"\nkeyFile = "/etc/gw/client.key"\nusername = "warden"\npasswordFile = "etcd.pw"\n`, '/etc/gw/gw.toml', fileIo);
    const k = c.coordination;
    assert.deepEqual([k.store, k.endpoints, k.prefix, k.caFile, k.certFile, k.keyFile, k.username], ['etcd', ['https://etcd-1:2379', 'https://etcd-2:2379'], '/gw/prod', '/etc/gw/etcd-ca.pem', '/etc/gw/client.pem', '/etc/gw/client.key', 'warden']);
    assert.equal(k.etcdPassword?.reveal(), 'etcd-Pw-1');
    assert.deepEqual(k.etcdTls?.reveal(), { ca: PEM, cert: PEM, key: files['/etc/gw/client.key'] });
    assert.ok(!JSON.stringify(c).includes('etcd-Pw-1'), 'the etcd password shows in the config as JSON');
    assert.ok(!JSON.stringify(c).includes('PRIVATE KEY'), 'the key shows in the config as JSON');
    const env = await parseConfig(`${BASE}[coordination]\nstore = "etcd"\nendpoints = ["http://127.0.0.1:2379"]\nusername = "w"\npasswordEnv = "ETCD_PW"\n`, '/etc/gw/gw.toml', fileIo);
    assert.equal(env.coordination.etcdPassword?.reveal(), 'from-env');
    assert.equal(env.coordination.etcdTls, undefined);
  });

  it('names the etcd key that is wrong or missing', async () => {
    for (const [text, key, what] of [
      ['store = "etcd"', 'coordination.endpoints', /is required with store = "etcd"/],
      ['store = "etcd"\nendpoints = []', 'coordination.endpoints', /at least one/],
      ['store = "etcd"\nendpoints = "http://127.0.0.1:2379"', 'coordination.endpoints', /a list of etcd client URLs/],
      ['store = "etcd"\nendpoints = ["127.0.0.1:2379"]', 'coordination.endpoints[0]', /http:\/\/host:port or https:\/\/host:port/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\nprefix = "gw/"', 'coordination.prefix', /key prefix/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\ncertFile = "client.pem"', 'coordination.keyFile', /needs its key/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\nusername = "w"', 'coordination.username', /needs one of password/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\npassword = "x"', 'coordination.password', /coordination\.username is not/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\nusername = "w"\npassword = "x"\npasswordEnv = "Y"', 'coordination.passwordEnv', /give only one/],
      ['store = "galera"\nendpoints = ["http://etcd:2379"]', 'coordination.endpoints', /etcd setting, but coordination.store is "galera"/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\ncaFile = "missing.pem"', 'coordination.caFile', /cannot read \/etc\/gw\/missing\.pem: no such file/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\ncaFile = "plain.txt"', 'coordination.caFile', /not a PEM file/],
      ['store = "etcd"\nendpoints = ["http://etcd:2379"]\nusername = "w"\npasswordEnv = "NOPE"', 'coordination.passwordEnv', /NOPE is not set/],
    ] as const) {
      const message = await rejects(text);
      assert.ok(message.includes(key), `${text}: ${message}`);
      assert.match(message, what, text);
    }
  });
});
