import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../model/errors.js';
import { parseConfig } from '../load-config.js';

const BASE = '[cluster]\nname = "prod"\n[credentials]\nuser = "warden"\npassword = "s3cret-Pw"\n[[nodes]]\nname = "db1"\nhost = "10.0.0.1"\n';
const io = { env: {}, readFile: () => Promise.reject(new Error('no files')) };

describe('config [haproxy]', () => {
  it('is absent unless the table is there; an empty table takes the defaults', async () => {
    assert.equal((await parseConfig(BASE, '/etc/gw.toml', io)).haproxy, undefined);
    const c = await parseConfig(`${BASE}[haproxy]\n`, '/etc/gw.toml', io);
    assert.deepEqual(c.haproxy && [c.haproxy.socket, c.haproxy.writerBackend, c.haproxy.readerBackend, c.haproxy.timeoutMs], ['/run/haproxy/admin.sock', 'galera_writer', 'galera_reader', 2000]);
  });
  it('takes a TCP socket', async () => {
    const c = await parseConfig(`${BASE}[haproxy]\nsocket = "127.0.0.1:9999"\n`, '/etc/gw.toml', io);
    assert.equal(c.haproxy?.socket, '127.0.0.1:9999');
  });
  it('names the key when a value is wrong', async () => {
    for (const [text, key] of [
      ['socket = "admin.sock"', 'haproxy.socket'],
      ['writerBackend = "a b"', 'haproxy.writerBackend'],
      ['readerBackend = "galera_writer"', 'haproxy.readerBackend'],
      ['timeoutMs = 10', 'haproxy.timeoutMs'],
      ['stats = 1', 'haproxy'],
    ] as const) {
      await assert.rejects(parseConfig(`${BASE}[haproxy]\n${text}\n`, '/etc/gw.toml', io), (e: Error) => e instanceof ConfigError && e.message.includes(key), text);
    }
  });
});
