// Pure: from the desired routing and HAProxy's servers (as `show servers state` reports them) to the runtime
// commands that make the backends match, in a safe order, or nothing when they already do.
//
// Server name = node name (as `galera-warden haproxy config` writes them). Per backend and node:
//   writer backend   writer -> ready; any other role -> maint, or drain when the decision drains the node's
//                    write connections and it is not in maint already (maint never goes back to drain)
//   reader backend   reader -> ready; otherwise the same rule with readerConnections
//   `sever`          maint, plus `shutdown sessions server` when the server was not in maint yet
//   servers no node names: maint (nothing but the decision routes)
// Order: every demotion in the writer backend, then its promotions (a new writer is ready only once no
// other server is), then the reader backend the same way. Undoing a prefix in reverse keeps that property.
import type { ConnectionAction, DesiredRouting } from '../../model/decision.js';
import type { AdminState, ServerState } from './runtime-client.js';
import { HaproxyError } from './runtime-client.js';

export interface HaproxyBackends {
  writer: string;
  /** absent: only the writer backend is driven */
  reader?: string;
}

export type HaproxyCommand =
  | { kind: 'state'; backend: string; server: string; state: AdminState; from: AdminState }
  | { kind: 'shutdown'; backend: string; server: string };

export interface TargetState {
  backend: string;
  server: string;
  state: AdminState;
}

export interface HaproxyPlan {
  commands: HaproxyCommand[];
  /** every managed server as it must read back */
  target: TargetState[];
  actions: string[];
  /** nodes without a server line that the decision does not route to (a routed one is an error) */
  notes: string[];
  noop: boolean;
}

export const commandText = (c: HaproxyCommand): string =>
  c.kind === 'state' ? `set server ${c.backend}/${c.server} state ${c.state}` : `shutdown sessions server ${c.backend}/${c.server}`;

function stateFor(active: boolean, conn: ConnectionAction, current: AdminState): { state: AdminState; shutdown: boolean } {
  if (active) return { state: 'ready', shutdown: false };
  if (conn !== 'sever' && current !== 'maint') return { state: 'drain', shutdown: false };
  return { state: 'maint', shutdown: conn === 'sever' && current !== 'maint' };
}

function planBackend(
  backend: string, pool: 'writer' | 'reader', desired: DesiredRouting, servers: readonly ServerState[], notes: string[],
): { demote: HaproxyCommand[]; promote: HaproxyCommand[]; target: TargetState[] } {
  const have = new Map(servers.filter((s) => s.backend === backend).map((s) => [s.server, s]));
  const routed = new Set(pool === 'writer' ? desired.writers : desired.readers);
  const demote: HaproxyCommand[] = [];
  const promote: HaproxyCommand[] = [];
  const target: TargetState[] = [];
  const place = (server: string, current: AdminState, want: { state: AdminState; shutdown: boolean }): void => {
    target.push({ backend, server, state: want.state });
    if (want.state !== current) (want.state === 'ready' ? promote : demote).push({ kind: 'state', backend, server, state: want.state, from: current });
    if (want.shutdown) demote.push({ kind: 'shutdown', backend, server });
  };
  const named = new Set<string>();
  for (const n of desired.nodes) {
    named.add(n.node);
    const s = have.get(n.node);
    const active = routed.has(n.node);
    if (!s) {
      if (active) throw new HaproxyError('E_HAPROXY_PLAN', `node ${n.node} is the decided ${pool} but backend ${backend} has no server named ${n.node} (server names must be the node names; see galera-warden haproxy config)`);
      notes.push(`node ${n.node}: no server line in backend ${backend}`);
      continue;
    }
    place(s.server, s.admin, stateFor(active, pool === 'writer' ? n.writerConnections : n.readerConnections, s.admin));
  }
  for (const name of routed) {
    if (!named.has(name)) throw new HaproxyError('E_HAPROXY_PLAN', `the decision routes ${pool} traffic to ${name}, which is not a configured node`);
  }
  for (const s of have.values()) {
    if (!named.has(s.server)) place(s.server, s.admin, { state: 'maint', shutdown: false });
  }
  return { demote, promote, target };
}

/** Throws HaproxyError E_HAPROXY_PLAN when a routed node has no server line. */
export function planHaproxy(desired: DesiredRouting, servers: readonly ServerState[], backends: HaproxyBackends): HaproxyPlan {
  const notes: string[] = [];
  const w = planBackend(backends.writer, 'writer', desired, servers, notes);
  const r = backends.reader ? planBackend(backends.reader, 'reader', desired, servers, notes) : { demote: [], promote: [], target: [] };
  const commands = [...w.demote, ...w.promote, ...r.demote, ...r.promote];
  return {
    commands,
    target: [...w.target, ...r.target],
    actions: commands.map((c) => (c.kind === 'state' ? `${c.backend}/${c.server}: ${c.from} -> ${c.state}` : `${c.backend}/${c.server}: sessions shut down`)),
    notes,
    noop: commands.length === 0,
  };
}

/** What applying `commands` does to `servers` (admin states only), for tests and dry runs. */
export function simulate(servers: readonly ServerState[], commands: readonly HaproxyCommand[]): ServerState[] {
  const out = servers.map((s) => ({ ...s }));
  for (const c of commands) {
    if (c.kind !== 'state') continue;
    const s = out.find((x) => x.backend === c.backend && x.server === c.server);
    if (s) s.admin = c.state;
  }
  return out;
}

/** Managed servers whose admin state differs from the target, as human lines; empty when they match. */
export function compareTarget(servers: readonly ServerState[], target: readonly TargetState[]): string[] {
  const out: string[] = [];
  for (const t of target) {
    const s = servers.find((x) => x.backend === t.backend && x.server === t.server);
    if (!s) out.push(`${t.backend}/${t.server}: gone`);
    else if (s.admin !== t.state) out.push(`${t.backend}/${t.server}: ${s.admin}, expected ${t.state}`);
  }
  return out;
}
