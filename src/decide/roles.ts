// From election, reader pool and hysteresis to each node's roles and what a proxy does with its connections.
// A node out of service is parked where its gravest condition says (maintenance, OFFLINE_SOFT, OFFLINE_HARD);
// while it waits out its hold time it stays where it was, so that it moves only once, when it returns.
import type { ConnectionAction, NodeDecision, NodeTrack, ReaderRole, WriterRole } from '../model/decision.js';
import type { Reason } from '../model/reasons.js';
import type { Parking } from './conditions.js';
import { parkingOf } from './conditions.js';
import type { ElectionNode } from './election.js';

const PARKED = new Set<string>(['offline_soft', 'offline_hard', 'maintenance']);

function parked(n: ElectionNode, previousRole: WriterRole | ReaderRole | null): Parking {
  const p = parkingOf(n.conditions, 'node');
  if (p !== undefined) return p;
  return previousRole !== null && PARKED.has(previousRole) ? (previousRole as Parking) : 'offline_soft';
}

export function writerRoleOf(n: ElectionNode, writers: readonly string[], previous: NodeTrack | undefined): WriterRole {
  if (writers.includes(n.name)) return 'writer';
  if (!n.writerCandidate) return 'none';
  if (n.inService) return parkingOf(n.conditions.filter((c) => c.blocks === 'writer'), 'writer') ?? 'backup';
  return parked(n, previous?.writer ?? null);
}

export function readerRoleOf(n: ElectionNode, readers: readonly string[], previous: NodeTrack | undefined): ReaderRole {
  if (readers.includes(n.name)) return 'reader';
  if (!n.readerCandidate) return 'none';
  if (n.inService) return 'backup';
  return parked(n, previous?.reader ?? null);
}

/**
 * Writer endpoint: a node that is not the writer keeps no write connections under singlePrimary (severed, so that
 * writes never land on two nodes at once); OFFLINE_SOFT drains only while no other node has taken the writer
 * role (measured: draining a donor writer while its successor took new connections let the persistent writers
 * keep committing on the old node for 8.5 s); OFFLINE_HARD and maintenance sever.
 */
export function writerConnections(role: WriterRole, singlePrimary: boolean, anotherWriter = false): ConnectionAction {
  switch (role) {
    case 'writer': return 'keep';
    case 'offline_soft': return singlePrimary && anotherWriter ? 'sever' : 'drain';
    case 'offline_hard':
    case 'maintenance': return 'sever';
    case 'backup':
    case 'none': return singlePrimary ? 'sever' : 'drain';
  }
}

export function readerConnections(role: ReaderRole): ConnectionAction {
  switch (role) {
    case 'reader': return 'keep';
    case 'offline_hard':
    case 'maintenance': return 'sever';
    case 'offline_soft':
    case 'backup':
    case 'none': return 'drain';
  }
}

export function nodeDecision(
  n: ElectionNode,
  roles: { writers: readonly string[]; readers: readonly string[]; singlePrimary: boolean },
  previous: NodeTrack | undefined,
  reasons: Reason[],
): NodeDecision {
  const writer = writerRoleOf(n, roles.writers, previous);
  const reader = readerRoleOf(n, roles.readers, previous);
  return {
    node: n.name,
    host: n.host,
    port: n.port,
    writer,
    reader,
    writerConnections: writerConnections(writer, roles.singlePrimary, roles.writers.some((w) => w !== n.name)),
    readerConnections: readerConnections(reader),
    inService: n.inService,
    reasons,
  };
}
