// The fencing planner: which member, if any, to evict from the Galera group this tick (evs.evict), which
// survivors' evict lists to clear, which resumed evicted node to restart. Pure, like decide(): it reads this
// tick's observation and decide()'s verdict on the Primary component, and carries its own state from tick to
// tick. Every safety rule is one named check; the first that fails spares the node with that rule's code.
// The executor (src/apply/galera-fencer.ts) carries the plan out and `afterOutcome` records what it did.
import type { DecideNode } from '../model/decide-config.js';
import type { DesiredRouting, Finding } from '../model/decision.js';
import type { EvictionPlan, FencingConfig, GroupView, FencingNodeTrack, FencingOutcome, FencingPlan, FencingState, SpareCode, Spared } from '../model/fencing.js';
import { FENCING_CODE, INITIAL_FENCING_STATE } from '../model/fencing.js';
import type { ClusterObservation, NodeObservation, NodeStatus } from '../model/observation.js';
import { compareText } from './conditions.js';
import { fencingOperative } from './fencing-grants.js';
import { planHygiene } from './fencing-hygiene.js';
import { fenceableFailure, updateTrack } from './fencing-tracks.js';

const MAX_EVICTION_RECORDS = 50;
const short = (u: string): string => u.slice(0, 8);

export interface FencingInput {
  observation: ClusterObservation;
  /** decide()'s routing of this tick: its Primary component, its writers */
  desired: DesiredRouting;
  previous: FencingState | null;
  config: FencingConfig;
  /** the configured nodes (writer candidates) */
  nodes: readonly DecideNode[];
  now: number;
}

export interface FencingResult {
  plan: FencingPlan;
  /** pass to afterOutcome() with the executor's outcome, then back as `previous` */
  next: FencingState;
}

function latest(observation: ClusterObservation): Map<string, NodeObservation> {
  const out = new Map<string, NodeObservation>();
  for (const o of observation.nodes) {
    const cur = out.get(o.node);
    if (!cur || o.at > cur.at || (o.at === cur.at && o.status !== undefined && cur.status === undefined)) out.set(o.node, o);
  }
  return out;
}

/**
 * May take writes, by decide()'s own verdict of this tick: the writer, or a writer candidate in service with
 * nothing against the writer role (a `backup`). A node under maintenance (pxc_maint_mode, an operator mark),
 * with refused table access, read_only, or still serving out its hold time is parked, so it does not count.
 */
function mayWrite(name: string, desired: DesiredRouting): boolean {
  const role = desired.nodes.find((d) => d.node === name)?.writer;
  return role === 'writer' || role === 'backup';
}

interface Survivors {
  names: string[];
  statuses: NodeStatus[];
  /** gcomm uuids of the view's members (mysql.wsrep_cluster_members), null when no survivor could list them */
  members: Map<string, string> | null;
  viewSize: number;
}

/** Reachable members of the Primary component decide() trusts, reporting exactly its view. */
function survivorsOf(desired: DesiredRouting, observed: ReadonlyMap<string, NodeObservation>): Survivors | null {
  const p = desired.primary;
  if (p === null) return null;
  const names: string[] = [];
  const statuses: NodeStatus[] = [];
  let members: Map<string, string> | null = null;
  for (const name of [...p.nodes].sort(compareText)) {
    const s = observed.get(name)?.status;
    if (s === undefined || s.clusterStatus !== 'Primary' || s.clusterStateUuid !== p.stateUuid || s.clusterConfId !== p.confId) continue;
    names.push(name);
    statuses.push(s);
    if (s.members !== undefined && s.members.length > 0) {
      members ??= new Map();
      for (const m of s.members) members.set(m.uuid, m.name);
    }
  }
  if (members !== null) {
    // a reporter the member list does not hold is not a survivor, whatever it says (inconsistent or stale report)
    const held = names.map((n, i) => ({ n, s: statuses[i]! })).filter((x) => members.has(x.s.gcommUuid));
    return { names: held.map((x) => x.n), statuses: held.map((x) => x.s), members, viewSize: Math.max(p.size, members.size) };
  }
  return { names, statuses, members, viewSize: Math.max(p.size, names.length) };
}

interface Candidate {
  name: string;
  kind: 'refused' | 'timeout';
  track: FencingNodeTrack;
}

