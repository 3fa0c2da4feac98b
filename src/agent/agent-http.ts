// The pod's HTTP endpoints: probes for the kubelet, /shutdown for the preStop hook, /status for operators.
// Probes answer from one bounded admin query each (a wedged admin makes them fail fast, never queue up).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProbeAnswer {
  ok: boolean;
  detail: string;
}

export interface AgentEndpoints {
  started(): Promise<ProbeAnswer>;
  live(): Promise<ProbeAnswer>;
  ready(): Promise<ProbeAnswer>;
  /** resolves when the drain is over (answer sent first, exit after) */
  shutdown(): Promise<ProbeAnswer>;
  status(): Promise<unknown>;
  resync(): Promise<ProbeAnswer>;
}

export class AgentHttp {
  readonly #server: http.Server;
  /** called once the /shutdown answer is on the wire */
  onShutdownAnswered: (() => void) | undefined;

  private constructor(server: http.Server) {
    this.#server = server;
  }

  static async listen(host: string, port: number, e: AgentEndpoints): Promise<AgentHttp> {
    const server = http.createServer();
    const self = new AgentHttp(server);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => { void self.#route(req, res, e); });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return self;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async #route(req: http.IncomingMessage, res: http.ServerResponse, e: AgentEndpoints): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const text = (code: number, body: string): void => {
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(`${body}\n`);
    };
    const probe = async (p: () => Promise<ProbeAnswer>): Promise<void> => {
      try {
        const a = await p();
        text(a.ok ? 200 : 503, a.detail);
      } catch (err) {
        text(503, (err as Error).message);
      }
    };
    switch (path) {
      case '/healthz/started': return probe(() => e.started());
      case '/healthz/live': return probe(() => e.live());
      case '/healthz/ready': return probe(() => e.ready());
      case '/shutdown':
        if (req.method !== 'GET' && req.method !== 'POST') return text(405, 'GET or POST');
        try {
          const a = await e.shutdown();
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
          res.end(`${a.detail}\n`, () => this.onShutdownAnswered?.());
        } catch (err) {
          text(500, (err as Error).message);
        }
        return;
      case '/resync':
        if (req.method !== 'POST') return text(405, 'POST');
        return probe(() => e.resync());
      case '/status':
        try {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`${JSON.stringify(await e.status(), null, 2)}\n`);
        } catch (err) {
          text(500, (err as Error).message);
        }
        return;
      default:
        return text(404, 'not found: /healthz/started, /healthz/live, /healthz/ready, /shutdown, /status, POST /resync');
    }
  }

  async close(): Promise<void> {
    this.#server.closeIdleConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
