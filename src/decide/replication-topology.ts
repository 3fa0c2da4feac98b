// The replication topology ([cluster] topology = "replication"), pure: which node is the primary, and what each
// node's replication state counts against it. The primary is Orchestrator's master when the Orchestrator source
// names one (galera-warden follows it, never promotes); without it, the one observed node that is writable and
// replicates from no one. Two such nodes and no Orchestrator master: no primary (never two writers).
// A replica never writes; it reads while its threads run, its lag is within maxReplicationLagS, it is read_only
// and it replicates from the primary. A node that replicates from no one and is not the primary is out.
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { NodeStatus } from '../model/observation.js';
import type { InstanceKey } from '../model/orchestrator.js';
import type { Condition } from './conditions.js';
import { compareText } from './conditions.js';

export interface TopologyPrimary {
  /** the configured node that is the primary; null when none is (or the primary is not a configured node) */
  node: string | null;
  /** its address, to compare with what replicas replicate from; null when there is no primary */
  key: InstanceKey | null;
  /** who said so */
  source: 'orchestrator' | 'observed' | 'none';
  /** one sentence: how the primary was found, or why there is none */
  message: string;
}

export interface ReplicationAssessment {
  primary: TopologyPrimary;
  /** conditions per configured node (only nodes with any) */
  conditions: Map<string, Condition[]>;
}

const sameKey = (a: InstanceKey, b: InstanceKey): boolean => a.port === b.port && a.host.toLowerCase() === b.host.toLowerCase();
const keyText = (k: InstanceKey): string => (k.host.includes(':') ? `[${k.host}]:${k.port}` : `${k.host}:${k.port}`);

/** Writable and replicating from no one, by the node's own report. */
function claimsPrimary(s: NodeStatus | null): boolean {
  return s?.replication !== undefined && s.replication.master === null && !s.replication.readOnly;
}

export function findPrimary(nodes: readonly DecideNode[], statuses: ReadonlyMap<string, NodeStatus | null>, orchestratorMaster: InstanceKey | null): TopologyPrimary {
  if (orchestratorMaster !== null) {
    const n = nodes.find((x) => sameKey(x, orchestratorMaster));
    const where = keyText(orchestratorMaster);
    return n
      ? { node: n.name, key: { host: n.host, port: n.port }, source: 'orchestrator', message: `${n.name} is the primary: Orchestrator's master of the cluster (${where})` }
      : { node: null, key: orchestratorMaster, source: 'orchestrator', message: `Orchestrator's master ${where} is not a configured node` };
  }
  const claimers = nodes.filter((n) => claimsPrimary(statuses.get(n.name) ?? null)).map((n) => n.name).sort(compareText);
  if (claimers.length === 1) {
    const n = nodes.find((x) => x.name === claimers[0]) as DecideNode;
    return { node: n.name, key: { host: n.host, port: n.port }, source: 'observed', message: `${n.name} is the primary: the only node that is writable and replicates from no one` };
  }
  if (claimers.length > 1) {
    return { node: null, key: null, source: 'none', message: `no primary: ${claimers.join(', ')} are all writable and replicate from no one, and no Orchestrator master decides between them` };
  }
  return { node: null, key: null, source: 'none', message: 'no primary: no observed node is writable and replicates from no one' };
}

function nodeConditions(n: DecideNode, status: NodeStatus | null, primary: TopologyPrimary, ambiguous: boolean, config: Pick<DecideConfig, 'maxReplicationLagS'>): Condition[] {
  const out: Condition[] = [];
  const add = (code: Condition['code'], message: string, blocks: Condition['blocks']): void => {
    out.push({ code, message: `${n.name}: ${message}`, blocks });
  };
  const isPrimary = primary.node === n.name;
  if (status === null) {
    // not observed in time: what the probe failed with already counts; Orchestrator may still say it is not the primary
    if (primary.source === 'orchestrator' && !isPrimary) add('NOT_TOPOLOGY_PRIMARY', `not the primary (${primary.message})`, 'node');
    return out;
  }
  const r = status.replication;
  if (r === undefined) {
    add('REPLICATION_UNKNOWN', 'the probe did not read the replication state (read_only, SHOW SLAVE STATUS)', 'node');
    return out;
  }
  if (r.master !== null) {
    const from = keyText(r.master);
    add('REPLICA', `replicates from ${from}: a replica takes no writes`, 'writer');
    if (!r.readOnly) add('REPLICA_WRITABLE', `replicates from ${from} but read_only=OFF: writes there would diverge from the primary`, 'node');
    if (r.ioRunning !== 'Yes' || r.sqlRunning !== 'Yes') {
      const err = r.lastError === '' ? '' : `: ${r.lastError}`;
      add('REPLICATION_STOPPED', `replication from ${from} is not running (Slave_IO_Running=${r.ioRunning || 'none'}, Slave_SQL_Running=${r.sqlRunning || 'none'})${err}`, 'node');
    } else if (r.secondsBehindMaster === null) {
      add('REPLICATION_LAGGING', `replication lag unknown (Seconds_Behind_Master is NULL)`, 'node');
    } else if (r.secondsBehindMaster > config.maxReplicationLagS) {
      add('REPLICATION_LAGGING', `${r.secondsBehindMaster} s behind ${from}, more than maxReplicationLagS=${config.maxReplicationLagS}`, 'node');
    }
    if (primary.key !== null && !sameKey(r.master, primary.key)) {
      add('WRONG_MASTER', `replicates from ${from}, not from the primary ${keyText(primary.key)} (${primary.message})`, 'node');
    }
    if (isPrimary) add('NOT_TOPOLOGY_PRIMARY', `named the primary but still replicates from ${from}`, 'writer');
    return out;
  }
  if (r.readOnly) add('READ_ONLY', isPrimary ? 'read_only=ON: the primary takes no writes until read_only is OFF' : 'read_only=ON', 'writer');
  if (ambiguous && !r.readOnly) add('PRIMARY_AMBIGUOUS', primary.message, 'writer');
  else if (primary.key !== null && !isPrimary) add('NOT_TOPOLOGY_PRIMARY', `replicates from no one and is not the primary (${primary.message})`, 'node');
  return out;
}

/**
 * The primary and every node's replication conditions. `statuses`: the node's status when it was probed in time,
 * else null. `orchestratorMaster`: the Orchestrator source's master of the cluster, null when unknown or not used.
 */
export function assessReplication(
  nodes: readonly DecideNode[],
  statuses: ReadonlyMap<string, NodeStatus | null>,
  orchestratorMaster: InstanceKey | null,
  config: Pick<DecideConfig, 'maxReplicationLagS'>,
): ReplicationAssessment {
  const primary = findPrimary(nodes, statuses, orchestratorMaster);
  const ambiguous = primary.source === 'none' && nodes.filter((n) => claimsPrimary(statuses.get(n.name) ?? null)).length > 1;
  const conditions = new Map<string, Condition[]>();
  for (const n of nodes) {
    const c = nodeConditions(n, statuses.get(n.name) ?? null, primary, ambiguous, config);
    if (c.length > 0) conditions.set(n.name, c);
  }
  return { primary, conditions };
}
