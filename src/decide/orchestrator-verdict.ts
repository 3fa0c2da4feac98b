// Orchestrator's word as external verdicts (proxy-oc-tool's two rules, pure): a node Orchestrator has downtimed
// is drained; when no Orchestrator node has answered as raft leader for longer than the grace period, every node
// is fenced (an isolated site takes no writes). The leader's last downtimed list stays in force meanwhile.
import type { DecideNode } from '../model/decide-config.js';
import type { ExternalVerdict } from '../model/external.js';
import type { OrchestratorInstance, OrchestratorObservation, OrchestratorVerdictConfig } from '../model/orchestrator.js';
import { compareText } from './conditions.js';

export interface OrchestratorAssessment {
  verdict: ExternalVerdict;
  /** set while no leader has answered: how long, and how long until every node is fenced (0: fenced) */
  leaderLost: { forMs: number; fenceInMs: number; message: string } | null;
  /** downtimed configured nodes with Orchestrator's reason and end */
  downtimes: { node: string; reason: string; end: string }[];
  /** what went wrong in the last poll, one line each (the leader answered, something else did not) */
  problems: string[];
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function nodeOf(i: OrchestratorInstance, nodes: readonly DecideNode[]): DecideNode | undefined {
  return nodes.find((n) => n.port === i.port && n.host.toLowerCase() === i.host.toLowerCase());
}

export function assessOrchestrator(obs: OrchestratorObservation, nodes: readonly DecideNode[], config: OrchestratorVerdictConfig, now: number): OrchestratorAssessment {
  const downtimes = obs.instances
    .filter((i) => i.downtimed)
    .flatMap((i) => {
      const n = nodeOf(i, nodes);
      return n ? [{ node: n.name, reason: i.downtimeReason, end: i.downtimeEnd }] : [];
    })
    .sort((a, b) => compareText(a.node, b.node));
  const verdict: ExternalVerdict = {};
  if (downtimes.length > 0) {
    verdict.downtimed = [...new Set(downtimes.map((d) => d.node))];
    verdict.downtimeNotes = Object.fromEntries(downtimes.map((d) => [d.node, `reason "${d.reason}"${d.end === '' ? '' : `, until ${d.end}`}`]));
  }
  const lastSeen = obs.leaderSeenAt ?? obs.watchingSince;
  const fresh = obs.leader !== null && obs.leaderSeenAt !== null && obs.leaderSeenAt >= obs.at;
  let leaderLost: OrchestratorAssessment['leaderLost'] = null;
  const forMs = Math.max(0, now - lastSeen);
  // a source that stopped polling counts as a lost leader too
  if (!fresh || forMs > config.graceMs) {
    const fenceInMs = Math.max(0, config.graceMs - forMs);
    const why = obs.problems.map((p) => p.message).slice(0, 3).join('; ');
    const since = obs.leaderSeenAt === null ? 'since the warden started watching' : `for ${secs(forMs)}`;
    const message = `no Orchestrator node has answered as raft leader with the downtimed list ${since} (graceMs=${config.graceMs})${why === '' ? '' : `: ${why}`}`;
    leaderLost = { forMs, fenceInMs, message };
    if (forMs > config.graceMs) verdict.fenceAll = message;
  }
  const problems = fresh ? obs.problems.map((p) => `${p.code}: ${p.message}`) : [];
  return { verdict, leaderLost, downtimes, problems };
}

/** Two sets of external verdicts as one: downtimes united, fence reasons joined. */
export function mergeVerdicts(a: ExternalVerdict, b: ExternalVerdict | undefined): ExternalVerdict {
  if (!b) return a;
  const out: ExternalVerdict = { ...a };
  const down = [...new Set([...(a.downtimed ?? []), ...(b.downtimed ?? [])])].sort(compareText);
  if (down.length > 0) out.downtimed = down;
  if (b.downtimeNotes) out.downtimeNotes = { ...(a.downtimeNotes ?? {}), ...b.downtimeNotes };
  const fence = [a.fenceAll, b.fenceAll].filter((x) => x !== undefined);
  if (fence.length > 0) out.fenceAll = fence.join('; ');
  return out;
}
