// Test doubles for the fencing planner: a cluster as data, and a simulator that threads decide() and the
// planner through ticks the way the loop does, with an executor that does what it is told. Pure.
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { DecideState } from '../model/decision.js';
import type { FencingConfig, FencingOutcome, FencingPlan, FencingState } from '../model/fencing.js';
import { DEFAULT_FENCING_CONFIG } from '../model/fencing.js';
import type { ClusterObservation, NodeObservation, NodeStatus } from '../model/observation.js';
import { decide } from './decide.js';
import { afterOutcome, planFencing } from './fencing.js';
import { failed, gcommUuid, nonPrimaryStatus, seen, syncedStatus, testConfig } from './fixtures.js';

export const fencingConfig = (over: Partial<FencingConfig> = {}): FencingConfig => ({ ...DEFAULT_FENCING_CONFIG, mode: 'dead', ...over });

export const decideConfigFor = (n = 3, over: Partial<DecideConfig> = {}): DecideConfig => testConfig({ retryUp: 1, retryDown: 1, minHoldMs: 0, ...over }, n);

/** How one node looks in a tick. */
export type NodeLook =
  | { kind: 'serving'; incarnation?: number; over?: Partial<NodeStatus> }
  | { kind: 'refused' }
  | { kind: 'timeout' }
  | { kind: 'nonPrimary'; incarnation?: number; over?: Partial<NodeStatus> }
  | { kind: 'disconnected' };

export interface ViewLook {
  confId: number;
  /** members of the survivors' view as [node, incarnation]; default: every node, incarnation 1 */
  members?: [string, number][];
  withMembers?: boolean;
  evictList?: string[];
}

/** One observation: each node as `looks` says (missing: serving), the survivors reporting `view`. */
export function clusterAt(config: DecideConfig, at: number, looks: Record<string, NodeLook>, view: ViewLook): ClusterObservation {
  const byName = new Map(config.nodes.map((n) => [n.name, n]));
  const members: [DecideNode, number][] = (view.members ?? config.nodes.map((n) => [n.name, 1] as [string, number])).map(([n, i]) => [byName.get(n)!, i]);
  const nodes: NodeObservation[] = config.nodes.map((n) => {
    const look: NodeLook = looks[n.name] ?? { kind: 'serving' };
    if (look.kind === 'refused' || look.kind === 'timeout') return failed(n, at, look.kind);
    if (look.kind === 'disconnected') {
      return seen(n, at, nonPrimaryStatus(n, { clusterStatus: 'Disconnected', connected: false, gcommUuid: '', clusterSize: 0, members: undefined }));
    }
    const inc = look.incarnation ?? 1;
    if (look.kind === 'nonPrimary') return seen(n, at, nonPrimaryStatus(n, { gcommUuid: gcommUuid(n.name, inc), ...look.over }));
    const s = syncedStatus(n, { confId: view.confId, members: members.map(([m]) => m), withMembers: false }, {
      gcommUuid: gcommUuid(n.name, inc),
      evsEvictList: view.evictList ?? [],
      ...(view.withMembers === false ? {} : { members: members.map(([m, i]) => ({ uuid: gcommUuid(m.name, i), name: m.name, address: `${m.host}:${m.port}` })) }),
      ...look.over,
    });
    if (s.members === undefined) delete s.members;
    return seen(n, at, s);
  });
  return { at, nodes };
}

/** What the fake executor does: evict as planned, unless told the group answered or the statement failed. */
export interface FakeExecution {
  groupAnswers?: boolean;
  evictFails?: boolean;
}

export function fakeExecute(plan: FencingPlan, x: FakeExecution = {}): FencingOutcome {
  const outcome: FencingOutcome = { cleared: plan.clear.map((c) => ({ node: c.node, ok: true })), restartsFinished: [] };
  const e = plan.evict;
  if (e) {
    const answered = e.groupCheck && x.groupAnswers === true;
    outcome.evict = {
      node: e.node, uuid: e.uuid, reason: e.reason, done: !answered && !x.evictFails, durationMs: 5,
      ...(e.groupCheck ? { groupStalled: !answered, groupCheckMs: answered ? 1 : 150 } : {}),
      ...(!answered && !x.evictFails ? { via: e.via[0]! } : {}),
      ...(x.evictFails ? { error: 'no survivor took the eviction' } : {}),
    };
  }
  if (plan.restart) outcome.restart = { node: plan.restart.node, uuid: plan.restart.uuid, started: true };
  return outcome;
}

/** decide() and the planner threaded through ticks, as the loop does. */
export class FencingSim {
  decideState: DecideState | null = null;
  state: FencingState | null = null;
  constructor(readonly config: DecideConfig, readonly fencing: FencingConfig) {}

  tick(observation: ClusterObservation, x: FakeExecution = {}) {
    const now = observation.at;
    const d = decide({ observation, previous: this.decideState, config: this.config, now });
    this.decideState = d.next;
    const r = planFencing({ observation, desired: d.desired, previous: this.state, config: this.fencing, nodes: this.config.nodes, now });
    const outcome = fakeExecute(r.plan, x);
    const after = afterOutcome(r.next, outcome, now, r.plan);
    this.state = after.next;
    return { decision: d, plan: r.plan, outcome, findings: [...r.plan.findings, ...after.findings] };
  }
}