/** The safety rules, in order: the first that fails spares the candidate. */
function check(c: Candidate, sv: Survivors | null, input: FencingInput, prev: FencingState): { code: SpareCode; message: string } | { via: string[]; evidence: string[]; view: GroupView } {
  const { config, now } = input;
  const t = c.track;
  const spare = (code: SpareCode, message: string) => ({ code, message: `${c.name}: not evicted: ${message}` });
  if (c.kind === 'timeout' && config.mode !== 'unresponsive') return spare('MODE', 'its probe timed out, and mode "dead" evicts only a member whose port refuses');
  if (t.servedUuid === null || t.uuid !== t.servedUuid) return spare('NOT_SEEN_SERVING', 'not seen serving since its last start (it may be starting, joining or receiving a state transfer)');
  if (sv === null) return spare('NO_PRIMARY', 'no Primary component is trusted (split brain or no quorum): never evict from a minority');
  if (sv.members === null) return spare('NO_MEMBER_LIST', 'no survivor could list the members of its view (mysql.wsrep_cluster_members), so the id to evict is unconfirmed');
  const uuid = t.servedUuid;
  const rejoining = [...sv.members].find(([u, n]) => u !== uuid && t.memberName !== null && n === t.memberName && !isPast(t, u));
  if (rejoining !== undefined) return spare('JOINING', `the survivors list a new incarnation of it (id ${short(rejoining[0])}): it restarted and is joining`);
  if (!sv.members.has(uuid)) return spare('NOT_IN_VIEW', `the survivors' view no longer holds its id ${short(uuid)}`);
  const p = input.desired.primary!;
  const underWay = prev.evictions.find((e) => e.uuid === uuid && e.view !== null && e.view.stateUuid === p.stateUuid && e.view.confId === p.confId);
  if (underWay !== undefined) {
    return spare('EVICTING', `an eviction of it (id ${short(uuid)}) from view ${p.confId} is under way (${now - underWay.at} ms ago through ${underWay.via ?? '?'}); the survivors still show that view`);
  }
  if (sv.names.length * 2 <= sv.viewSize) return spare('NO_MAJORITY', `the reachable survivors (${sv.names.join(', ') || 'none'}) are not a majority of the view of ${sv.viewSize}`);
  if (c.kind === 'timeout' && sv.names.length !== sv.viewSize - 1) {
    return spare('NOT_ALONE', `${sv.viewSize - sv.names.length} members of the view of ${sv.viewSize} cannot be reached; a stalled group would not prove that it is this one`);
  }
  const writers = sv.names.filter((n) => n !== c.name && mayWrite(n, input.desired));
  if (writers.length === 0) return spare('LAST_WRITER_CANDIDATE', 'no other writer candidate among the survivors may write by this tick\'s decision (in service, no maintenance, table access, read_only or hold time against it): it is the last one');
  if (prev.lastEvictionAt !== null && now - prev.lastEvictionAt < config.windowMs) {
    return spare('WINDOW', `an eviction happened ${now - prev.lastEvictionAt} ms ago; at most one per ${config.windowMs} ms`);
  }
  const failingMs = now - (t.failingSince ?? now);
  if (c.kind === 'timeout' && failingMs < config.confirmMs) return spare('CONFIRMING', `timed out for ${failingMs} ms of the ${config.confirmMs} ms confirmMs`);
  // the writer first: its commits stall until the view changes
  const via = [...sv.names].sort((a, b) => Number(input.desired.writers.includes(b)) - Number(input.desired.writers.includes(a)) || compareText(a, b));
  const evidence = [
    c.kind === 'refused' ? `${c.name}: its port refuses connections (the process is gone)` : `${c.name}: probes time out since ${failingMs} ms`,
    `${c.name}: seen serving with id ${short(uuid)}, which the survivors' view still holds`,
    `survivors ${sv.names.join(', ')} are ${sv.names.length} of the view of ${sv.viewSize} (view ${p.confId}; a majority), Primary, reached by the warden`,
    `writer candidates left: ${writers.join(', ')}`,
  ];
  return { via, evidence, view: { stateUuid: p.stateUuid, confId: p.confId } };
}

const isPast = (t: FencingNodeTrack, u: string): boolean => t.pastUuids.includes(u);

