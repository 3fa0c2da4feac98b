// [run]: the long-running loop (`galera-warden run`) and its logs.
import * as z from 'zod';
import { flag, millis, table, text } from './common.js';

export const RUN_DEFAULTS = { intervalMs: 1000, logLevel: 'info', logFormat: 'json', history: 500, dataPathTrigger: true, dataPathFloorMs: 250, reformWatchMs: 10 } as const;

const REFORM_WATCH_ERROR = 'expected 0 (off) or a number of milliseconds from 5 to 60000';

export const runSection = table(
  {
    /** time from the start of one tick to the start of the next (sub-second allowed; ticks never overlap) */
    intervalMs: millis(20, 3_600_000).default(RUN_DEFAULTS.intervalMs),
    /**
     * a router's data-path signal (a bridge reset or closed by a node, a refused connect, a greeting that never
     * came; HAProxy's error counters) runs a tick at once, out of band (docs/data-path.md)
     */
    dataPathTrigger: flag().default(RUN_DEFAULTS.dataPathTrigger),
    /** the least time between the starts of two data-path-triggered ticks for one node */
    dataPathFloorMs: millis(10, 3_600_000).default(RUN_DEFAULTS.dataPathFloorMs),
    /**
     * while no writer is routed and a reachable node is outside a Synced Primary component, poll the reachable
     * nodes' Galera view (one statement each) this often and tick at once when it changes (0: off;
     * docs/data-path.md, "The re-form watch")
     */
    reformWatchMs: z.int({ error: REFORM_WATCH_ERROR }).min(0, { error: REFORM_WATCH_ERROR }).max(60_000, { error: REFORM_WATCH_ERROR })
      .refine((v) => v === 0 || v >= 5, { error: REFORM_WATCH_ERROR })
      .default(RUN_DEFAULTS.reformWatchMs),
    /**
     * where the decision state is kept across restarts (the sticky writer, its epoch, maintenance marks);
     * relative to the config file; default /var/lib/galera-warden/<cluster.name>.state.json. Its folder must
     * not be world-writable (/tmp is refused).
     */
    stateFile: text('a file path').optional(),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'expected one of fatal, error, warn, info, debug, trace, silent' }).default(RUN_DEFAULTS.logLevel),
    /** json: one JSON object per line; pretty: short lines for a terminal */
    logFormat: z.enum(['json', 'pretty'], { error: 'expected "json" or "pretty"' }).default(RUN_DEFAULTS.logFormat),
    /** ticks that changed something, kept for the API and dashboard */
    history: z.int({ error: 'expected a number of ticks from 10 to 100000' }).min(10).max(100_000).default(RUN_DEFAULTS.history),
  },
  'a [run] table',
);

export type RunSection = z.output<typeof runSection>;
