// The decision core: observation + previous state + config + external verdicts + now -> desired routing, the
// state for the next tick, findings and role changes. Pure: no clock, no randomness, no I/O, no logging; the same
// input gives the same output on every instance (everything that has an order is sorted by name).
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import { DEFAULT_DECIDE_CONFIG } from '../model/decide-config.js';
import type { DecideInput, DecideResult, DecideState, DesiredRouting, Finding, NodeTrack } from '../model/decision.js';
import { INITIAL_DECIDE_STATE } from '../model/decision.js';
import { NO_EXTERNAL_VERDICT } from '../model/external.js';
import type { ClusterObservation, NodeObservation } from '../model/observation.js';
import type { Reason } from '../model/reasons.js';
import { diffRoles } from './changes.js';
import { compareText } from './conditions.js';
import { assessEligibility, spareLastDonors, usableStatus } from './eligibility.js';
import { elect } from './election.js';
import type { AnalysedNode } from './findings.js';
import { findProblems } from './findings.js';
import { updateTrack } from './hysteresis.js';
import { analyseMembership } from './membership.js';
import { assessOrchestrator, mergeVerdicts } from './orchestrator-verdict.js';
import { chooseReaders } from './readers.js';
import { assessReplication } from './replication-topology.js';
import { nodeDecision } from './roles.js';

/** Defaults for missing keys, numbers clamped to what the rules can use. */
export function normaliseConfig(config: Partial<DecideConfig>): DecideConfig {
  const c = { ...DEFAULT_DECIDE_CONFIG, ...config };
  const int = (v: number, min: number): number => (Number.isFinite(v) ? Math.max(min, Math.floor(v)) : min);
  return {
    ...c,
    topology: c.topology === 'replication' ? 'replication' : 'galera',
    maxReplicationLagS: Math.max(0, Number.isFinite(c.maxReplicationLagS) ? c.maxReplicationLagS : 0),
    // in a replication topology the writer follows the primary (Orchestrator promotes, galera-warden never does)
    activeFailover: c.activeFailover === 0 && c.topology !== 'replication' ? 0 : 1,
    // one primary in a replication topology, whatever the config says: never two writers
    singlePrimary: c.topology === 'replication' ? true : c.singlePrimary,
    maxNumWriters: int(c.maxNumWriters, 1),
    retryUp: int(c.retryUp, 0),
    retryDown: int(c.retryDown, 0),
    minHoldMs: Math.max(0, Number.isFinite(c.minHoldMs) ? c.minHoldMs : 0),
  };
}

/** The configured nodes sorted by name; without configured nodes, the observed ones with equal weights. */
export function resolveNodes(config: DecideConfig, observation: ClusterObservation): DecideNode[] {
  const source: DecideNode[] = config.nodes.length > 0
    ? config.nodes
    : observation.nodes.map((o) => ({ name: o.node, host: o.host, port: o.port, weight: 0 }));
  const seen = new Set<string>();
  const out: DecideNode[] = [];
  for (const n of [...source].sort((a, b) => compareText(a.name, b.name))) {
    if (seen.has(n.name)) continue;
    seen.add(n.name);
    out.push(n);
  }
  return out;
}

