// Findings, VTOrc style: a table of named, prioritised problems, each a pure match over the analysis of one tick.
// Node conditions get one row each (generated from the condition table); decision-level problems are listed here.
import type { DecideConfig } from '../model/decide-config.js';
import type { Finding, Severity } from '../model/decision.js';
import type { ExternalVerdict } from '../model/external.js';
import type { DecisionReasonCode } from '../model/reasons.js';
import type { ConditionInfo } from './conditions.js';
import { CONDITIONS, compareText } from './conditions.js';
import type { Election, ElectionNode } from './election.js';
import type { TrackResult } from './hysteresis.js';
import type { MembershipVerdict } from './membership.js';
import type { OrchestratorAssessment } from './orchestrator-verdict.js';
import type { ReaderPool } from './readers.js';
import type { ReplicationAssessment } from './replication-topology.js';

export interface AnalysedNode {
  node: ElectionNode;
  update: TrackResult;
  /** kept in service as the last donor of the main segment */
  spared: boolean;
}

export interface Analysis {
  config: DecideConfig;
  nodes: AnalysedNode[];
  election: Election;
  pool: ReaderPool;
  membership: MembershipVerdict;
  external: ExternalVerdict;
  /** what the Orchestrator source says, when [orchestrator] is configured */
  orchestrator?: OrchestratorAssessment | null;
  /** the replication topology's primary and conditions, when [cluster] topology = "replication" */
  replication?: ReplicationAssessment | null;
  /** observed or externally named nodes that are not configured */
  unknownNodes: string[];
  /** the previous decision time when it lies after now */
  clockBackwardsFrom: number | null;
  now: number;
}

interface Match {
  node?: string;
  message: string;
}

export interface Problem {
  code: string;
  scope: 'cluster' | 'node';
  severity: Severity;
  /** higher comes first */
  priority: number;
  match: (a: Analysis) => Match[];
}

type OrchestratorFindingCode = 'ORCHESTRATOR_LEADER_LOST' | 'ORCHESTRATOR_PROBLEM';

const list = (names: readonly string[]): string => (names.length > 0 ? names.join(', ') : 'none');
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const obs = (n: number, more = false): string => `${n}${more ? ' more' : ''} observation${n === 1 ? '' : 's'}`;

function holdMessage(a: Analysis, n: AnalysedNode): string {
  const u = n.update;
  const missing = [u.upTicksLeft > 0 ? obs(u.upTicksLeft, true) : '', u.holdLeftMs > 0 ? `${secs(u.holdLeftMs)} more` : ''].filter((x) => x !== '');
  return `${n.node.name}: healthy again for ${secs(a.now - (u.track.healthySince ?? a.now))} (${obs(u.track.healthyStreak)}); back in service after ${missing.join(' and ')} (retryUp=${a.config.retryUp}, minHoldMs=${a.config.minHoldMs})`;
}
const notesOf = (a: Analysis, code: string): Match[] =>
  a.election.notes.filter((n) => n.code === code).map((n) => (n.node === undefined ? { message: n.message } : { node: n.node, message: n.message }));

function noWriterWhy(a: Analysis): string {
  const held = a.nodes.filter((n) => n.node.writerCandidate && n.node.writerFit && !n.node.inService).map((n) => n.node.name);
  if (a.config.activeFailover === 0 && a.election.previous.length > 0) return `fail-over is off (activeFailover=0); waiting for ${list(a.election.previous)}`;
  if (held.length > 0) return `${list(held)} healthy but still within the hold time`;
  const primary = a.replication?.primary;
  if (primary) return primary.node === null ? primary.message : `the primary ${primary.node} cannot take writes (${primary.message})`;
  return 'no writer candidate is eligible';
}

const decision = (code: DecisionReasonCode | 'SPLIT_BRAIN' | 'EXTERNAL_FENCE' | OrchestratorFindingCode, scope: Problem['scope'], severity: Severity, priority: number, match: Problem['match']): Problem => ({
  code, scope, severity, priority, match,
});

