// Switchboard's traffic switch: GET /v0/cluster shows it, PATCH /v0/cluster?trafficEnabled=false&message=...
// sets it. Switchboard takes the two as query parameters (a form); a JSON body is accepted too. As in
// Switchboard, turning traffic off needs a message, and the answer is the cluster as it is now (200). With a
// coordination store the switch lives in the shared record, so one PATCH turns traffic off on every instance;
// a store that does not answer is a 503 naming the store's failure, nothing is changed.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ReportSource } from '../model/tick.js';
import type { TrafficState } from '../model/traffic.js';
import { TRAFFIC_ON } from '../model/traffic.js';
import { parseBasicAuth } from './basic-auth.js';
import { sendError } from './send-error.js';

/** Go's time.Time zero value, which Switchboard shows before the switch was ever set */
export const NEVER = '0001-01-01T00:00:00Z';

export interface ClusterSwitchView {
  /** the node writes are routed to now (Switchboard's active backend); null: none (traffic off, no writer) */
  activeBackend: { host: string; port: number; name: string } | null;
  trafficEnabled: boolean;
  message: string;
  /** when the switch was last set, RFC 3339 */
  lastUpdated: string;
  /** who set it (API user@address via instance); empty: never set */
  updatedBy: string;
  /** "record": shared by every instance through the coordination store; "local": this instance only */
  scope: TrafficState['scope'];
}

export function clusterSwitchView(source: ReportSource): ClusterSwitchView {
  const t = source.traffic?.() ?? { ...TRAFFIC_ON, scope: 'local' as const };
  const tick = source.latest();
  const writer = tick?.desired.nodes.find((n) => n.node === tick.desired.writers[0]);
  return {
    activeBackend: writer ? { host: writer.host, port: writer.port, name: writer.node } : null,
    trafficEnabled: t.trafficEnabled,
    message: t.message,
    lastUpdated: t.setAt === null ? NEVER : new Date(t.setAt).toISOString(),
    updatedBy: t.setBy,
    scope: t.scope,
  };
}

const TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool, which Switchboard uses; a JSON boolean as it is. */
export function parseTrafficEnabled(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v !== 'string') return undefined;
  return TRUE.has(v) ? true : FALSE.has(v) ? false : undefined;
}

const MAX_MESSAGE = 1000;

type Patch = { ok: true; trafficEnabled: boolean; message: string } | { ok: false; message: string };

export function parsePatch(query: unknown, body: unknown): Patch {
  const q = (typeof query === 'object' && query !== null ? query : {}) as Record<string, unknown>;
  const b = (typeof body === 'object' && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
  const raw = q.trafficEnabled ?? b.trafficEnabled;
  if (raw === undefined) return { ok: false, message: 'trafficEnabled is missing: send ?trafficEnabled=true or ?trafficEnabled=false (and &message=why)' };
  const enabled = parseTrafficEnabled(Array.isArray(raw) ? raw[0] : raw);
  if (enabled === undefined) return { ok: false, message: `trafficEnabled: expected true or false, got ${JSON.stringify(raw).slice(0, 80)}` };
  const m = q.message ?? b.message ?? '';
  if (typeof m !== 'string') return { ok: false, message: 'message: expected a string' };
  const message = m.trim();
  if (message.length > MAX_MESSAGE) return { ok: false, message: `message: expected at most ${MAX_MESSAGE} characters` };
  // Switchboard's rule: traffic goes off only with a reason the other operators can read
  if (!enabled && message === '') return { ok: false, message: 'message must not be empty when turning traffic off: say why (&message=...)' };
  return { ok: true, trafficEnabled: enabled, message };
}

/** who asks: the API user (when there is auth) and the client address */
const requester = (request: FastifyRequest): string => `${parseBasicAuth(request.headers.authorization)?.user ?? 'anonymous'}@${request.ip}`;

export function registerTrafficRoutes(app: FastifyInstance, o: { source: ReportSource; logger: FastifyInstance['log'] | undefined }): void {
  const { source } = o;
  app.get('/v0/cluster', async () => clusterSwitchView(source));

  app.patch('/v0/cluster', async (request, reply) => {
    const patch = parsePatch(request.query, request.body);
    if (!patch.ok) return sendError(reply, 400, 'E_BAD_REQUEST', patch.message);
    if (!source.setTraffic) return sendError(reply, 501, 'E_NOT_SUPPORTED', 'this instance has no traffic switch');
    const by = requester(request);
    const r = await source.setTraffic({ trafficEnabled: patch.trafficEnabled, message: patch.message, by });
    o.logger?.info({ command: 'traffic', trafficEnabled: patch.trafficEnabled, ok: r.ok, by }, `operator command traffic ${patch.trafficEnabled ? 'on' : 'off'}: ${r.ok ? 'done' : `refused: ${r.message}`}`);
    if (!r.ok) return sendError(reply, r.code === 'COORDINATION_CONFLICT' ? 409 : 503, r.code, r.message);
    return clusterSwitchView(source);
  });
}
