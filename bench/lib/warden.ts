// The warden under test: the sections the bench appends to the sandbox's warden.toml, and its API.
import { withTimeout } from './util.js';

export interface WardenSettings {
  intervalMs: number;
  connectTimeoutMs: number;
  probeTimeoutMs: number;
  retryUp: number;
  retryDown: number;
  minHoldMs: number;
}

/** Sub-second probing as a fail-over deployment would run it; the hold time is the project default. */
export const WARDEN_SETTINGS: WardenSettings = {
  intervalMs: 200,
  connectTimeoutMs: 400,
  probeTimeoutMs: 500,
  retryUp: 2,
  retryDown: 1,
  minHoldMs: 8000,
};

export interface WardenPorts {
  writer: number;
  reader: number;
  health: number;
  api: number;
}

/** The [proxy] and [api] sections of a bench warden (`proxy`: the [proxy] keys that differ between benches, in order). */
export function proxyApiSections(ports: WardenPorts, api: { user: string; password: string }, proxy: { connectTimeoutMs?: number; drainMs: number }): string {
  return `
[proxy]
host = "127.0.0.1"
writerPort = ${ports.writer}
readerPort = ${ports.reader}
healthPort = ${ports.health}
waitForBackendMs = 20000
${proxy.connectTimeoutMs !== undefined ? `connectTimeoutMs = ${proxy.connectTimeoutMs}\n` : ''}drainMs = ${proxy.drainMs}

[api]
host = "127.0.0.1"
port = ${ports.api}
user = "${api.user}"
password = "${api.password}"
`;
}

export function wardenExtraConfig(s: WardenSettings, ports: WardenPorts, stateFile: string, api: { user: string; password: string }): string {
  return `
[routing]
retryUp = ${s.retryUp}
retryDown = ${s.retryDown}
minHoldMs = ${s.minHoldMs}

[probe]
connectTimeoutMs = ${s.connectTimeoutMs}
timeoutMs = ${s.probeTimeoutMs}

[run]
intervalMs = ${s.intervalMs}
stateFile = "${stateFile}"
${proxyApiSections(ports, api, { drainMs: 1000 })}`;
}

export interface ClusterState {
  writers: string[];
  readers: string[];
  epoch: number | null;
}

export class WardenApi {
  private readonly auth: string;

  constructor(private readonly port: number, user: string, password: string) {
    this.auth = 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
  }

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    return withTimeout(
      fetch(`http://127.0.0.1:${this.port}${path}`, { ...init, headers: { authorization: this.auth, 'content-type': 'application/json' }, signal: AbortSignal.timeout(3000) }),
      3500,
      `warden API ${path}`,
    );
  }

  async cluster(): Promise<ClusterState> {
    const r = await this.request('/api/cluster');
    if (!r.ok) throw new Error(`GET /api/cluster: HTTP ${r.status}`);
    return (await r.json()) as ClusterState;
  }

  /** GET /metrics: the Prometheus text (the daemon's own process figures included: prom-client's default metrics) */
  async metrics(): Promise<string> {
    const r = await this.request('/metrics');
    if (!r.ok) throw new Error(`GET /metrics: HTTP ${r.status}`);
    return r.text();
  }

  async switchover(node: string): Promise<{ ok: boolean; message: string }> {
    const r = await this.request('/api/switchover', { method: 'POST', body: JSON.stringify({ node }) });
    const body = (await r.json()) as { message?: string; error?: { message?: string } };
    return { ok: r.ok, message: body.message ?? body.error?.message ?? `HTTP ${r.status}` };
  }
}
