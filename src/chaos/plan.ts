// Pure: which faults a chaos campaign injects, round by round, from its seed. The same seed, rounds and fault
// list give the same plan on every machine; where the fault lands (the writer or another node, which instance)
// is chosen at run time from the plan's `aim`, because which node is the writer is only known then.
import { seeded } from './random.js';

/**
 * kill: SIGKILL a node, start it again after the fault's duration. freeze: SIGSTOP, then SIGCONT. desync:
 * wsrep_desync=ON, then OFF. reject-queries: wsrep_reject_queries=ALL, then NONE. read-only: read_only=ON,
 * then OFF. isolate: cut the node off the network (network-namespace sandboxes only), then heal.
 * restart-warden: SIGKILL a galera-warden instance, start it again after the duration. cut-warden: cut an
 * instance off from every node, which is also its store (its HAProxy still reaches them), then reconnect it.
 * store-down: SIGKILL the etcd that holds the writer record (`--store etcd` only), start it again.
 */
export const FAULT_KINDS = ['kill', 'freeze', 'desync', 'reject-queries', 'read-only', 'isolate', 'restart-warden', 'cut-warden', 'store-down'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** the kinds used when none are asked for: every kind a loopback sandbox with the Galera store can do */
export const DEFAULT_FAULTS: readonly FaultKind[] = FAULT_KINDS.filter((k) => k !== 'isolate' && k !== 'store-down');

/** the kinds a campaign can inject: isolate needs network namespaces, store-down the etcd store */
export function allowedFaults(o: { netns: boolean; store: 'galera' | 'etcd' }): FaultKind[] {
  return FAULT_KINDS.filter((k) => (k !== 'isolate' || o.netns) && (k !== 'store-down' || o.store === 'etcd'));
}
/** faults that keep the node in the group: a second fault is one of these (two nodes gone of three is no quorum) */
export const SOFT_FAULTS: readonly FaultKind[] = ['desync', 'reject-queries', 'read-only', 'restart-warden', 'cut-warden', 'store-down'];
/** faults aimed at a galera-warden instance or the store, not at a node */
export const INSTANCE_FAULTS: readonly FaultKind[] = ['restart-warden', 'cut-warden', 'store-down'];
/** the pseudo-kind "double": two faults of the list at once, on different targets */
export const DOUBLE = 'double';

export interface PlannedFault {
  kind: FaultKind;
  /**
   * node faults: 'writer' (the node taking writes when the round starts) or 'other' (one of the rest, the
   * n-th by `index`); instance faults: the instance, by `index`
   */
  aim: 'writer' | 'other' | 'instance';
  index: number;
}

export interface PlannedRound {
  round: number;
  faults: PlannedFault[];
}

/** Parses `--faults kill,freeze,double`: known names only, no repeats; at least one real fault kind. */
export function parseFaults(list: string, allowed: readonly string[] = FAULT_KINDS): { kinds: FaultKind[]; double: boolean } {
  const names = list.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const unknown = names.filter((n) => n !== DOUBLE && !allowed.includes(n));
  if (unknown.length > 0) throw new RangeError(`unknown fault ${unknown.map((u) => `"${u}"`).join(', ')}: expected some of ${[...allowed, DOUBLE].join(', ')}`);
  const kinds = [...new Set(names.filter((n): n is FaultKind => n !== DOUBLE))];
  if (kinds.length === 0) throw new RangeError(`no fault kind in "${list}": name at least one of ${allowed.join(', ')}`);
  return { kinds, double: names.includes(DOUBLE) };
}

function one(r: ReturnType<typeof seeded>, kinds: readonly FaultKind[]): PlannedFault {
  const kind = r.pick(kinds);
  if (INSTANCE_FAULTS.includes(kind)) return { kind, aim: 'instance', index: r.below(1 << 16) };
  // two thirds of the node faults hit the writer: that is where fail-over happens
  return { kind, aim: r.below(3) < 2 ? 'writer' : 'other', index: r.below(1 << 16) };
}

/**
 * `rounds` rounds from `seed`. With `double`, about one round in four injects two faults at once: the second
 * is a soft one (SOFT_FAULTS, from the list) on another aim, so that they land on different targets and a
 * three-node cluster keeps its quorum.
 */
export function planRounds(seed: number, rounds: number, kinds: readonly FaultKind[], double = false): PlannedRound[] {
  const r = seeded(seed);
  const out: PlannedRound[] = [];
  for (let i = 1; i <= rounds; i++) {
    const first = one(r, kinds);
    const faults = [first];
    const soft = kinds.filter((k) => SOFT_FAULTS.includes(k));
    if (double && soft.length > 0 && r.below(4) === 0) {
      let second = one(r, soft);
      for (let tries = 0; tries < 8 && second.aim === first.aim; tries++) second = one(r, soft);
      if (second.aim !== first.aim) faults.push(second);
    }
    out.push({ round: i, faults });
  }
  return out;
}
