// [probe]: how each node is probed. Every probe runs under a hard overall deadline (timeoutMs), so
// a frozen node (accepting TCP, never answering) costs at most that long.
import type * as z from 'zod';
import { flag, millis, table } from './common.js';

export const PROBE_DEFAULTS = { connectTimeoutMs: 1000, timeoutMs: 2000, intervalMs: 1000, reuseConnection: false } as const;

export const probeSection = table(
  {
    /** TCP connect + MySQL handshake + login */
    connectTimeoutMs: millis(1, 600_000).default(PROBE_DEFAULTS.connectTimeoutMs),
    /** hard deadline for the whole probe: connect, login and every query */
    timeoutMs: millis(1, 600_000).default(PROBE_DEFAULTS.timeoutMs),
    /** time between two probes of the same node in long-running modes */
    intervalMs: millis(10, 3_600_000).default(PROBE_DEFAULTS.intervalMs),
    /** keep one live connection per node between probes (reconnect on failure) instead of one per probe */
    reuseConnection: flag().default(PROBE_DEFAULTS.reuseConnection),
  },
  'a [probe] table',
).superRefine((p, ctx) => {
  if (p.connectTimeoutMs > p.timeoutMs) {
    ctx.addIssue({ code: 'custom', path: ['connectTimeoutMs'], message: `must not exceed probe.timeoutMs (${p.timeoutMs}), got ${p.connectTimeoutMs}` });
  }
});

export type ProbeSection = z.output<typeof probeSection>;
