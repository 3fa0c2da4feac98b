// The proxy's health port (Switchboard's): `/` (any path) answers 200 while the process serves, so a load
// balancer in front of several proxies can use an HTTP or a plain TCP check. `/ready` (alias `/health/ready`)
// answers 200 only while this instance routes a writer and its loop ticks, else 503 with the reason.
// `/writer/<node>` answers 200 only for the node this instance routes writes to (503 with the reason
// otherwise), so an HAProxy that galera-warden does not drive can follow the sticky writer with
// `option httpchk GET /writer/<node>` instead of its own server order.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readiness } from './readiness.js';

/** the readiness paths; every other path is the liveness check */
export const READY_PATHS: readonly string[] = ['/ready', '/health/ready'];

/** the writer check: 200 only for a node this instance routes writes to */
export const WRITER_PREFIX = '/writer/';

export function writerCheck(r: Readiness, node: string): { status: number; body: Record<string, unknown> } {
  // a router that failed to apply the decided writer does not turn the check off for the others: the check
  // follows the decision (a HAProxy whose runtime commands failed is still held to it by this check)
  if (!r.ready && r.decided?.includes(node)) return { status: 200, body: { status: 'writer', node } };
  if (!r.ready) return { status: 503, body: { status: 'not writer', node, reason: r.reason, detail: r.detail } };
  if (r.writers.includes(node)) return { status: 200, body: { status: 'writer', node } };
  return { status: 503, body: { status: 'not writer', node, reason: 'not the writer', detail: `writes go to ${r.writers.join(', ')}` } };
}

export class HealthPort {
  private readonly server: http.Server;
  private draining = false;

  /** `ready` is asked on every /ready request; `draining` tells it whether drain() was called */
  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ready: (draining: boolean) => Readiness = (d) => (d ? { ready: false, reason: 'draining', detail: 'shutting down' } : { ready: true, writers: [] }),
  ) {
    this.server = http.createServer((req, res) => {
      const pathname = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '') || '/';
      let status = 200;
      let body: Record<string, unknown> = { status: 'serving' };
      if (READY_PATHS.includes(pathname)) {
        const r = this.ready(this.draining);
        status = r.ready ? 200 : 503;
        body = r.ready ? { status: 'ready', writers: r.writers } : { status: r.reason === 'draining' ? 'draining' : 'not ready', reason: r.reason, detail: r.detail };
      } else if (pathname.startsWith(WRITER_PREFIX) && pathname.length > WRITER_PREFIX.length) {
        let node = pathname.slice(WRITER_PREFIX.length);
        try {
          node = decodeURIComponent(node);
        } catch {
          // not percent-encoded: take it as it is
        }
        ({ status, body } = writerCheck(this.ready(this.draining), node));
      }
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', connection: 'close' });
      res.end(req.method === 'HEAD' ? undefined : text);
    });
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  /** From now on `/ready` answers 503 (draining); the plain health check stays 200 until close(). */
  drain(): void {
    this.draining = true;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
