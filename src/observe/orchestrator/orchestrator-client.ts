// One poll of Orchestrator's HTTP API: which raft member leads (/api/leader-check on every URL), then from the
// leader the downtimed instances, the cluster's instances and master, and the watched instances the cluster list
// does not name (a demoted master is its own cluster after a recovery). Every answer is checked against the
// documented shape; a bad answer is a problem in the observation, never an exception.
import type * as z from 'zod';
import type { InstanceKey, OrchestratorInstance, OrchestratorObservation, OrchestratorProblem } from '../../model/orchestrator.js';
import { WardenError } from '../../model/errors.js';
import type { GetResult, HttpOptions } from './http-get.js';
import { httpGet } from './http-get.js';
import { apiResponseSchema, describeIssues, instanceListSchema, instanceSchema, leaderCheckSchema, toInstance } from './wire-schemas.js';

export interface OrchestratorClientOptions extends HttpOptions {
  /** one base URL per Orchestrator raft member, e.g. http://orc1:3000 */
  urls: readonly string[];
  /** cluster name, alias or an instance host:port (Orchestrator's clusterHint) */
  clusterHint: string;
  /** the instances galera-warden routes to: looked up one by one when the cluster list does not name them */
  watch: readonly InstanceKey[];
  /** replaceable for tests */
  get?: (base: string, path: string, o: HttpOptions) => Promise<GetResult>;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; problem: OrchestratorProblem };

const keyOf = (k: InstanceKey): string => `${k.host.toLowerCase()}:${k.port}`;

/** An empty observation: nothing known, no leader seen yet. */
export function initialObservation(now: number): OrchestratorObservation {
  return { at: now, watchingSince: now, leader: null, leaderSeenAt: null, master: null, instances: [], problems: [] };
}

export class OrchestratorClient {
  readonly urls: readonly string[];
  private readonly get: NonNullable<OrchestratorClientOptions['get']>;

  constructor(private readonly o: OrchestratorClientOptions) {
    if (o.urls.length === 0) throw new WardenError('E_ORCH_OPTIONS', 'orchestrator.urls: at least one Orchestrator URL is needed');
    for (const u of o.urls) {
      if (!/^https?:\/\/[^/\s]+\/?[^\s]*$/.test(u)) throw new WardenError('E_ORCH_OPTIONS', `orchestrator.urls: "${u}" is not an http:// or https:// URL`);
    }
    if (o.clusterHint.trim() === '') throw new WardenError('E_ORCH_OPTIONS', 'orchestrator.clusterHint: must not be empty');
    this.urls = o.urls.map((u) => u.replace(/\/+$/, ''));
    this.get = o.get ?? httpGet;
  }

  /** Parses a 200 answer with the schema; anything else becomes a problem with a code. */
  private async read<T>(base: string, path: string, schema: z.ZodType<T>): Promise<Parsed<T>> {
    const r = await this.get(base, path, this.o);
    if (!r.ok) return { ok: false, problem: { code: r.code, url: r.url, message: r.message } };
    const where = `${r.url}: HTTP ${r.status}`;
    if (r.status === 401 || r.status === 403) return { ok: false, problem: { code: 'ORCH_AUTH', url: r.url, message: `${where}: basic auth refused (orchestrator.user / password)` } };
    let json: unknown;
    try {
      json = JSON.parse(r.body);
    } catch {
      const code = r.status === 200 ? 'ORCH_MALFORMED' : 'ORCH_HTTP_STATUS';
      return { ok: false, problem: { code, url: r.url, message: `${where}: ${r.body === '' ? 'empty body' : 'the body is not JSON'}` } };
    }
    if (r.status !== 200) {
      const api = apiResponseSchema.safeParse(json);
      if (api.success && r.status === 500) return { ok: false, problem: { code: 'ORCH_API_ERROR', url: r.url, message: `${where}: ${api.data.Code}: ${api.data.Message}` } };
      return { ok: false, problem: { code: 'ORCH_HTTP_STATUS', url: r.url, message: `${where}: not an answer this endpoint documents` } };
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) return { ok: false, problem: { code: 'ORCH_MALFORMED', url: r.url, message: `${where}: not the documented shape: ${describeIssues(parsed.error)}` } };
    return { ok: true, value: parsed.data };
  }

