// [coordination]: the writer record shared by every galera-warden instance of a cluster (docs/coordination.md).
// store = "none" (default): this instance decides alone. "galera": the record lives in a table of the cluster.
import * as z from 'zod';
import { identifier, millis, table } from './common.js';

export const COORDINATION_DEFAULTS = { store: 'none', timeoutMs: 2000, schema: 'galera_warden' } as const;

export const coordinationSection = table(
  {
    store: z.enum(['none', 'galera'], { error: 'expected "none" or "galera"' }).default(COORDINATION_DEFAULTS.store),
    /**
     * how long after the store last answered this instance may keep routing the writer it knew (while that
     * writer stays eligible); then it routes no writer until the store answers. Default 3 x run.intervalMs.
     */
    leaseMs: millis(100, 600_000).optional(),
    /** hard timeout of one read or compare-and-set of the record, over every node tried */
    timeoutMs: millis(50, 60_000).default(COORDINATION_DEFAULTS.timeoutMs),
    /** the schema of the record table (galera store); created when missing */
    schema: z.string({ error: 'expected a schema name' }).regex(/^[A-Za-z0-9_]{1,64}$/, { error: 'expected a plain schema name: 1 to 64 letters, digits or "_"' }).default(COORDINATION_DEFAULTS.schema),
    /** who this instance is in the record's setBy; default <hostname>:<pid> */
    instanceId: identifier('an instance id').optional(),
  },
  'a [coordination] table',
);

export type CoordinationSection = z.output<typeof coordinationSection>;

/** The lease in force: the configured one, or three loop intervals. */
export const leaseMsOf = (c: Pick<CoordinationSection, 'leaseMs'>, intervalMs: number): number => c.leaseMs ?? 3 * intervalMs;
