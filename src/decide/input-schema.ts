// Schemas for the decision core's inputs when they come from outside as JSON (a recorded observation, a saved
// state, a partial config, external verdicts). Each schema is checked against the model type it parses into.
import { z } from 'zod';
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { DecideState, NodeTrack } from '../model/decision.js';
import type { ExternalVerdict } from '../model/external.js';
import type { ClusterObservation, NodeObservation, NodeStatus } from '../model/observation.js';

const count = z.number().int().min(0);
const epochMs = z.number().finite();

const NodeStatusSchema: z.ZodType<NodeStatus> = z.object({
  localState: z.number().int(),
  localStateComment: z.string(),
  clusterStatus: z.string(),
  ready: z.boolean(),
  connected: z.boolean(),
  rejectQueries: z.enum(['NONE', 'ALL', 'ALL_KILL']),
  donorRejectsQueries: z.boolean(),
  desync: z.boolean(),
  pxcMaintMode: z.enum(['DISABLED', 'SHUTDOWN', 'MAINTENANCE']),
  readOnly: z.boolean(),
  segment: z.number().int(),
  localIndex: z.number().int(),
  recvQueue: z.number(),
  clusterSize: count,
  clusterConfId: z.number(),
  clusterStateUuid: z.string(),
  gcommUuid: z.string(),
  incomingAddresses: z.array(z.string()),
  evsDelayed: z.array(z.string()),
  evsEvictList: z.array(z.string()),
  wsrepOn: z.boolean(),
  tableAccess: z.object({ ok: z.boolean(), errno: z.number().int().optional(), message: z.string().optional() }),
  members: z.array(z.object({ uuid: z.string(), name: z.string(), address: z.string() })).optional(),
  grants: z.array(z.string()).optional(),
  version: z.string(),
});

const NodeObservationSchema: z.ZodType<NodeObservation> = z.object({
  node: z.string().min(1),
  host: z.string(),
  port: z.number().int(),
  at: epochMs,
  latencyMs: z.number().min(0),
  status: NodeStatusSchema.optional(),
  error: z.object({
    kind: z.enum(['refused', 'timeout', 'busy', 'shutdown', 'auth', 'tls', 'unreachable', 'protocol', 'query', 'unknown']),
    message: z.string(),
    errno: z.number().optional(),
    code: z.string().optional(),
  }).optional(),
}).refine((o) => (o.status === undefined) !== (o.error === undefined), { message: 'exactly one of status / error must be set' });

export const ClusterObservationSchema: z.ZodType<ClusterObservation> = z.object({
  at: epochMs,
  nodes: z.array(NodeObservationSchema),
});

const writerRole = z.enum(['writer', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none']);
const readerRole = z.enum(['reader', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none']);

const NodeTrackSchema: z.ZodType<NodeTrack> = z.object({
  inService: z.boolean(),
  healthyStreak: count,
  unhealthyStreak: count,
  healthySince: epochMs.nullable(),
  lastHealthyAt: epochMs.nullable(),
  lastUnhealthyAt: epochMs.nullable(),
  writer: writerRole.nullable(),
  reader: readerRole.nullable(),
  gcommUuid: z.string().nullable(),
});

export const DecideStateSchema: z.ZodType<DecideState> = z.object({
  version: z.literal(1),
  at: epochMs.nullable(),
  writer: z.object({ nodes: z.array(z.string()), epoch: count, since: epochMs.nullable(), last: z.array(z.string()) }),
  nodes: z.record(z.string(), NodeTrackSchema),
});

const DecideNodeSchema: z.ZodType<DecideNode> = z.strictObject({
  name: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  weight: z.number().finite(),
  healthPort: z.number().int().min(1).max(65535).optional(),
  writerCandidate: z.boolean().optional(),
  readerCandidate: z.boolean().optional(),
});

/** A partial DecideConfig: unknown keys are errors (typos must not pass silently); missing keys take defaults. */
export const DecideConfigSchema: z.ZodType<Partial<DecideConfig>> = z.strictObject({
  activeFailover: z.union([z.literal(0), z.literal(1)]),
  failBack: z.boolean(),
  singlePrimary: z.boolean(),
  maxNumWriters: z.number().int().min(1),
  writerIsAlsoReader: z.boolean(),
  retryUp: count,
  retryDown: count,
  minHoldMs: z.number().min(0),
  mainSegment: z.number().int().min(0),
  availableWhenDonor: z.boolean(),
  availableWhenReadOnly: z.boolean(),
  checkTimeoutMs: z.number().positive(),
  maxObservationAgeMs: z.number().positive(),
  nodes: z.array(DecideNodeSchema).refine((ns) => new Set(ns.map((n) => n.name)).size === ns.length, { message: 'node names must be unique' }),
}).partial();

export const ExternalVerdictSchema: z.ZodType<ExternalVerdict> = z.strictObject({
  downtimed: z.array(z.string()).optional(),
  downtimeNotes: z.record(z.string(), z.string()).optional(),
  maintenance: z.array(z.string()).optional(),
  fenceAll: z.string().min(1).optional(),
  switchoverTo: z.string().min(1).optional(),
});

export type Checked<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** Parse `value`; on failure, one line per problem, each naming the path inside the document ("nodes.1.status.ready: ..."). */
export function check<T>(schema: z.ZodType<T>, value: unknown): Checked<T> {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, value: r.data };
  return { ok: false, problems: r.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`) };
}
