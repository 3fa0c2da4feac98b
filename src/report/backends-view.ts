// Switchboard's GET /v0/backends, so that tools written for pxc-release's proxy read galera-warden too.
// Pure: the latest tick and the proxy's counters in, the array Switchboard serves out (same keys, same types).
import type { NodeDecision } from '../model/decision.js';
import type { ProxyStatsSnapshot, TickRecord } from '../model/tick.js';

export interface SwitchboardBackend {
  host: string;
  port: number;
  healthy: boolean;
  name: string;
  currentSessionCount: number;
  active: boolean;
  trafficEnabled: boolean;
}

const PARKED = new Set<string>(['offline_soft', 'offline_hard', 'maintenance']);

/**
 * Healthy: admitted to service by the decision and not parked in every pool it is a candidate for
 * (Switchboard: its healthcheck answers 200). A node that is a candidate for no pool is not healthy.
 */
export function isHealthy(d: NodeDecision): boolean {
  const roles = [d.writer, d.reader].filter((r) => r !== 'none');
  return d.inService && roles.some((r) => !PARKED.has(r));
}

/** Traffic enabled: the node is in the writer or the reader pool now (not backup, not parked). */
export function isTrafficEnabled(d: NodeDecision): boolean {
  return d.writer === 'writer' || d.reader === 'reader';
}

/** Client sessions the built-in proxy holds to the node, writer and reader port together. */
export function sessionsOf(node: string, stats: ProxyStatsSnapshot | undefined): number {
  if (stats === undefined) return 0;
  return (stats.writer[node]?.sessions ?? 0) + (stats.reader[node]?.sessions ?? 0);
}

/** One entry per configured node, in the decision's order (by name); empty before the first tick. */
export function backendsView(tick: TickRecord | undefined, stats: ProxyStatsSnapshot | undefined): SwitchboardBackend[] {
  if (tick === undefined) return [];
  const writers = new Set(tick.desired.writers);
  return tick.desired.nodes.map((d) => ({
    host: d.host,
    port: d.port,
    healthy: isHealthy(d),
    name: d.node,
    currentSessionCount: sessionsOf(d.node, stats),
    active: writers.has(d.node),
    trafficEnabled: isTrafficEnabled(d),
  }));
}
