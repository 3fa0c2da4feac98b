// The shared router contract, run against the built-in proxy.
import type { DesiredRouting } from '../../model/decision.js';
import { routerContract } from '../router-contract.js';
import { BuiltinProxyAdapter } from './adapter.js';

routerContract('built-in proxy', async () => {
  const adapter = new BuiltinProxyAdapter({
    writer: { host: '127.0.0.1', port: 0 },
    reader: { host: '127.0.0.1', port: 0 },
    waitForBackendMs: 100,
    connectTimeoutMs: 100,
  });
  await adapter.listen();
  return {
    adapter,
    nodes: [1, 2, 3].map((i) => ({ name: `node${i}`, host: '127.0.0.1', port: 31200 + i })),
    actual: async () => adapter.proxy.actual(),
    // a decision naming a node it has no entry for is refused before anything is routed
    breakNextApply: (d: DesiredRouting) => ({ ...d, writers: [...d.writers, 'ghost'] }),
    close: () => adapter.destroy(),
  };
});
