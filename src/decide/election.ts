// Writer election. The writer is sticky: it changes only when it can no longer serve, when an operator asks
// (switchover) or, with failBack on, when a better-ranked node is back in service. Candidates are ranked by
// main segment, Synced before donor, weight (priority in the writer's backup group), then wsrep_local_index
// as a tie-break only (it reshuffles on every membership change), then name.
import type { DecideConfig } from '../model/decide-config.js';
import type { WriterTrack } from '../model/decision.js';
import { WSREP_STATE } from '../model/observation.js';
import { compareText } from './conditions.js';
import type { NodeFacts } from './eligibility.js';

export interface ElectionNode extends NodeFacts {
  /** admitted by the hysteresis */
  inService: boolean;
}

export type ElectionNoteCode =
  | 'WRITER_ELECTED' | 'FAILOVER' | 'FAIL_BACK' | 'SWITCHOVER' | 'SWITCHOVER_REJECTED'
  | 'WRITER_KEPT_NO_REPLACEMENT' | 'WRITER_RETAINED';

export interface ElectionNote {
  code: ElectionNoteCode;
  /** absent for cluster-wide notes */
  node?: string;
  message: string;
}

export interface Election {
  writers: string[];
  /** the active writers of the last tick that are still configured */
  previous: string[];
  /** healthy writer candidates that are not writers (could take over) */
  backups: string[];
  limit: number;
  notes: ElectionNote[];
}

type ElectionConfig = Pick<DecideConfig, 'activeFailover' | 'failBack' | 'singlePrimary' | 'maxNumWriters' | 'mainSegment'>;

export const writerLimit = (c: Pick<DecideConfig, 'singlePrimary' | 'maxNumWriters'>): number =>
  c.singlePrimary ? 1 : Math.max(1, Math.floor(c.maxNumWriters));

const isCandidate = (n: ElectionNode): boolean => n.writerCandidate && n.inService && n.writerFit;
/**
 * A writer of the last tick stays while it is in service (unhealthy but within retryDown included) and nothing
 * unsafe or intended takes it out. A writer that was kept as the last one while unhealthy stays once it is fit
 * again, even before its hold time is over: it never left the writer role, so it does not re-enter it.
 */
const isKeepable = (n: ElectionNode): boolean => n.writerCandidate && !n.hardBlock && (n.inService || n.writerFit);

function rank(mainSegment: number): (a: ElectionNode, b: ElectionNode) => number {
  const main = (n: ElectionNode): number => (n.status?.segment === mainSegment ? 0 : 1);
  const synced = (n: ElectionNode): number => (n.status?.localState === WSREP_STATE.SYNCED ? 0 : 1);
  const index = (n: ElectionNode): number => n.status?.localIndex ?? Number.MAX_SAFE_INTEGER;
  return (a, b) => main(a) - main(b) || synced(a) - synced(b) || b.weight - a.weight || index(a) - index(b) || compareText(a.name, b.name);
}

/** Strictly better for a fail-back: main segment, then weight. Never the local index: equal nodes do not flap. */
function prefers(a: ElectionNode, b: ElectionNode, mainSegment: number): boolean {
  // what cannot be seen cannot be compared: no fail-back on missing information
  if (a.status === null || b.status === null) return false;
  const am = a.status.segment === mainSegment;
  const bm = b.status.segment === mainSegment;
  if (am !== bm) return am;
  return a.weight > b.weight;
}

const blockers = (n: ElectionNode): string => {
  const codes = n.conditions.filter((c) => c.blocks !== 'none').map((c) => c.code);
  if (codes.length > 0) return codes.join(', ');
  if (!n.writerCandidate) return 'not a writer candidate';
  return 'not back in service yet (hold time)';
};

const describe = (n: ElectionNode): string => (n.status?.replication !== undefined
  ? `the replication primary, weight ${n.weight}`
  : `segment ${n.status?.segment ?? '?'}, weight ${n.weight}${n.status ? `, wsrep_local_index ${n.status.localIndex}` : ''}`);

