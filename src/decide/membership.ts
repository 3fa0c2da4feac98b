// The membership cross-check: which Primary component is real, and which nodes belong to it. A node's own
// report is not trusted on its own: a frozen node that resumes reports its old Synced/Primary view for about 6 s
// while its peers have long formed a newer view without it. The peers' view (their size, member list and incoming
// addresses) overrides the node's self-report.
import type { PrimaryComponent } from '../model/decision.js';
import type { NodeStatus } from '../model/observation.js';
import type { ViewReasonCode } from '../model/reasons.js';
import { compareText } from './conditions.js';

export interface MemberInput {
  name: string;
  host: string;
  port: number;
  /** the node's status when it was probed in time, else null */
  status: NodeStatus | null;
  /** wsrep_gcomm_uuid seen on an earlier tick, to recognise the node while it cannot be probed */
  knownUuid: string | null;
}

export interface MembershipCondition {
  code: ViewReasonCode;
  message: string;
}

export interface MembershipVerdict {
  primary: PrimaryComponent | null;
  /** conditions per node name, only for nodes the cross-check counts against */
  conditions: Map<string, MembershipCondition>;
  /** set when Primary components compete: a sentence describing them */
  splitBrain: string | null;
  /** reachable nodes that report Primary */
  claimers: string[];
}

interface View {
  uuid: string;
  confId: number;
  size: number;
  reporters: MemberInput[];
  /** gcomm uuids of the members when any reporter lists them (mysql.wsrep_cluster_members) */
  memberUuids: Set<string> | null;
  addresses: Set<string>;
}

interface Component {
  view: View;
  members: MemberInput[];
  lagging: Set<string>;
  /** set for reporters of an older view that the newest view of the same history does not contain */
  staleAgainst: View | null;
}

type Membership = 'yes' | 'no' | 'unknown';

const short = (uuid: string): string => uuid.slice(0, 8);
const names = (ms: readonly MemberInput[]): string => ms.map((m) => m.name).sort(compareText).join(', ');
const describe = (v: View): string => `view ${short(v.uuid)}:${v.confId} (size ${v.size})`;

