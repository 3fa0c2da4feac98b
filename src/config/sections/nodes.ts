// [[nodes]]: the Galera nodes to watch. Names and host:port pairs are unique.
import * as z from 'zod';
import { identifier, intIn, port, table, text } from './common.js';

export const NODE_DEFAULTS = { port: 3306, weight: 1000 } as const;

export const nodeEntry = table(
  {
    name: identifier('a node name'),
    host: text('a host name or IP address').refine((h) => !/\s/.test(h), { error: 'expected a host name or IP address without blanks' }),
    port: port().default(NODE_DEFAULTS.port),
    /** writer priority: higher wins (pxcScheduler: weight in the 8000+HG backup group) */
    weight: intIn(0, 1_000_000, 'a weight').default(NODE_DEFAULTS.weight),
    /** port of a node-side healthcheck next to this node, if one runs */
    healthPort: port().optional(),
  },
  'a [[nodes]] table',
);

export const nodesSection = z
  .array(nodeEntry, {
    error: (iss) => (iss.input === undefined ? 'is required: add at least one [[nodes]] table' : 'expected [[nodes]] tables'),
  })
  .min(1, { error: 'is empty: add at least one [[nodes]] table' })
  .superRefine((nodes, ctx) => {
    const names = new Map<string, number>();
    const addresses = new Map<string, number>();
    nodes.forEach((n, i) => {
      const sameName = names.get(n.name);
      if (sameName !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate node name "${n.name}" (also nodes[${sameName}].name)` });
      } else names.set(n.name, i);
      const address = `${n.host.toLowerCase()}:${n.port}`;
      const sameAddress = addresses.get(address);
      if (sameAddress !== undefined) {
        ctx.addIssue({ code: 'custom', path: [i, 'port'], message: `duplicate address ${n.host}:${n.port} (also nodes[${sameAddress}], "${nodes[sameAddress]!.name}")` });
      } else addresses.set(address, i);
    });
  });

export type NodeEntry = z.output<typeof nodeEntry>;
