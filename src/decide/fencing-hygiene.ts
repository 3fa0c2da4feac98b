// After an eviction: the evicted id stays in every survivor's wsrep_evs_evict_list for a day, and a stale entry
// makes later fail-overs slow. An entry is cleared once its process is confirmed gone (the port refuses) or back
// with a new id; a node whose list holds anything else (an unknown id, an evicted process that may still live)
// is left alone, because `evs.evict=` clears the whole list. And an evicted node that resumed never rejoins by
// itself: it is reported, and restarted by the hook when one is configured. Pure.
import type { Finding } from '../model/decision.js';
import type { ClearPlan, FencingConfig, FencingNodeTrack, FencingState, RestartPlan } from '../model/fencing.js';
import { FENCING_CODE } from '../model/fencing.js';
import type { NodeObservation } from '../model/observation.js';
import { compareText } from './conditions.js';

const short = (u: string): string => u.slice(0, 8);

export interface HygieneInput {
  names: readonly string[];
  observed: ReadonlyMap<string, NodeObservation>;
  /** tracks already updated with this tick's observation */
  tracks: Record<string, FencingNodeTrack>;
  previous: FencingState;
  config: FencingConfig;
  now: number;
}

export interface HygieneResult {
  clear: ClearPlan[];
  restart?: RestartPlan;
  findings: Finding[];
  /** resumedEvictedSince per node */
  resumed: Record<string, number | null>;
}

/** Whose id is this, and is that incarnation confirmed gone? */
function entryState(uuid: string, input: HygieneInput): { owner: string | null; gone: string | null } {
  const owner = input.names.find((n) => input.tracks[n]?.pastUuids.includes(uuid)) ?? null;
  if (owner === null) return { owner, gone: null };
  const o = input.observed.get(owner);
  if (o?.status !== undefined && o.status.gcommUuid !== '' && o.status.gcommUuid !== uuid) return { owner, gone: `${owner} is back with a new id ${short(o.status.gcommUuid)}` };
  if (o?.error?.kind === 'refused') return { owner, gone: `${owner}'s port refuses: the evicted process is gone` };
  return { owner, gone: null };
}

export function planHygiene(input: HygieneInput): HygieneResult {
  const findings: Finding[] = [];
  const clear: ClearPlan[] = [];
  const evicted = new Set(input.previous.evictions.map((e) => e.uuid));
  // an id some node's view still holds is not cleared yet: the view change it caused may still be under way
  const inSomeView = new Set<string>();
  for (const name of input.names) for (const m of input.observed.get(name)?.status?.members ?? []) inSomeView.add(m.uuid);
  for (const name of input.names) {
    const s = input.observed.get(name)?.status;
    if (s === undefined) continue;
    for (const u of s.evsEvictList) evicted.add(u);
    if (s.clusterStatus !== 'Primary' || s.evsEvictList.length === 0) continue;
    const entries = s.evsEvictList.map((u) => (inSomeView.has(u) ? { u, owner: null, gone: null, inView: true } : { u, ...entryState(u, input), inView: false }));
    const kept = entries.filter((e) => e.gone === null);
    if (kept.length === 0) {
      clear.push({ node: name, uuids: entries.map((e) => e.u), why: entries.map((e) => `${short(e.u)}: ${e.gone ?? ''}`).join('; ') });
    } else {
      findings.push({
        code: FENCING_CODE.EVICT_LIST_KEPT, severity: 'warning', priority: 310, scope: 'node', node: name,
        message: `${name}: wsrep_evs_evict_list keeps ${kept.map((e) => (e.inView ? `${short(e.u)} (still in a view)` : e.owner === null ? `${short(e.u)} (not a known node's id)` : `${short(e.u)} of ${e.owner} (its process may still run)`)).join(', ')}; it is cleared once every evicted process is confirmed gone or back with a new id`,
      });
    }
  }

  const resumed: Record<string, number | null> = {};
  let restart: RestartPlan | undefined;
  for (const name of input.names) {
    const s = input.observed.get(name)?.status;
    const prev = input.previous.nodes[name]?.resumedEvictedSince ?? null;
    // a Disconnected node shows no wsrep_gcomm_uuid: it is still the incarnation last seen
    const uuid = s === undefined ? '' : s.gcommUuid !== '' ? s.gcommUuid : (input.tracks[name]?.uuid ?? '');
    if (s === undefined || uuid === '' || !evicted.has(uuid)) {
      resumed[name] = null;
      continue;
    }
    const since = prev ?? input.now;
    resumed[name] = since;
    findings.push({
      code: FENCING_CODE.NEEDS_RESTART, severity: 'error', priority: 880, scope: 'node', node: name,
      message: `${name}: was evicted (id ${short(uuid)}) and has resumed; it reports ${s.clusterStatus} and never rejoins by itself (gcomm backend restart is required): restart it${input.config.restartHook ? '' : ' (no [fencing].restartHook is configured)'}`,
    });
    const hook = input.config.restartHook;
    if (restart === undefined && hook !== undefined && hook.length > 0 && !input.previous.restarted.includes(uuid) && input.now - since >= input.config.restartAfterMs) {
      restart = { node: name, uuid, why: `evicted id ${short(uuid)} resumed ${input.now - since} ms ago and reports ${s.clusterStatus}` };
    }
  }
  clear.sort((a, b) => compareText(a.node, b.node));
  return { clear, ...(restart ? { restart } : {}), findings, resumed };
}
