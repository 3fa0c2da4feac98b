// Switchboard's traffic switch turned off: what is routed is nothing at all. Pure: the decision stays as it is
// (roles, writer track, hysteresis), only the routing handed to the routers changes, so that turning traffic on
// again routes the same writer at once. Every node a pool holds or could hold is parked offline_soft with its
// connections severed: the built-in proxy empties both pools and severs, ProxySQL sets the servers OFFLINE_HARD
// in the writer and reader hostgroups, HAProxy puts the servers in maint and shuts their sessions down.
import type { DesiredRouting, Finding, NodeDecision } from '../model/decision.js';

export const TRAFFIC_DISABLED = 'TRAFFIC_DISABLED';

const parkedRole = <R extends string>(role: R): R | 'offline_soft' => (role === 'none' || role === 'maintenance' || role === 'offline_hard' ? role : 'offline_soft');

/** The routing with traffic off: no writer, no reader, every connection severed, `reason` on every node. */
export function trafficOffRouting(desired: DesiredRouting, reason: string): DesiredRouting {
  const nodes: NodeDecision[] = desired.nodes.map((n) => ({
    ...n,
    writer: parkedRole(n.writer),
    reader: parkedRole(n.reader),
    writerConnections: 'sever',
    readerConnections: 'sever',
    reasons: [{ code: TRAFFIC_DISABLED, message: `${n.node}: ${reason}` }, ...n.reasons],
  }));
  return { ...desired, writers: [], readers: [], nodes, trafficOff: reason };
}

/** The cluster finding while traffic is off. */
export function trafficOffFinding(reason: string): Finding {
  return { code: TRAFFIC_DISABLED, severity: 'critical', priority: 975, scope: 'cluster', message: reason };
}

/** The reason shown everywhere: who turned traffic off, when, and their message. */
export function trafficOffReason(s: { message: string; setBy: string; setAt: number | null }, where: 'record' | 'local'): string {
  const by = s.setBy ? ` by ${s.setBy}` : '';
  const at = s.setAt !== null ? ` at ${new Date(s.setAt).toISOString()}` : '';
  return `traffic is disabled${where === 'record' ? ' in the coordination record' : ''}${by}${at}${s.message ? `: ${s.message}` : ''}`;
}
