// The node-side HTTP healthcheck (like clustercheck / Switchboard's galera-healthcheck): any GET,
// HEAD or OPTIONS (HAProxy's default httpchk method) on any path probes the node and answers 200
// when it may take traffic, 503 when not, with a small JSON body and never a secret. Requests that
// arrive while a probe runs share it; with cacheMs > 0 a result is also reused for that long.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthOptions, NodeHealth } from '../decide/node-health.js';
import { assessNode } from '../decide/node-health.js';
import type { NodeObservation } from '../model/observation.js';
import { NODE_REASON } from '../model/reasons.js';

export interface HealthcheckBody {
  node: string;
  available: boolean;
  writable: boolean;
  /** wsrep_local_state_comment ("Synced", "Donor/Desynced" ...), or "probe <kind>" when the probe failed */
  state: string;
  reasons: { code: string; message: string }[];
  /** epoch ms of the probe this answer comes from */
  at: number;
  latencyMs: number;
}

export interface HealthcheckServerOptions {
  /** the node's name, for the body */
  node: string;
  /** probes the node; expected never to reject (a rejection answers 503) */
  probe: () => Promise<NodeObservation>;
  health: HealthOptions;
  /** reuse a result this long, ms (default 0) */
  cacheMs?: number;
  /**
   * after the node was seen unavailable, keep answering 503 until it has been available this long (ms,
   * default 0). A frozen node that resumes reports a stale Synced/Primary view for about 6 s before it
   * notices it was dropped; nothing on the node itself shows it, so only a hold covers that window.
   */
  holdMs?: number;
  /** called when the answer changes between available and not (for logging) */
  onChange?: (body: HealthcheckBody) => void;
  assess?: (obs: NodeObservation, options: HealthOptions) => NodeHealth;
  /** the body's `state` (default: wsrep_local_state_comment; a replication topology says its replication state) */
  stateOf?: (obs: NodeObservation) => string;
  now?: () => number;
}

const ALLOWED = 'GET, HEAD, OPTIONS';
/** reason code of an answer held at 503 after a failure (not a node condition: the node itself looks fine) */
export const RECOVERING = 'RECOVERING';

export const wsrepStateOf = (obs: NodeObservation): string =>
  obs.status ? obs.status.localStateComment || `state ${obs.status.localState}` : `probe ${obs.error?.kind ?? 'unknown'}`;

export function healthcheckBody(node: string, obs: NodeObservation, health: NodeHealth, stateOf: (obs: NodeObservation) => string = wsrepStateOf): HealthcheckBody {
  return {
    node,
    available: health.available,
    writable: health.writable,
    state: stateOf(obs),
    reasons: health.reasons.map((r) => ({ code: r.code, message: r.message })),
    at: obs.at,
    latencyMs: obs.latencyMs,
  };
}

export class HealthcheckServer {
  readonly #options: HealthcheckServerOptions;
  readonly #server: http.Server;
  readonly #now: () => number;
  #inFlight: Promise<HealthcheckBody> | undefined;
  #cached: { body: HealthcheckBody; until: number } | undefined;
  #lastAvailable: boolean | undefined;
  /** when the node was last seen unavailable, and since when it has been available again */
  #lastFailureAt: number | undefined;
  #availableSince: number | undefined;

  constructor(options: HealthcheckServerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#server = http.createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    this.#server.keepAliveTimeout = 5000;
    this.#server.headersTimeout = 10_000;
    this.#server.requestTimeout = 30_000;
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  get address(): AddressInfo | undefined {
    const a = this.#server.address();
    return a !== null && typeof a === 'object' ? a : undefined;
  }

  /** Stops accepting, lets running requests finish, closes idle keep-alive connections. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#server.listening) {
        resolve();
        return;
      }
      this.#server.close(() => resolve());
      this.#server.closeIdleConnections();
    });
  }

  /** Drops every connection at once. */
  destroy(): void {
    this.#server.close();
    this.#server.closeAllConnections();
  }

  /** The current answer: cached, shared with a running probe, or from a new probe. */
  check(): Promise<HealthcheckBody> {
    const cached = this.#cached;
    if (cached && this.#now() < cached.until) return Promise.resolve(cached.body);
    this.#inFlight ??= this.#probe().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #probe(): Promise<HealthcheckBody> {
    const { node, probe, health, cacheMs = 0, holdMs = 0, assess = assessNode, stateOf = wsrepStateOf } = this.#options;
    let body: HealthcheckBody;
    try {
      const obs = await probe();
      body = healthcheckBody(node, obs, assess(obs, health), stateOf);
    } catch (err) {
      const message = `${node}: the probe failed: ${err instanceof Error ? err.message : String(err)}`;
      body = { node, available: false, writable: false, state: 'probe unknown', reasons: [{ code: NODE_REASON.PROBE_FAILED, message }], at: this.#now(), latencyMs: 0 };
    }
    body = this.#hold(body, holdMs);
    if (cacheMs > 0) this.#cached = { body, until: this.#now() + cacheMs };
    if (body.available !== this.#lastAvailable) {
      this.#lastAvailable = body.available;
      this.#options.onChange?.(body);
    }
    return body;
  }

  /** Keeps a node that was unavailable at 503 until it has been available for holdMs. */
  #hold(body: HealthcheckBody, holdMs: number): HealthcheckBody {
    const now = this.#now();
    if (!body.available) {
      this.#lastFailureAt = now;
      this.#availableSince = undefined;
      return body;
    }
    this.#availableSince ??= now;
    if (holdMs <= 0 || this.#lastFailureAt === undefined || now - this.#availableSince >= holdMs) return body;
    const left = holdMs - (now - this.#availableSince);
    const message = `${body.node}: available again for ${now - this.#availableSince} ms after a failure; held out ${left} ms more (hold ${holdMs} ms)`;
    return { ...body, available: false, writable: false, reasons: [{ code: RECOVERING, message }, ...body.reasons] };
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS') {
      res.writeHead(405, { Allow: ALLOWED, 'Content-Length': 0 });
      res.end();
      return;
    }
    const body = await this.check();
    const json = `${JSON.stringify(body)}\n`;
    res.writeHead(body.available ? 200 : 503, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(json),
      'Cache-Control': 'no-store',
      Allow: ALLOWED,
    });
    res.end(method === 'HEAD' ? undefined : json);
  }
}
