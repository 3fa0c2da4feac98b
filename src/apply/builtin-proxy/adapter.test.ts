import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import net from 'node:net';
import { trafficOffRouting } from '../../decide/traffic-off.js';
import { routing } from '../router-contract.js';
import { BuiltinProxyAdapter } from './adapter.js';

describe('built-in proxy adapter: currentWriters', () => {
  it('routes no writer at process start, then the writer last applied', async () => {
    const adapter = new BuiltinProxyAdapter({ writer: { host: '127.0.0.1', port: 0 }, reader: { host: '127.0.0.1', port: 0 }, waitForBackendMs: 100, connectTimeoutMs: 100 });
    await adapter.listen();
    try {
      assert.deepEqual(await adapter.currentWriters(), []);
      const nodes = [1, 2].map((i) => ({ name: `node${i}`, host: '127.0.0.1', port: 31200 + i }));
      assert.equal((await adapter.apply(routing(nodes, { writers: ['node2'], readers: ['node1', 'node2'] }))).ok, true);
      assert.deepEqual(await adapter.currentWriters(), ['node2']);
    } finally {
      await adapter.destroy();
    }
  });
});

describe('built-in proxy adapter: traffic switched off', () => {
  it('empties both pools, refuses new clients on both ports, and accepts again once traffic is on', async () => {
    const adapter = new BuiltinProxyAdapter({ writer: { host: '127.0.0.1', port: 0 }, reader: { host: '127.0.0.1', port: 0 }, waitForBackendMs: 60_000, connectTimeoutMs: 100 });
    const ep = await adapter.listen();
    try {
      const nodes = [1, 2].map((i) => ({ name: `node${i}`, host: '127.0.0.1', port: 31200 + i }));
      const on = routing(nodes, { writers: ['node2'], readers: ['node1', 'node2'] });
      assert.equal((await adapter.apply(on)).ok, true);
      const off = await adapter.apply(trafficOffRouting(on, 'traffic is disabled by ops: migration'));
      assert.equal(off.ok, true);
      assert.ok(off.actions.includes('refuse new clients (traffic is disabled by ops: migration)'), off.actions.join('; '));
      assert.deepEqual(adapter.proxy.actual(), { writers: [], readers: [], refusing: true });
      for (const address of [ep.writer, ep.reader!]) {
        const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
        const sock = net.connect(port, host);
        sock.on('error', () => undefined);
        await new Promise<void>((r) => sock.once('close', () => r()));
      }
      assert.equal(adapter.proxy.stats().rejected, 2);
      const back = await adapter.apply(on);
      assert.equal(back.ok, true);
      assert.deepEqual(adapter.proxy.actual(), { writers: ['node2'], readers: ['node1', 'node2'], refusing: false });
    } finally {
      await adapter.destroy();
    }
  });
});