/** One observation per node: the latest; ties go to the one with a status, then the faster probe, then content. */
function pickObservations(observation: ClusterObservation): Map<string, NodeObservation> {
  const better = (a: NodeObservation, b: NodeObservation): boolean =>
    a.at !== b.at ? a.at > b.at
      : (a.status !== undefined) !== (b.status !== undefined) ? a.status !== undefined
        : a.latencyMs !== b.latencyMs ? a.latencyMs < b.latencyMs
          : JSON.stringify(a) < JSON.stringify(b);
  const out = new Map<string, NodeObservation>();
  for (const o of observation.nodes) {
    const cur = out.get(o.node);
    if (!cur || better(o, cur)) out.set(o.node, o);
  }
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort(compareText).join('\u0000') === [...b].sort(compareText).join('\u0000');

function reasonsOf(findings: readonly Finding[], node: string): Reason[] {
  return findings.filter((f) => f.node === node).map((f) => ({ code: f.code, message: f.message }));
}

export function decide(input: DecideInput): DecideResult {
  const { now, observation } = input;
  const config = normaliseConfig(input.config);
  const previous: DecideState = input.previous ?? INITIAL_DECIDE_STATE;
  const nodes = resolveNodes(config, observation);
  const orchestrator = input.orchestrator ? assessOrchestrator(input.orchestrator.observation, nodes, input.orchestrator.config, now) : null;
  const external = mergeVerdicts(input.external ?? NO_EXTERNAL_VERDICT, orchestrator?.verdict);
  const configured = new Set(nodes.map((n) => n.name));
  const observed = pickObservations(observation);
  // own keys only: a node may be called "constructor"
  const trackOf = (name: string): NodeTrack | undefined => (Object.hasOwn(previous.nodes, name) ? previous.nodes[name] : undefined);

  const replicationTopology = config.topology === 'replication';
  // Galera's membership cross-check has nothing to read in a replication topology: no wsrep, no Primary component
  const membership = analyseMembership(replicationTopology ? [] : nodes.map((n) => ({
    name: n.name,
    host: n.host,
    port: n.port,
    status: usableStatus(observed.get(n.name), config, now),
    knownUuid: trackOf(n.name)?.gcommUuid ?? null,
  })));
  const replication = replicationTopology
    ? assessReplication(nodes, new Map(nodes.map((n) => [n.name, usableStatus(observed.get(n.name), config, now)])), input.orchestrator?.observation.master ?? null, config)
    : null;
  const ctx = { config, membership, external, now, ...(replication && { replication: replication.conditions }) };
  const { facts, spared } = spareLastDonors(nodes.map((n) => assessEligibility(n, observed.get(n.name), ctx)), config.mainSegment);

  const analysed: AnalysedNode[] = facts.map((f) => {
    const update = updateTrack(trackOf(f.name), {
      fit: f.fit,
      immediateDown: f.immediateDown,
      gcommUuid: f.status !== null && f.status.gcommUuid !== '' ? f.status.gcommUuid : null,
    }, now, config);
    return { node: { ...f, inService: update.track.inService }, update, spared: spared.includes(f.name) };
  });
  const electionNodes = analysed.map((a) => a.node);
  const election = elect(electionNodes, previous.writer, config, external.switchoverTo);
  const pool = chooseReaders(electionNodes, election.writers, config);

  const unknownNodes = [...new Set([
    ...observation.nodes.map((o) => o.node),
    ...(external.downtimed ?? []),
    ...(external.maintenance ?? []),
  ])].filter((n) => !configured.has(n)).sort(compareText);
  const findings = findProblems({
    config, nodes: analysed, election, pool, membership, external, orchestrator, replication, unknownNodes, now,
    clockBackwardsFrom: previous.at !== null && previous.at > now ? previous.at : null,
  });

  const roles = { writers: election.writers, readers: pool.readers, singlePrimary: config.singlePrimary };
  const decided = analysed.map((a) => {
    const decided = nodeDecision(a.node, roles, trackOf(a.node.name), reasonsOf(findings, a.node.name));
    // every node fenced (an external authority is unreachable): fail closed for the sessions already open too, so
    // that an isolated site takes no writes at all (OFFLINE_SOFT alone refuses only new connections)
    const decision = external.fenceAll !== undefined && decided.writer !== 'writer' ? { ...decided, writerConnections: 'sever' as const } : decided;
    const track: NodeTrack = { ...a.update.track, writer: decision.writer, reader: decision.reader };
    return { decision, track };
  });
  const writersChanged = !sameSet(election.writers, previous.writer.nodes);
  const epoch = previous.writer.epoch + (writersChanged ? 1 : 0);
  const desired: DesiredRouting = {
    at: now, epoch, writers: [...election.writers], readers: [...pool.readers], nodes: decided.map((d) => d.decision), primary: membership.primary,
  };
  const next: DecideState = {
    version: 1,
    at: now,
    writer: {
      nodes: [...election.writers],
      epoch,
      since: writersChanged ? now : previous.writer.since,
      last: election.writers.length > 0 ? [...election.writers] : previous.writer.last.filter((n) => configured.has(n)),
    },
    // fromEntries defines own properties whatever the name (an assignment to "__proto__" would not)
    nodes: Object.fromEntries(decided.map((d) => [d.decision.node, d.track])),
  };
  const changes = diffRoles(nodes.map((n) => ({ node: n.name, writer: trackOf(n.name)?.writer ?? null, reader: trackOf(n.name)?.reader ?? null })), desired);
  return { desired, next, findings, changes };
}
