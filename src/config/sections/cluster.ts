// [cluster]: which cluster this config describes, and its topology (Galera, or one primary with async replicas).
import * as z from 'zod';
import { identifier, intIn, table } from './common.js';

export const clusterSection = table(
  {
    /** the cluster's name: shown everywhere, and the key of the shared writer record */
    name: identifier('a cluster name'),
    /** galera (default), or replication: one primary with asynchronous (GTID) replicas, no wsrep */
    topology: z.enum(['galera', 'replication'], { error: 'expected "galera" or "replication"' }).default('galera'),
    /** replication topology: a replica further behind than this many seconds takes no reads (default 10) */
    maxReplicationLagS: intIn(0, 86_400, 'a number of seconds').optional(),
  },
  'a [cluster] section with name = "..."',
).superRefine((c, ctx) => {
  if (c.topology !== 'replication' && c.maxReplicationLagS !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['maxReplicationLagS'], message: 'applies only to topology = "replication" (a Galera cluster has no replication lag to check); remove it or set topology = "replication"' });
  }
});

export type ClusterSection = z.output<typeof clusterSection>;
