// [run]: the long-running loop (`galera-warden run`) and its logs.
import * as z from 'zod';
import { millis, table, text } from './common.js';

export const RUN_DEFAULTS = { intervalMs: 1000, logLevel: 'info', logFormat: 'json', history: 500 } as const;

export const runSection = table(
  {
    /** time from the start of one tick to the start of the next (sub-second allowed; ticks never overlap) */
    intervalMs: millis(20, 3_600_000).default(RUN_DEFAULTS.intervalMs),
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
