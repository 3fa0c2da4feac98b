// Whether this instance can route, for the health port's /ready: a writer is routed and the loop is alive.
// `/` keeps answering 200 while the process serves (Switchboard's behaviour, what load balancers expect);
// /ready lets a load balancer in front of two wardens leave the one that cannot route.
import type { Readiness } from '../model/tick.js';
import type { LoopHealth } from './warden-loop.js';

export type { Readiness };

export interface ReadinessInput {
  health: Readonly<LoopHealth>;
  draining: boolean;
  now: number;
  /** a completed tick older than this means the loop is stuck */
  staleAfterMs: number;
}

export function readiness(i: ReadinessInput): Readiness {
  const h = i.health;
  if (i.draining) return { ready: false, reason: 'draining', detail: 'shutting down: connections drain, no new ones' };
  if (h.failing !== null) return { ready: false, reason: 'ticks failing', detail: `the last tick failed: ${h.failing}` };
  if (h.lastTickAt === null) return { ready: false, reason: 'ticks stale', detail: 'no tick has completed yet' };
  const age = i.now - h.lastTickAt;
  if (age > i.staleAfterMs) return { ready: false, reason: 'ticks stale', detail: `the last tick completed ${age} ms ago (stale after ${i.staleAfterMs} ms)` };
  if (h.trafficOff) return { ready: false, reason: 'traffic disabled', detail: h.trafficOff };
  if (h.writers.length === 0 && h.coordination) return { ready: false, reason: 'coordination unavailable', detail: h.coordination };
  if (h.writers.length === 0) return { ready: false, reason: 'no writer', detail: 'no node is eligible for the writer role' };
  // decided: the writer check (/writer/<node>) follows the decision even when one router failed to apply it
  if (!h.routed) return { ready: false, reason: 'no writer', detail: `a router failed to route the writer ${h.writers.join(', ')}`, decided: [...h.writers] };
  return { ready: true, writers: [...h.writers] };
}

/**
 * Three intervals, plus the probe deadline: a tick lasts as long as its slowest probe, so a node that hangs
 * until its probe deadline must not make a working instance look stuck.
 */
export const staleAfterMs = (intervalMs: number, probeTimeoutMs: number): number => 3 * intervalMs + probeTimeoutMs;