export const DECISION_PROBLEMS: readonly Problem[] = [
  decision('SPLIT_BRAIN', 'cluster', 'critical', 1000, (a) => (a.membership.splitBrain ? [{ message: a.membership.splitBrain }] : [])),
  decision('NO_PRIMARY_COMPONENT', 'cluster', 'critical', 990, (a) => (a.config.topology !== 'replication' && a.membership.primary === null && !a.membership.splitBrain
    ? [{ message: `no reachable node is in a Primary component (${a.nodes.filter((n) => n.node.status !== null).length} of ${a.nodes.length} nodes answered)` }] : [])),
  decision('NO_WRITER', 'cluster', 'critical', 980, (a) => (a.election.writers.length === 0 ? [{ message: `no writer: ${noWriterWhy(a)}` }] : [])),
  decision('EXTERNAL_FENCE', 'cluster', 'critical', 970, (a) => (a.external.fenceAll !== undefined ? [{ message: `every node is fenced by an external verdict: ${a.external.fenceAll}` }] : [])),
  decision('ORCHESTRATOR_LEADER_LOST', 'cluster', 'critical', 965, (a) => {
    const l = a.orchestrator?.leaderLost;
    if (!l) return [];
    return [{ message: l.fenceInMs > 0 ? `${l.message}; every node is fenced in ${secs(l.fenceInMs)} unless a leader answers` : `${l.message}; every node is fenced (fail closed)` }];
  }),
  decision('WRITER_KEPT_NO_REPLACEMENT', 'node', 'critical', 960, (a) => notesOf(a, 'WRITER_KEPT_NO_REPLACEMENT')),
  decision('NO_READERS', 'cluster', 'critical', 950, (a) => (a.pool.readers.length === 0 ? [{ message: 'no node can serve reads' }] : [])),
  decision('SWITCHOVER_REJECTED', 'node', 'error', 900, (a) => notesOf(a, 'SWITCHOVER_REJECTED')),
  decision('FAILOVER', 'node', 'warning', 850, (a) => notesOf(a, 'FAILOVER')),
  decision('FAIL_BACK', 'node', 'warning', 840, (a) => notesOf(a, 'FAIL_BACK')),
  decision('SWITCHOVER', 'node', 'info', 830, (a) => notesOf(a, 'SWITCHOVER')),
  decision('WRITER_ELECTED', 'node', 'info', 820, (a) => notesOf(a, 'WRITER_ELECTED')),
  decision('TOO_FEW_WRITERS', 'cluster', 'warning', 800, (a) => {
    const w = a.election.writers.length;
    return w > 0 && w < a.election.limit ? [{ message: `${w} of ${a.election.limit} writers: no other eligible writer candidate` }] : [];
  }),
  // a replication topology has no backup writer by design: a replica becomes primary only through Orchestrator
  decision('NO_BACKUP_WRITER', 'cluster', 'warning', 790, (a) => (a.config.topology !== 'replication' && a.config.activeFailover === 1 && a.election.writers.length > 0 && a.election.backups.length === 0
    ? [{ message: `no other node could take over from ${list(a.election.writers)}: no healthy writer candidate in service` }] : [])),
  decision('WRITER_SERVES_READS', 'node', 'warning', 780, (a) => (a.pool.writerServesReads
    ? a.election.writers.map((w) => ({ node: w, message: `${w}: serves reads as well because no other reader is left` })) : [])),
  decision('RETRY_DOWN_PENDING', 'node', 'warning', 290, (a) => a.nodes.filter((n) => n.update.event === 'pending_down').map((n) => ({
    node: n.node.name,
    message: `${n.node.name}: unhealthy for ${obs(n.update.track.unhealthyStreak)}; still in service, removed after ${obs(n.update.downTicksLeft, true)} (retryDown=${a.config.retryDown})`,
  }))),
  decision('DONOR_KEPT_LAST_IN_SEGMENT', 'node', 'warning', 280, (a) => a.nodes.filter((n) => n.spared).map((n) => ({
    node: n.node.name,
    message: `${n.node.name}: stays in service while Donor/Desynced: it is the last node of the main segment ${a.config.mainSegment} that can serve`,
  }))),
  decision('ORCHESTRATOR_PROBLEM', 'cluster', 'warning', 275, (a) => (a.orchestrator?.problems ?? []).map((p) => ({ message: `Orchestrator: ${p}` }))),
  decision('CLOCK_BACKWARDS', 'cluster', 'warning', 270, (a) => (a.clockBackwardsFrom !== null
    ? [{ message: `decision time ${a.now} is before the previous one ${a.clockBackwardsFrom}; hold times are measured from the new clock` }] : [])),
  decision('UNKNOWN_NODE', 'cluster', 'warning', 260, (a) => a.unknownNodes.map((n) => ({ message: `${n}: observed or named externally but not configured; ignored` }))),
  decision('HOLD_PENDING', 'node', 'info', 200, (a) => a.nodes.filter((n) => n.update.event === 'holding').map((n) => ({ node: n.node.name, message: holdMessage(a, n) }))),
  decision('ADMITTED', 'node', 'info', 190, (a) => a.nodes.filter((n) => n.update.event === 'entered').map((n) => ({
    node: n.node.name,
    message: n.update.track.lastUnhealthyAt === null
      ? `${n.node.name}: in service (first observation, healthy)`
      : `${n.node.name}: back in service after ${obs(n.update.track.healthyStreak)} healthy over ${secs(a.now - (n.update.track.healthySince ?? a.now))}`,
  }))),
  decision('WRITER_RETAINED', 'node', 'info', 180, (a) => notesOf(a, 'WRITER_RETAINED')),
  decision('DONOR_ALLOWED', 'node', 'info', 170, (a) => a.nodes.filter((n) => !n.spared && n.node.conditions.some((c) => c.blocks === 'none')).map((n) => ({
    node: n.node.name,
    message: `${n.node.name}: Donor/Desynced but takes traffic (availableWhenDonor=true)`,
  }))),
];

