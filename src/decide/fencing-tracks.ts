// What the fencing planner remembers per node: the incarnation (gcomm uuid) it last saw, the one it saw serving,
// the ids the node has had (to attribute evict-list entries), and since when its probes fail. Pure.
import type { DesiredRouting } from '../model/decision.js';
import type { FencingNodeTrack } from '../model/fencing.js';
import type { NodeObservation, NodeStatus } from '../model/observation.js';

const PAST_UUIDS = 8;

export const EMPTY_TRACK: FencingNodeTrack = {
  uuid: null, servedUuid: null, memberName: null, pastUuids: [], failingSince: null, resumedEvictedSince: null,
};

/** A failed probe that fencing may act on: the port refuses, or the probe timed out. */
export function fenceableFailure(o: NodeObservation | undefined): 'refused' | 'timeout' | null {
  const k = o?.error?.kind;
  return k === 'refused' || k === 'timeout' ? k : null;
}

/** Serving: Synced, Primary, ready and connected, and a member of the Primary component decide() trusts. */
export function isServing(name: string, s: NodeStatus | undefined, desired: DesiredRouting): s is NodeStatus {
  return s !== undefined && s.wsrepOn && s.gcommUuid !== '' && s.clusterStatus === 'Primary' && s.ready && s.connected
    && s.localState === 4 && desired.primary !== null && desired.primary.nodes.includes(name);
}

export function updateTrack(name: string, prev: FencingNodeTrack | undefined, o: NodeObservation | undefined, desired: DesiredRouting): FencingNodeTrack {
  const t: FencingNodeTrack = { ...(prev ?? EMPTY_TRACK), pastUuids: [...(prev?.pastUuids ?? [])] };
  const s = o?.status;
  if (s !== undefined && s.gcommUuid !== '') {
    t.uuid = s.gcommUuid;
    if (!t.pastUuids.includes(s.gcommUuid)) t.pastUuids = [...t.pastUuids, s.gcommUuid].slice(-PAST_UUIDS);
  }
  if (isServing(name, s, desired)) {
    t.servedUuid = s.gcommUuid;
    const self = s.members?.find((m) => m.uuid === s.gcommUuid);
    if (self !== undefined && self.name !== '') t.memberName = self.name;
  }
  if (s?.grants !== undefined) t.grants = [...s.grants];
  if (fenceableFailure(o) !== null) t.failingSince = prev?.failingSince ?? o!.at;
  else t.failingSince = null;
  return t;
}
