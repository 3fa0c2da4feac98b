// [cluster]: which Galera cluster this config describes.
import type * as z from 'zod';
import { identifier, table } from './common.js';

export const clusterSection = table(
  {
    /** the cluster's name: shown everywhere, and the key of the shared writer record */
    name: identifier('a cluster name'),
  },
  'a [cluster] section with name = "..."',
);

export type ClusterSection = z.output<typeof clusterSection>;
