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
    /**
     * after the record's writer moves, every instance routes no writer for this long, so that no instance still
     * routes the old writer when the new one takes writes. Default: leaseMs + 2 x run.intervalMs +
     * probe.timeoutMs + timeoutMs (a follower that reads the record sees the move within one tick; one that
     * cannot read it stops at its lease, noticed within one more tick). 0: route the new writer at once.
     */
    handoverMs: z.number({ error: 'expected a number of milliseconds' }).int({ error: 'expected whole milliseconds' }).min(0, { error: 'expected at least 0' }).max(600_000, { error: 'expected at most 600000' }).optional(),
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

/** The handover in force: the configured one, or what lets every other instance drop the old writer first. */
export const handoverMsOf = (c: Pick<CoordinationSection, 'handoverMs' | 'leaseMs' | 'timeoutMs'>, intervalMs: number, probeTimeoutMs: number): number =>
  c.handoverMs ?? leaseMsOf(c, intervalMs) + 2 * intervalMs + probeTimeoutMs + c.timeoutMs;
