// [routing]: the decision policy (pxcScheduler's [pxccluster] keys where one exists). Maps onto
// DecideConfig; the node list comes from [[nodes]].
import * as z from 'zod';
import { DEFAULT_DECIDE_CONFIG } from '../../model/decide-config.js';
import { flag, intIn, millis, table } from './common.js';

const d = DEFAULT_DECIDE_CONFIG;

export const routingSection = table(
  {
    /** 0: never promote another node when the writer is lost; 1: promote the best writer candidate */
    activeFailover: z.union([z.literal(0), z.literal(1)], { error: 'expected 0 (no fail-over) or 1 (fail over to the best writer candidate)' }).default(d.activeFailover),
    /** give the writer role back to a better-ranked node once it has recovered (default: sticky writer) */
    failBack: flag().default(d.failBack),
    singlePrimary: flag().default(d.singlePrimary),
    maxNumWriters: intIn(1, 64, 'a number of writers').default(d.maxNumWriters),
    writerIsAlsoReader: flag().default(d.writerIsAlsoReader),
    retryUp: intIn(0, 1000, 'a number of observations').default(d.retryUp),
    retryDown: intIn(0, 1000, 'a number of observations').default(d.retryDown),
    /** a node that was out must be healthy this long before it re-enters a pool */
    minHoldMs: millis(0, 3_600_000).default(d.minHoldMs),
    mainSegment: intIn(0, 255, 'a gmcast.segment number').default(d.mainSegment),
    availableWhenDonor: flag().default(d.availableWhenDonor),
    availableWhenReadOnly: flag().default(d.availableWhenReadOnly),
    /** a probe slower than this does not count as a healthy answer (pxcScheduler checkTimeOut) */
    checkTimeoutMs: millis(1, 600_000).default(d.checkTimeoutMs),
    maxObservationAgeMs: millis(1, 3_600_000).default(d.maxObservationAgeMs),
  },
  'a [routing] table',
);

export type RoutingSection = z.output<typeof routingSection>;
