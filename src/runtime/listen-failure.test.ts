import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { WardenError } from '../model/errors.js';
import { listenFailure, listening } from './listen-failure.js';

const listen = (port: number) => new Promise<net.Server>((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(port, '127.0.0.1', () => resolve(s));
});

describe('a listener that cannot bind', () => {
  it('a port in use: E_LISTEN naming the config key, the address and what to do', async () => {
    const taken = await listen(0);
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await assert.rejects(
        listening([{ key: '[proxy] readerPort', host: '127.0.0.1', port: port + 100_000 }, { key: '[proxy] writerPort', host: '127.0.0.1', port }], () => listen(port)),
        (err: WardenError) => {
          assert.equal(err.code, 'E_LISTEN');
          assert.equal(err.message, `[proxy] writerPort: cannot listen on 127.0.0.1:${port}: address already in use (another process listens there: stop it, or pick another port)`);
          return true;
        },
      );
    } finally {
      taken.close();
    }
  });

  it('other causes are named too; an error that is already ours passes through', async () => {
    assert.match(listenFailure('[api] port', '::1', 80, Object.assign(new Error('x'), { code: 'EACCES' })).message, /^\[api\] port: cannot listen on \[::1\]:80: permission denied/);
    assert.match(listenFailure('[api] port', '10.9.9.9', 8080, Object.assign(new Error('listen EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' })).message, /this host has no such address/);
    const ours = new WardenError('E_X', 'already said');
    await assert.rejects(listening([{ key: 'k', host: 'h', port: 1 }], () => Promise.reject(ours)), (e) => e === ours);
  });
});