function addressOf(host: string, port: number): string {
  return (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`).toLowerCase();
}

function hasAddress(view: View, m: MemberInput): boolean {
  const full = addressOf(m.host, m.port);
  const bare = (m.host.includes(':') ? `[${m.host}]` : m.host).toLowerCase();
  return view.addresses.has(full) || view.addresses.has(bare);
}

/** The incoming addresses use the same naming as our configuration when every reporter finds itself in them. */
function addressesComparable(view: View): boolean {
  return view.addresses.size > 0 && view.reporters.every((r) => hasAddress(view, r));
}

function uuidOf(m: MemberInput): string | null {
  const u = m.status?.gcommUuid;
  return u !== undefined && u !== '' ? u : m.knownUuid;
}

/** Is m a member of view v, as far as the reports tell? */
function inView(m: MemberInput, v: View): Membership {
  if (v.reporters.some((r) => r.name === m.name)) return 'yes';
  const uuid = uuidOf(m);
  if (v.memberUuids !== null && uuid !== null) return v.memberUuids.has(uuid) ? 'yes' : 'no';
  // every member of the view is accounted for by its own reporters: m is not one of them
  if (v.reporters.length >= v.size) return 'no';
  if (addressesComparable(v)) return hasAddress(v, m) ? 'yes' : 'no';
  return 'unknown';
}

/** Named as a member of v by identity (uuid or comparable address); without identities, a view as large as the configuration holds everyone. */
function namedIn(m: MemberInput, v: View, configured: number): boolean {
  const uuid = uuidOf(m);
  if (v.memberUuids !== null && uuid !== null) return v.memberUuids.has(uuid);
  if (addressesComparable(v)) return hasAddress(v, m);
  return v.size >= configured;
}

function buildViews(claimers: readonly MemberInput[]): View[] {
  const views = new Map<string, View>();
  for (const c of claimers) {
    const s = c.status as NodeStatus;
    // the size is part of the key: two different memberships under one view id are a fork, not one view
    const key = `${s.clusterStateUuid}\u0000${s.clusterConfId}\u0000${s.clusterSize}`;
    let v = views.get(key);
    if (!v) {
      v = { uuid: s.clusterStateUuid, confId: s.clusterConfId, size: s.clusterSize, reporters: [], memberUuids: null, addresses: new Set() };
      views.set(key, v);
    }
    v.reporters.push(c);
    if (s.members && s.members.length > 0) {
      v.memberUuids ??= new Set();
      for (const m of s.members) {
        v.memberUuids.add(m.uuid);
        if (m.address !== '') v.addresses.add(m.address.trim().toLowerCase());
      }
    }
    for (const a of s.incomingAddresses) if (a.trim() !== '') v.addresses.add(a.trim().toLowerCase());
  }
  for (const v of views.values()) v.size = Math.max(v.size, v.reporters.length);
  return [...views.values()];
}

/** Like inView, but any positive evidence (an address the view lists) wins over the count of its reporters. */
function listedIn(m: MemberInput, v: View): Membership {
  const plain = inView(m, v);
  if (plain !== 'no' || v.memberUuids !== null) return plain;
  return addressesComparable(v) && hasAddress(v, m) ? 'yes' : plain;
}

/**
 * Do two views of one history share a member? Decided by gcomm uuid when both list their members, else per configured
 * node; 'disjoint' only when every member of both views is accounted for by a configured node.
 */
function relation(a: View, b: View, inputs: readonly MemberInput[]): 'overlap' | 'disjoint' | 'unknown' {
  if (a.memberUuids !== null && b.memberUuids !== null) {
    for (const u of a.memberUuids) if (b.memberUuids.has(u)) return 'overlap';
    return 'disjoint';
  }
  let inA = 0;
  let inB = 0;
  let unknown = false;
  for (const m of inputs) {
    const ma = listedIn(m, a);
    const mb = listedIn(m, b);
    if (ma === 'yes' && mb === 'yes') return 'overlap';
    if (ma === 'unknown' || mb === 'unknown') unknown = true;
    if (ma === 'yes') inA++;
    if (mb === 'yes') inB++;
  }
  return !unknown && inA >= a.size && inB >= b.size ? 'disjoint' : 'unknown';
}

/**
 * Per history (state uuid), newest view first. A reporter of an older view that a newer view holds (or may hold)
 * joins it (lagging when that cannot be confirmed). The others are stale only when their view is an ancestor of a
 * newer one: the newer view holds some of its members (or that cannot be told, the old rule: view ids only grow).
 * An older view whose members no newer view holds is a fork, not a past: a minority bootstrapped by hand
 * (pc.bootstrap) counts its own view ids and may well be ahead. It competes as its own component, and the majority
 * rule decides. Views that share the newest id but not their members are forks too.
 */
function buildComponents(views: readonly View[], inputs: readonly MemberInput[]): Component[] {
  const byUuid = new Map<string, View[]>();
  for (const v of views) byUuid.set(v.uuid, [...(byUuid.get(v.uuid) ?? []), v]);
  const components: Component[] = [];
  for (const uuid of [...byUuid.keys()].sort(compareText)) {
    const list = (byUuid.get(uuid) ?? []).sort((a, b) => b.confId - a.confId || b.size - a.size);
    const top = list.filter((v) => v.confId === list[0]?.confId);
    const heads = top.map((v): Component => ({ view: v, members: [...v.reporters], lagging: new Set(), staleAgainst: null }));
    const stale: Component[] = [];
    for (const older of list.slice(top.length)) {
      const excluded: MemberInput[] = [];
      for (const r of older.reporters) {
        const placed = place(r, heads);
        if (placed === null) {
          excluded.push(r);
          continue;
        }
        placed.head.members.push(r);
        if (placed.lagging) placed.head.lagging.add(r.name);
      }
      if (excluded.length === 0) continue;
      const ancestorOf = heads.find((h) => relation(older, h.view, inputs) !== 'disjoint');
      if (ancestorOf) stale.push({ view: older, members: excluded, lagging: new Set(), staleAgainst: ancestorOf.view });
      else heads.push({ view: older, members: excluded, lagging: new Set(), staleAgainst: null });
    }
    components.push(...heads, ...stale);
  }
  return components;
}

/** The current component a reporter of an older view belongs to: the one head that holds it (or may, when alone). */
function place(r: MemberInput, heads: readonly Component[]): { head: Component; lagging: boolean } | null {
  const holding = heads.filter((h) => inView(r, h.view) === 'yes');
  if (holding.length === 1) return { head: holding[0]!, lagging: false };
  const only = heads.length === 1 ? heads[0] : undefined;
  if (holding.length === 0 && only !== undefined && inView(r, only.view) === 'unknown') return { head: only, lagging: true };
  return null;
}

/**
 * The winner: the only current component (every other claim is stale); otherwise (several histories, or a fork)
 * the one component that holds a majority of the configured nodes; otherwise nobody.
 */
function chooseWinner(components: readonly Component[], configured: number): Component | null {
  const current = components.filter((c) => c.staleAgainst === null);
  if (current.length === 1) return current[0] ?? null;
  const majority = current.filter((c) => c.members.length * 2 > configured);
  return majority.length === 1 ? (majority[0] ?? null) : null;
}

export function analyseMembership(inputs: readonly MemberInput[]): MembershipVerdict {
  const configured = inputs.length;
  const conditions = new Map<string, MembershipCondition>();
  const claimers = inputs.filter((m) => m.status !== null && m.status.wsrepOn && m.status.clusterStatus === 'Primary');
  const claimerNames = claimers.map((c) => c.name).sort(compareText);
  if (claimers.length === 0) return { primary: null, conditions, splitBrain: null, claimers: claimerNames };

  const components = buildComponents(buildViews(claimers), inputs);
  const winner = chooseWinner(components, configured);
  const competing = components.filter((c) => c.staleAgainst === null);
  let splitBrain: string | null = null;
  if (competing.length > 1) {
    splitBrain = `Primary components compete: ${competing.map((c) => `${describe(c.view)} reported by ${names(c.members)}`).join('; ')}`
      + (winner ? `; trusting ${describe(winner.view)}, which holds ${winner.members.length} of ${configured} configured nodes`
        : `; none holds a majority of the ${configured} configured nodes, so none is trusted`);
  }

  for (const c of components) {
    if (c === winner) continue;
    for (const m of c.members) {
      if (c.staleAgainst !== null) {
        const newer = c.staleAgainst;
        conditions.set(m.name, {
          code: 'STALE_VIEW',
          message: `${m.name}: reports Primary ${describe(c.view)}, but ${names(newer.reporters)} report the newer ${describe(newer)} without it; its view is stale (a frozen or cut-off node that resumed)`,
        });
      } else {
        conditions.set(m.name, {
          code: 'SPLIT_BRAIN',
          message: winner
            ? `${m.name}: reports Primary ${describe(c.view)}, which competes with ${describe(winner.view)} of ${names(winner.members)}; the majority side is trusted`
            : `${m.name}: reports Primary ${describe(c.view)}, but competing Primary components exist and none holds a majority of the ${configured} configured nodes`,
        });
      }
    }
  }
  if (!winner) return { primary: null, conditions, splitBrain, claimers: claimerNames };

  const view = winner.view;
  for (const name of winner.lagging) {
    conditions.set(name, {
      code: 'VIEW_LAGGING',
      message: `${name}: reports an older view than ${describe(view)} of ${names(view.reporters)}, and its membership in that view cannot be confirmed`,
    });
  }
  // members the view names that say they are not in any Primary component deny it
  const memberNames = new Set(winner.members.map((m) => m.name));
  const deniers = inputs.filter((m) => !memberNames.has(m.name) && m.status !== null
    && m.status.clusterStatus !== 'Primary' && namedIn(m, view, configured));
  if (deniers.length > 0 && (view.size - deniers.length) * 2 <= view.size) {
    for (const m of winner.members) {
      conditions.set(m.name, {
        code: 'VIEW_UNCONFIRMED',
        message: `${m.name}: its Primary ${describe(view)} is denied by ${names(deniers)}, members of that view that report non-Primary`,
      });
    }
  }
  for (const m of inputs) {
    if (m.status !== null || inView(m, view) !== 'no') continue;
    conditions.set(m.name, {
      code: 'EXCLUDED_BY_PEERS',
      message: `${m.name}: cannot be probed, and the Primary component (${names(view.reporters)}, ${describe(view)}) does not contain it`,
    });
  }
  return {
    primary: { stateUuid: view.uuid, confId: view.confId, size: view.size, nodes: winner.members.map((m) => m.name).sort(compareText) },
    conditions,
    splitBrain,
    claimers: claimerNames,
  };
}
