import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
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
