// [fencing]: Galera-native fencing (evs.evict) of a dead or frozen member, off by default. See docs/fencing.md.
import * as z from 'zod';
import { DEFAULT_FENCING_CONFIG } from '../../model/fencing.js';
import { millis, table, text } from './common.js';

const d = DEFAULT_FENCING_CONFIG;

export const fencingSection = table(
  {
    /** off; dead: evict a member whose port refuses (process gone); unresponsive: probe timeouts too, confirmed by the survivors */
    mode: z.enum(['off', 'dead', 'unresponsive'], { error: 'expected "off", "dead" or "unresponsive"' }).default(d.mode),
    /** at most one eviction per window */
    windowMs: millis(0, 86_400_000).default(d.windowMs),
    /** unresponsive: the node must have timed out this long before it is evicted (ride out pauses shorter than this) */
    confirmMs: millis(0, 600_000).default(d.confirmMs),
    /** unresponsive: a causal read on a survivor slower than this means the group has lost the node too */
    groupCheckTimeoutMs: millis(20, 10_000).default(d.groupCheckTimeoutMs),
    /** connect + statement deadline of evict and clear statements */
    actionTimeoutMs: millis(50, 30_000).default(d.actionTimeoutMs),
    /** argv of a command that restarts an evicted node that resumed; {node} {host} {port} {uuid} are replaced */
    restartHook: z.array(text('a command-line argument'), { error: 'expected an array of strings (the command and its arguments)' }).min(1, { error: 'expected the command and its arguments, got an empty array' }).optional(),
    /** a resumed evicted node is restarted once seen so for this long */
    restartAfterMs: millis(0, 3_600_000).default(d.restartAfterMs),
    /** the restart hook is killed after this long */
    restartTimeoutMs: millis(1000, 3_600_000).default(d.restartTimeoutMs),
  },
  'a [fencing] table',
);

export type FencingSection = z.output<typeof fencingSection>;