  /** true: this member is the leader; false: a follower ("Not leader"); a problem otherwise. */
  async leaderCheck(base: string): Promise<{ leader: boolean } | { problem: OrchestratorProblem }> {
    const r = await this.get(base, '/api/leader-check', this.o);
    if (!r.ok) return { problem: { code: r.code, url: r.url, message: r.message } };
    let body: unknown = undefined;
    try {
      body = JSON.parse(r.body);
    } catch {
      // judged below
    }
    const text = leaderCheckSchema.safeParse(body);
    if (r.status === 401 || r.status === 403) return { problem: { code: 'ORCH_AUTH', url: r.url, message: `${r.url}: HTTP ${r.status}: basic auth refused (orchestrator.user / password)` } };
    if (r.status === 200 && text.success && text.data === 'OK') return { leader: true };
    if (r.status === 404 && text.success) return { leader: false };
    const code = r.status === 200 || r.status === 404 ? 'ORCH_MALFORMED' : 'ORCH_HTTP_STATUS';
    return { problem: { code, url: r.url, message: `${r.url}: HTTP ${r.status}: expected 200 "OK" or 404 "Not leader", got ${JSON.stringify(r.body.slice(0, 80))}` } };
  }

  /** One poll. `previous` supplies what is kept when the leader cannot be read. */
  async poll(previous: OrchestratorObservation, now: () => number = Date.now): Promise<OrchestratorObservation> {
    const problems: OrchestratorProblem[] = [];
    const checks = await Promise.all(this.urls.map((u) => this.leaderCheck(u)));
    const leader = this.urls.find((_, i) => { const c = checks[i]!; return 'leader' in c && c.leader; }) ?? null;
    for (const c of checks) if ('problem' in c) problems.push(c.problem);
    if (leader === null) {
      problems.unshift({ code: 'ORCH_NO_LEADER', message: `no Orchestrator node answered /api/leader-check as leader (${this.urls.join(', ')})` });
      return { ...previous, at: now(), leader: null, problems };
    }
    const hint = encodeURIComponent(this.o.clusterHint);
    const [downtimed, cluster, master] = await Promise.all([
      this.read(leader, '/api/downtimed', instanceListSchema),
      this.read(leader, `/api/cluster/${hint}`, instanceListSchema),
      this.read(leader, `/api/master/${hint}`, instanceSchema),
    ]);
    const byKey = new Map<string, OrchestratorInstance>(previous.instances.map((i) => [keyOf(i), i]));
    const fresh = new Map<string, OrchestratorInstance>();
    const take = (list: readonly z.output<typeof instanceSchema>[]): void => {
      for (const w of list) {
        const i = toInstance(w);
        const seen = fresh.get(keyOf(i));
        fresh.set(keyOf(i), seen ? { ...i, downtimed: i.downtimed || seen.downtimed } : i);
      }
    };
    for (const r of [cluster, master, downtimed]) if (!r.ok) problems.push(r.problem);
    if (cluster.ok) take(cluster.value);
    if (master.ok) take([master.value]);
    if (downtimed.ok) take(downtimed.value.filter((w) => w.IsDowntimed));
    const missing = this.o.watch.filter((k) => !fresh.has(keyOf(k)));
    const lookups = await Promise.all(missing.map((k) => this.read(leader, `/api/instance/${encodeURIComponent(k.host)}/${k.port}`, instanceSchema)));
    missing.forEach((k, i) => {
      const r = lookups[i]!;
      if (r.ok) take([r.value]);
      else if (r.problem.code === 'ORCH_API_ERROR') byKey.delete(keyOf(k)); // Orchestrator does not know it
      if (!r.ok) problems.push(r.problem);
    });
    for (const [k, i] of fresh) byKey.set(k, i);
    const at = now();
    return {
      at,
      watchingSince: previous.watchingSince,
      leader,
      leaderSeenAt: downtimed.ok ? at : previous.leaderSeenAt,
      master: master.ok ? toInstanceKey(master.value) : master.problem.code === 'ORCH_API_ERROR' ? null : previous.master,
      instances: [...byKey.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b))),
      problems,
    };
  }
}

function toInstanceKey(w: z.output<typeof instanceSchema>): InstanceKey {
  return { host: w.Key.Hostname, port: w.Key.Port };
}
