// The proxy's health port (Switchboard's): any path answers 200 while the process serves, so a load
// balancer in front of several proxies can use an HTTP or a plain TCP check. `/ready` turns 503 while
// the process drains before it stops.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export class HealthPort {
  private readonly server: http.Server;
  private draining = false;

  constructor(private readonly host: string, private readonly port: number) {
    this.server = http.createServer((req, res) => {
      const ready = req.url?.startsWith('/ready') ?? false;
      const ok = !ready || !this.draining;
      const body = JSON.stringify({ status: ok ? (ready ? 'ready' : 'serving') : 'draining' });
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' });
      res.end(req.method === 'HEAD' ? undefined : body);
    });
  }

  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, this.host, () => resolve());
    });
    return this.server.address() as AddressInfo;
  }

  /** From now on `/ready` answers 503; the plain health check stays 200 until close(). */
  drain(): void {
    this.draining = true;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
