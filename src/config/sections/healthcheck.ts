// [healthcheck]: the node-side HTTP check (`galera-warden healthcheck`), answering 200 when the node
// may take traffic and 503 when not, for HAProxy `option httpchk` or any load balancer.
import type * as z from 'zod';
import { flag, identifier, millis, port, table, text } from './common.js';

export const HEALTHCHECK_DEFAULTS = {
  host: '0.0.0.0',
  port: 9200,
  availableWhenDonor: false,
  availableWhenReadOnly: false,
  cacheMs: 0,
  holdMs: 8000,
} as const;

export const healthcheckSection = table(
  {
    /** the [[nodes]] entry this healthcheck watches (or --node) */
    node: identifier('a node name').optional(),
    host: text('a listen address').default(HEALTHCHECK_DEFAULTS.host),
    port: port().default(HEALTHCHECK_DEFAULTS.port),
    /** a Donor/Desynced node that does not reject queries answers 200 */
    availableWhenDonor: flag().default(HEALTHCHECK_DEFAULTS.availableWhenDonor),
    /** a read_only node answers 200 */
    availableWhenReadOnly: flag().default(HEALTHCHECK_DEFAULTS.availableWhenReadOnly),
    /** reuse a probe result this long (0: probe on every request; concurrent requests always share one probe) */
    cacheMs: millis(0, 60_000).default(HEALTHCHECK_DEFAULTS.cacheMs),
    /** after a failure, answer 503 until the node has been healthy this long (a resumed frozen node's stale view lasts ~6 s) */
    holdMs: millis(0, 3_600_000).default(HEALTHCHECK_DEFAULTS.holdMs),
  },
  'a [healthcheck] table',
);

export type HealthcheckSection = z.output<typeof healthcheckSection>;