export function elect(nodes: readonly ElectionNode[], track: WriterTrack, config: ElectionConfig, switchoverTo?: string): Election {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const limit = writerLimit(config);
  const notes: ElectionNote[] = [];
  const previousNodes = track.nodes.map((name) => byName.get(name)).filter((n): n is ElectionNode => n !== undefined);
  const previous = previousNodes.map((n) => n.name);
  const candidates = nodes.filter(isCandidate).sort(rank(config.mainSegment));
  const coldStart = track.epoch === 0 && track.last.length === 0 && previous.length === 0;
  let writers = previousNodes.filter(isKeepable).map((n) => n.name).slice(0, limit);
  let cause: 'SWITCHOVER' | 'FAIL_BACK' | null = null;

  if (switchoverTo !== undefined) {
    const target = byName.get(switchoverTo);
    if (!target) {
      notes.push({ code: 'SWITCHOVER_REJECTED', message: `switchover to ${switchoverTo} rejected: not a configured node` });
    } else if (writers[0] !== target.name && !(limit > 1 && writers.includes(target.name))) {
      if (isCandidate(target)) {
        writers = [target.name, ...writers.filter((w) => w !== target.name)].slice(0, limit);
        cause = 'SWITCHOVER';
      } else {
        notes.push({ code: 'SWITCHOVER_REJECTED', node: target.name, message: `${target.name}: switchover rejected: ${blockers(target)}` });
      }
    }
  }

  if (cause === null && (config.activeFailover === 1 || coldStart)) {
    if (config.failBack && config.activeFailover === 1) {
      // replace the worst writer by a strictly preferred candidate, as long as there is one
      for (let i = 0; i < nodes.length; i++) {
        const current = writers.map((w) => byName.get(w) as ElectionNode).sort(rank(config.mainSegment));
        const worst = current[current.length - 1];
        const better = candidates.find((c) => !writers.includes(c.name) && worst !== undefined && prefers(c, worst, config.mainSegment));
        if (!worst || !better || writers.length < limit) break;
        writers = [...writers.filter((w) => w !== worst.name), better.name];
        cause = 'FAIL_BACK';
      }
    } else {
      const best = candidates[0];
      const first = writers[0] !== undefined ? byName.get(writers[0]) : undefined;
      if (best && first && best.name !== first.name && prefers(best, first, config.mainSegment)) {
        notes.push({ code: 'WRITER_RETAINED', node: first.name, message: `${first.name}: stays writer although ${best.name} ranks higher (${describe(best)}): failBack is off` });
      }
    }
    for (const c of candidates) if (writers.length < limit && !writers.includes(c.name)) writers.push(c.name);
  } else if (cause === null) {
    // activeFailover=0: only the writers of before may take the role back
    for (const name of track.last) {
      const n = byName.get(name);
      if (n && writers.length < limit && !writers.includes(name) && isCandidate(n)) writers.push(name);
    }
  }

  if (writers.length === 0) {
    // never remove the last writer when nothing can replace it, unless it is itself unsafe or asked out
    const kept = previousNodes.filter((n) => n.writerCandidate && !n.hardBlock).slice(0, limit);
    for (const n of kept) {
      notes.push({ code: 'WRITER_KEPT_NO_REPLACEMENT', node: n.name, message: `${n.name}: kept as writer although ${blockers(n)}: no eligible node can replace it` });
    }
    writers = kept.map((n) => n.name);
  }

  const lost = previousNodes.filter((n) => !writers.includes(n.name));
  for (const w of writers) {
    if (previous.includes(w)) continue;
    const n = byName.get(w) as ElectionNode;
    const code = cause ?? (lost.length > 0 ? 'FAILOVER' : 'WRITER_ELECTED');
    const whyLost = (l: ElectionNode): string => (!isKeepable(l) ? blockers(l) : cause ? 'healthy' : 'over the writer limit');
    const replaced = lost.length > 0 ? ` replacing ${lost.map((l) => `${l.name} (${whyLost(l)})`).join(', ')}` : '';
    const why = code === 'SWITCHOVER' ? 'by operator request' : code === 'FAIL_BACK' ? 'by fail-back' : code === 'FAILOVER' ? 'by fail-over' : 'as writer';
    notes.push({ code, node: w, message: `${w}: elected ${why} (${describe(n)})${replaced}` });
  }
  const backups = candidates.filter((c) => !writers.includes(c.name)).map((c) => c.name);
  return { writers, previous, backups, limit, notes };
}