function conditionProblem(code: keyof typeof CONDITIONS, info: ConditionInfo): Problem {
  return {
    code,
    scope: 'node',
    severity: info.severity,
    priority: info.priority,
    // one pass, no arrays per node: this runs for every condition code over every node, every tick (300 nodes: issue 16)
    match: (a) => {
      const out: Match[] = [];
      for (const n of a.nodes) {
        for (const c of n.node.conditions) {
          if (c.code === code && (c.blocks === 'node' || (c.blocks === 'writer' && n.node.writerCandidate))) out.push({ node: n.node.name, message: c.message });
        }
      }
      return out;
    },
  };
}

export const CONDITION_PROBLEMS: readonly Problem[] = (Object.keys(CONDITIONS) as (keyof typeof CONDITIONS)[])
  .map((code) => conditionProblem(code, CONDITIONS[code]));

/** Every problem the decision core knows, most important first. */
export const PROBLEMS: readonly Problem[] = [...DECISION_PROBLEMS, ...CONDITION_PROBLEMS]
  .sort((a, b) => b.priority - a.priority || compareText(a.code, b.code) || compareText(a.scope, b.scope));

export function findProblems(a: Analysis): Finding[] {
  const out: Finding[] = [];
  for (const p of PROBLEMS) {
    for (const m of p.match(a)) {
      const f: Finding = { code: p.code, severity: p.severity, priority: p.priority, scope: m.node === undefined ? 'cluster' : 'node', message: m.message };
      if (m.node !== undefined) f.node = m.node;
      out.push(f);
    }
  }
  return out.sort((x, y) => y.priority - x.priority || compareText(x.node ?? '', y.node ?? '') || compareText(x.code, y.code) || compareText(x.message, y.message));
}
