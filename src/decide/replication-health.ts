// What `status` and the node-side healthcheck say about the nodes of a replication topology ([cluster] topology =
// "replication"), pure: read_only, the replication threads, lag and master, never wsrep (a replication node has no
// Galera state, and Galera's checks would call every node unavailable). Without Orchestrator's word the primary is
// the one node that is writable and replicates from no one (replication-topology.ts).
import type { DecideNode } from '../model/decide-config.js';
import type { NodeObservation, NodeStatus } from '../model/observation.js';
import type { NodeHealth } from './node-health.js';
import { assessNode } from './node-health.js';
import type { TopologyPrimary } from './replication-topology.js';
import { assessReplication } from './replication-topology.js';

const keyText = (k: { host: string; port: number }): string => (k.host.includes(':') ? `[${k.host}]:${k.port}` : `${k.host}:${k.port}`);

/**
 * One phrase for a node's replication state, in place of the wsrep state: "primary (read_only=OFF)", "replica of
 * 10.0.0.1:3306, IO Yes / SQL Yes, lag 0 s", or why it is not known.
 */
export function replicationStateText(obs: NodeObservation): string {
  if (!obs.status) return `probe ${obs.error?.kind ?? 'unknown'}`;
  const r = obs.status.replication;
  if (r === undefined) return 'replication state unknown';
  if (r.master === null) return `${r.readOnly ? 'not replicating' : 'primary'} (read_only=${r.readOnly ? 'ON' : 'OFF'})`;
  const lag = r.secondsBehindMaster === null ? 'lag unknown' : `lag ${r.secondsBehindMaster} s`;
  return `replica of ${keyText(r.master)}, IO ${r.ioRunning || 'none'} / SQL ${r.sqlRunning || 'none'}, ${lag}${r.readOnly ? '' : ', read_only=OFF'}`;
}

/** The node's own health without its wsrep checks: a failed probe and a refused table access still count. */
function ownHealth(obs: NodeObservation): NodeHealth {
  const h = assessNode(obs);
  if (!obs.status) return h;
  const reasons = h.reasons.filter((r) => r.code === 'TABLE_ACCESS');
  return { available: reasons.length === 0, writable: reasons.length === 0, reasons };
}

/**
 * Every node's health in a replication topology, read together: the primary is the one writable node that
 * replicates from no one; a replica is available while its threads run, its lag is within maxReplicationLagS, it
 * is read_only and replicates from the primary; only the primary is writable.
 */
export function assessReplicationNodes(nodes: readonly DecideNode[], observations: readonly NodeObservation[], maxReplicationLagS: number): { primary: TopologyPrimary; health: Map<string, NodeHealth> } {
  const byName = new Map(observations.map((o) => [o.node, o]));
  const statuses = new Map<string, NodeStatus | null>(nodes.map((n) => [n.name, byName.get(n.name)?.status ?? null]));
  const { primary, conditions } = assessReplication(nodes, statuses, null, { maxReplicationLagS });
  const health = new Map<string, NodeHealth>();
  for (const n of nodes) {
    const obs = byName.get(n.name);
    if (!obs) {
      health.set(n.name, { available: false, writable: false, reasons: [{ code: 'PROBE_FAILED', message: `${n.name}: no observation` }] });
      continue;
    }
    const own = ownHealth(obs);
    const cs = conditions.get(n.name) ?? [];
    const out = cs.filter((c) => c.blocks === 'node');
    const available = own.available && obs.status !== undefined && out.length === 0;
    const writable = available && cs.every((c) => c.blocks === 'none');
    const reasons = [...own.reasons, ...cs.map((c) => ({ code: c.code as NodeHealth['reasons'][number]['code'], message: c.message }))];
    health.set(n.name, { available, writable, reasons });
  }
  return { primary, health };
}

/** One node alone (the node-side healthcheck): it cannot tell whether another node is the primary. */
export function assessReplicationNode(obs: NodeObservation, maxReplicationLagS: number): NodeHealth {
  const node: DecideNode = { name: obs.node, host: obs.host, port: obs.port, weight: 0 };
  return assessReplicationNodes([node], [obs], maxReplicationLagS).health.get(obs.node)!;
}