export function planFencing(input: FencingInput): FencingResult {
  const prev = input.previous ?? INITIAL_FENCING_STATE;
  const observed = latest(input.observation);
  const names = input.nodes.map((n) => n.name).sort(compareText);
  const tracks: Record<string, FencingNodeTrack> = {};
  for (const n of names) tracks[n] = updateTrack(n, Object.hasOwn(prev.nodes, n) ? prev.nodes[n] : undefined, observed.get(n), input.desired);

  const spared: Spared[] = [];
  let evict: EvictionPlan | undefined;
  if (input.config.mode !== 'off') {
    const sv = survivorsOf(input.desired, observed);
    const candidates: Candidate[] = names
      .map((name) => ({ name, kind: fenceableFailure(observed.get(name)), track: tracks[name]! }))
      .filter((c): c is Candidate => c.kind !== null)
      // a dead member first: its proof is the strongest
      .sort((a, b) => Number(a.kind === 'timeout') - Number(b.kind === 'timeout') || compareText(a.name, b.name));
    for (const c of candidates) {
      const r = check(c, sv, input, prev);
      if ('code' in r) {
        spared.push({ node: c.name, code: r.code, message: r.message });
        continue;
      }
      if (evict === undefined) {
        evict = { node: c.name, uuid: c.track.servedUuid!, reason: c.kind === 'refused' ? 'dead' : 'unresponsive', via: r.via, groupCheck: c.kind === 'timeout', evidence: r.evidence, view: r.view };
      } else {
        spared.push({ node: c.name, code: 'WINDOW', message: `${c.name}: not evicted: one eviction per tick (${evict.node} first)` });
      }
    }
  }

  const hygiene = input.config.mode === 'off'
    ? { clear: [], findings: [], resumed: {} as Record<string, number | null> }
    : planHygiene({ names, observed, tracks, previous: prev, config: input.config, now: input.now });
  for (const n of names) tracks[n] = { ...tracks[n]!, resumedEvictedSince: hygiene.resumed[n] ?? null };
  const findings: Finding[] = [...hygiene.findings];
  const operative = fencingOperative(Object.fromEntries(names.map((n) => [n, tracks[n]!.grants ?? null])));
  if (input.config.mode !== 'off' && operative.operative === false) {
    findings.push({ code: FENCING_CODE.INOPERATIVE, severity: 'error', priority: 890, scope: 'cluster', message: `fencing is inoperative: ${operative.reason}` });
  }
  for (const s of spared) {
    if (s.code === 'MODE' || s.code === 'NOT_SEEN_SERVING' || s.code === 'NOT_IN_VIEW') continue;
    findings.push({ code: FENCING_CODE.SPARED, severity: 'info', priority: 300, scope: 'node', node: s.node, message: `${s.message} (${s.code})` });
  }
  const plan: FencingPlan = { operative, clear: hygiene.clear, spared, findings, ...(evict ? { evict } : {}), ...('restart' in hygiene && hygiene.restart ? { restart: hygiene.restart } : {}) };
  return { plan, next: { ...prev, nodes: tracks } };
}

/** Records what the executor did: the eviction (and its window), cleared lists, restarts; and the findings. */
export function afterOutcome(state: FencingState, outcome: FencingOutcome, now: number, plan: FencingPlan): { next: FencingState; findings: Finding[] } {
  const findings: Finding[] = [];
  const totals = { ...state.totals };
  let { lastEvictionAt, evictions, restarted } = state;
  const e = outcome.evict;
  if (e?.done) {
    lastEvictionAt = now;
    const view = plan.evict?.uuid === e.uuid ? plan.evict.view : null;
    evictions = [...evictions, { node: e.node, uuid: e.uuid, at: now, reason: e.reason, via: e.via ?? null, view }].slice(-MAX_EVICTION_RECORDS);
    totals.evictions++;
    if (e.reason === 'dead') totals.evictionsDead++;
    else totals.evictionsUnresponsive++;
    findings.push({
      code: FENCING_CODE.EVICTED, severity: 'warning', priority: 860, scope: 'node', node: e.node,
      message: `${e.node}: evicted from the group (id ${short(e.uuid)}, ${e.reason}) through ${e.via ?? '?'} in ${e.durationMs} ms${e.groupStalled ? `; a causal read on ${e.via ?? '?'} stalled for ${e.groupCheckMs} ms (the survivors lost it too)` : ''}${plan.evict ? `; evidence: ${plan.evict.evidence.join('; ')}` : ''}`,
    });
  } else if (e !== undefined) {
    totals.aborted++;
    findings.push({
      code: FENCING_CODE.EVICT_ABORTED, severity: e.groupStalled === false ? 'info' : 'warning', priority: 305, scope: 'node', node: e.node,
      message: `${e.node}: not evicted: ${e.groupStalled === false ? `a causal read on a survivor answered in ${e.groupCheckMs} ms, so the survivors are still in contact with it` : (e.error ?? 'the eviction failed')}`,
    });
  }
  const cleared = outcome.cleared.filter((c) => c.ok);
  totals.cleared += cleared.length;
  if (cleared.length > 0) {
    findings.push({ code: FENCING_CODE.EVICT_LIST_CLEARED, severity: 'info', priority: 180, scope: 'cluster', message: `wsrep_evs_evict_list cleared on ${cleared.map((c) => c.node).join(', ')}` });
  }
  if (outcome.restart?.started) {
    totals.restarts++;
    restarted = [...restarted, outcome.restart.uuid].slice(-MAX_EVICTION_RECORDS);
    findings.push({ code: FENCING_CODE.RESTARTED, severity: 'warning', priority: 870, scope: 'node', node: outcome.restart.node, message: `${outcome.restart.node}: restart hook started for evicted id ${short(outcome.restart.uuid)}` });
  }
  for (const r of outcome.restartsFinished) {
    findings.push({
      code: FENCING_CODE.RESTARTED, severity: r.ok ? 'info' : 'error', priority: 870, scope: 'node', node: r.node,
      message: `${r.node}: restart hook ${r.ok ? 'finished' : `failed (exit ${r.exitCode ?? 'signal'})`} after ${r.durationMs} ms${r.output ? `: ${r.output}` : ''}`,
    });
  }
  return { next: { ...state, lastEvictionAt, evictions, restarted, totals }, findings };
}

/** True when the plan asks the executor to do anything. */
export const planHasActions = (p: FencingPlan): boolean => p.evict !== undefined || p.clear.length > 0 || p.restart !== undefined;
