// What counts against each node in this tick: its own report (assessNode), probe timing, the membership
// cross-check and external verdicts. The result is per node: its conditions and whether it is fit for traffic.
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { ExternalVerdict } from '../model/external.js';
import type { NodeObservation, NodeStatus } from '../model/observation.js';
import { WSREP_STATE } from '../model/observation.js';
import type { ConditionCode } from '../model/reasons.js';
import type { Condition } from './conditions.js';
import { CONDITIONS, sortConditions } from './conditions.js';
import type { MembershipVerdict } from './membership.js';
import { assessNode } from './node-health.js';

export interface NodeFacts {
  name: string;
  host: string;
  port: number;
  weight: number;
  writerCandidate: boolean;
  readerCandidate: boolean;
  /** the status, when the node was probed in time */
  status: NodeStatus | null;
  /** most important first */
  conditions: Condition[];
  /** nothing keeps the node from traffic in this tick */
  fit: boolean;
  /** fit, a writer candidate, and nothing keeps it from the writer role (e.g. read_only) */
  writerFit: boolean;
  /** a blocking condition acts on the first observation */
  immediateDown: boolean;
  /** a blocking condition is unsafe or an intent: the node never stays writer, not even as the last one */
  hardBlock: boolean;
}

export interface EligibilityContext {
  config: DecideConfig;
  membership: MembershipVerdict;
  external: ExternalVerdict;
  now: number;
  /** replication topology: each node's replication conditions (replication-topology.ts) */
  replication?: ReadonlyMap<string, Condition[]>;
}

/** The observation when it is recent enough to count; a stale one counts as none. */
export function usableStatus(obs: NodeObservation | undefined, config: DecideConfig, now: number): NodeStatus | null {
  if (!obs?.status) return null;
  return now - obs.at > config.maxObservationAgeMs ? null : obs.status;
}

function ownConditions(obs: NodeObservation | undefined, node: DecideNode, config: DecideConfig, now: number): Condition[] {
  const out: Condition[] = [];
  if (!obs) {
    out.push({ code: 'NOT_OBSERVED', message: `${node.name}: no observation in this tick`, blocks: 'node' });
    return out;
  }
  const age = now - obs.at;
  if (age > config.maxObservationAgeMs) {
    out.push({ code: 'OBSERVATION_STALE', message: `${node.name}: the last observation is ${age} ms old (limit ${config.maxObservationAgeMs} ms)`, blocks: 'node' });
    return out;
  }
  if (config.topology === 'replication' && obs.status) {
    // no wsrep here: read_only and the replication state are the topology's conditions; only table access is the node's own
    const t = obs.status.tableAccess;
    if (!t.ok) out.push({ code: 'TABLE_ACCESS', message: `${node.name}: table access refused${t.errno !== undefined ? ` (error ${t.errno})` : ''}: ${t.message ?? 'unknown error'}`, blocks: 'node' });
  } else {
    const health = assessNode(obs, { availableWhenDonor: config.availableWhenDonor, availableWhenReadOnly: config.availableWhenReadOnly });
    for (const r of health.reasons) out.push({ code: r.code, message: r.message, blocks: blocksOf(r.code, config) });
  }
  if (obs.status && obs.latencyMs > config.checkTimeoutMs) {
    out.push({ code: 'PROBE_SLOW', message: `${node.name}: the probe took ${obs.latencyMs} ms, more than checkTimeoutMs=${config.checkTimeoutMs}`, blocks: 'node' });
  }
  return out;
}

function blocksOf(code: ConditionCode, config: DecideConfig): Condition['blocks'] {
  if (code === 'READ_ONLY') return config.availableWhenReadOnly ? 'writer' : 'node';
  if (code === 'DONOR' || code === 'DESYNCED') return config.availableWhenDonor ? 'none' : 'node';
  return 'node';
}

function externalConditions(name: string, ext: ExternalVerdict): Condition[] {
  const out: Condition[] = [];
  if (ext.fenceAll !== undefined) out.push({ code: 'EXTERNAL_FENCE', message: `${name}: every node is fenced: ${ext.fenceAll}`, blocks: 'node' });
  if (ext.downtimed?.includes(name)) {
    const note = ext.downtimeNotes !== undefined && Object.hasOwn(ext.downtimeNotes, name) ? ` (${ext.downtimeNotes[name]})` : '';
    out.push({ code: 'DOWNTIMED', message: `${name}: downtimed by the external authority (Orchestrator)${note}; drained until the mark is removed`, blocks: 'node' });
  }
  if (ext.maintenance?.includes(name)) out.push({ code: 'OPERATOR_MAINTENANCE', message: `${name}: marked for maintenance by an operator; drained until the mark is removed`, blocks: 'node' });
  return out;
}

export function assessEligibility(node: DecideNode, obs: NodeObservation | undefined, ctx: EligibilityContext): NodeFacts {
  const { config, membership, external, now } = ctx;
  const conditions = [...ownConditions(obs, node, config, now), ...externalConditions(node.name, external), ...(ctx.replication?.get(node.name) ?? [])];
  const view = membership.conditions.get(node.name);
  if (view) conditions.push({ code: view.code, message: view.message, blocks: 'node' });
  return summarise(node, usableStatus(obs, config, now), sortConditions(conditions));
}

function summarise(node: DecideNode, status: NodeStatus | null, conditions: Condition[]): NodeFacts {
  const blocking = conditions.filter((c) => c.blocks !== 'none');
  const fit = !blocking.some((c) => c.blocks === 'node');
  const writerCandidate = node.writerCandidate ?? true;
  return {
    name: node.name,
    host: node.host,
    port: node.port,
    weight: node.weight,
    writerCandidate,
    readerCandidate: node.readerCandidate ?? true,
    status,
    conditions,
    fit,
    writerFit: fit && writerCandidate && blocking.length === 0,
    immediateDown: blocking.some((c) => c.blocks === 'node' && CONDITIONS[c.code].immediate),
    hardBlock: blocking.some((c) => CONDITIONS[c.code].klass === 'unsafe' || CONDITIONS[c.code].klass === 'intent'),
  };
}

const isDonorCode = (c: Condition): boolean => c.code === 'DONOR' || c.code === 'DESYNCED';

/**
 * pxcScheduler's protection: a donor (not rejecting queries) stays in service when no other node of the main
 * segment could serve instead, so that an SST does not take the main site down. Returns the nodes it spared.
 */
export function spareLastDonors(facts: NodeFacts[], mainSegment: number): { facts: NodeFacts[]; spared: string[] } {
  const inMain = (f: NodeFacts): boolean => f.status !== null && f.status.segment === mainSegment;
  const donorOnly = (f: NodeFacts): boolean => !f.fit && f.status?.localState === WSREP_STATE.DONOR_DESYNCED
    && f.conditions.every((c) => c.blocks !== 'node' || isDonorCode(c));
  if (facts.some((f) => inMain(f) && f.fit)) return { facts, spared: [] };
  const spared: string[] = [];
  const out = facts.map((f) => {
    if (!inMain(f) || !donorOnly(f)) return f;
    spared.push(f.name);
    const conditions = f.conditions.map((c) => (isDonorCode(c) ? { ...c, blocks: 'none' as const } : c));
    return summarise({ name: f.name, host: f.host, port: f.port, weight: f.weight, writerCandidate: f.writerCandidate, readerCandidate: f.readerCandidate }, f.status, conditions);
  });
  return { facts: out, spared };
}
