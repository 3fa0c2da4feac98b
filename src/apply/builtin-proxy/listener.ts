// One proxy listener (the writer port or the reader port): accepts clients, picks a backend from its
// set, bridges them. With no backend, a client waits up to `waitForBackendMs` for one to appear (a
// fail-over looks like a slow connect, not an error), then is closed with a reason in the log.
import net from 'node:net';
import type { Socket } from 'node:net';
import type { Backend } from './backend-set.js';
import { BackendSet } from './backend-set.js';
import type { ServerFault } from './bridge.js';
import { Bridge } from './bridge.js';
import type { DataPathSignalKind } from '../../model/tick.js';

export interface ListenerOptions {
  role: 'writer' | 'reader';
  host: string;
  port: number;
  waitForBackendMs: number;
  connectTimeoutMs: number;
  log: (level: 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** after every backend of the pool refused, retry this often while the pool stays the same (default 200) */
  refusedRetryMs?: number;
  /** data-path signals: a backend refused, never greeted, or reset / closed a bridge from its side */
  onSignal?: (node: string, kind: DataPathSignalKind, detail: string) => void;
}

const REFUSED_RETRY_MS = 200;

interface Waiting {
  client: Socket;
  deadline: number;
  timer: NodeJS.Timeout;
}

export class ProxyListener {
  readonly backends = new BackendSet();
  private readonly server: net.Server;
  /** parked clients; one `close` listener per client (added when it first parks) clears the entry, however often it re-parks */
  private readonly waiting = new Map<Socket, Waiting>();
  /** clients that have parked at least once (their `close` listener is in place) */
  private readonly watched = new WeakSet<Socket>();
  /** connects in progress (no greeting yet), each with how to give it up and try the pool again */
  private readonly pending = new Map<Socket, { backend: Backend; abandon: () => void }>();
  private nextId = 1;
  private accepting = true;
  /** set while traffic is switched off: every new client is closed at once, with this reason in the log */
  refusing: string | undefined;
  rejected = 0;
  /** one per listener, not per bridge: a bridge's server fault as a data-path signal */
  private readonly serverFault: ServerFault | undefined;

  constructor(readonly options: ListenerOptions) {
    const signal = options.onSignal;
    this.serverFault = signal ? (b, kind, detail) => signal(b.backend, kind, detail) : undefined;
    this.server = net.createServer({ pauseOnConnect: true, noDelay: true }, (client) => this.accept(client));
  }

  async listen(): Promise<{ host: string; port: number }> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  get address(): net.AddressInfo | undefined {
    return (this.server.address() as net.AddressInfo | null) ?? undefined;
  }

  /**
   * Sets the pool; severs every bridge to the backends in `sever` (and to a backend whose address
   * changed); a backend that only left the pool keeps its bridges (drain). Lets waiting clients through, and
   * gives up the connects still waiting for the greeting of a backend that left the pool (abandonLeft).
   */
  setBackends(backends: Backend[], sever: readonly string[]): { severed: Record<string, number> } {
    const moved = this.backends.set(backends);
    const severed: Record<string, number> = {};
    for (const name of new Set([...sever, ...moved])) {
      const n = this.backends.sever(name);
      if (n > 0) severed[name] = n;
    }
    if (backends.length > 0) this.releaseWaiting();
    this.abandonLeft();
    return { severed };
  }

  /** Traffic off (a reason) or on (undefined): refuses new clients at once, and the ones waiting for a backend. */
  setRefusing(reason: string | undefined): void {
    if (reason === this.refusing) return;
    if ((reason === undefined) !== (this.refusing === undefined)) {
      this.options.log(reason === undefined ? 'info' : 'warn', reason === undefined ? `${this.options.role} port: traffic enabled, accepting clients again` : `${this.options.role} port: refusing every client: ${reason}`);
    }
    this.refusing = reason;
    if (reason === undefined) return;
    for (const w of [...this.waiting.values()]) {
      clearTimeout(w.timer);
      this.waiting.delete(w.client);
      this.rejected++;
      w.client.destroy();
    }
  }

  private accept(client: Socket): void {
    if (!this.accepting) {
      client.destroy();
      return;
    }
    if (this.refusing !== undefined) {
      this.rejected++;
      client.destroy();
      return;
    }
    client.on('error', () => client.destroy());
    if (this.backends.pool.length > 0) this.connect(client, new Set(), Date.now() + this.options.waitForBackendMs);
    else this.park(client, Date.now() + this.options.waitForBackendMs, 'no eligible');
  }

  /**
   * Holds a client until the pool changes (or, after a refusal, until a short retry), and at most
   * until `deadline`; then closes it with a reason in the log.
   */
  private park(client: Socket, deadline: number, why: 'no eligible' | 'every backend refused', retryMs?: number): void {
    const left = deadline - Date.now();
    if (left <= 0) {
      this.reject(client, why);
      return;
    }
    const w: Waiting = {
      client,
      deadline,
      timer: setTimeout(() => {
        this.waiting.delete(client);
        if (retryMs !== undefined && Date.now() < deadline && this.backends.pool.length > 0) this.connect(client, new Set(), deadline);
        else this.reject(client, why);
      }, retryMs === undefined ? left : Math.min(retryMs, left)),
    };
    this.unpark(client);
    this.waiting.set(client, w);
    if (!this.watched.has(client)) {
      this.watched.add(client);
      client.once('close', () => this.unpark(client));
    }
  }

  private unpark(client: Socket): void {
    const w = this.waiting.get(client);
    if (!w) return;
    clearTimeout(w.timer);
    this.waiting.delete(client);
  }

  private reject(client: Socket, why: string): void {
    if (client.destroyed) return;
    this.rejected++;
    const detail = why === 'no eligible' ? `no eligible ${this.options.role}` : why;
    this.options.log('warn', `${this.options.role} port: ${detail} for ${this.options.waitForBackendMs} ms, closing client`, {
      client: `${client.remoteAddress}:${client.remotePort}`,
    });
    client.destroy();
  }

  private releaseWaiting(): void {
    for (const w of [...this.waiting.values()]) {
      clearTimeout(w.timer);
      this.waiting.delete(w.client);
      if (!w.client.destroyed) this.connect(w.client, new Set(), w.deadline);
    }
  }

  /**
   * A connect still waiting for the greeting of a backend that left the pool is given up at once and the
   * client tries the new pool: a writer that was killed (its sockets not yet closed by the kernel) or frozen
   * must not hold a client for `connectTimeoutMs` after the routing moved away from it. Not a signal: the
   * warden moved the route, the backend did nothing.
   */
  private abandonLeft(): void {
    for (const p of [...this.pending.values()]) if (!this.inPool(p.backend)) p.abandon();
  }

  private inPool(backend: Backend): boolean {
    return this.backends.pool.some((b) => b.name === backend.name && b.host === backend.host && b.port === backend.port);
  }

  /**
   * Connects to a backend; if it fails or leaves the pool meanwhile, tries the next one not yet tried.
   * When every backend refused, the client waits (until `deadline`) for the pool to change: a killed
   * writer still in the pool for a few ms must look like a slow connect, not an error.
   */
  private connect(client: Socket, tried: Set<string>, deadline: number): void {
    if (client.destroyed) return;
    const pool = this.backends.pool.filter((b) => !tried.has(b.name));
    if (pool.length === 0) {
      if (this.backends.pool.length === 0) this.park(client, deadline, 'no eligible');
      else this.park(client, deadline, 'every backend refused', this.options.refusedRetryMs ?? REFUSED_RETRY_MS);
      return;
    }
    let backend = this.backends.pick()!;
    if (tried.has(backend.name)) backend = pool[0]!;
    tried.add(backend.name);
    const server = net.connect({ host: backend.host, port: backend.port, noDelay: true });
    server.setTimeout(this.options.connectTimeoutMs);
    let failed = false;
    this.pending.set(server, {
      backend,
      abandon: () => {
        if (failed) return;
        failed = true;
        this.pending.delete(server);
        server.destroy();
        tried.delete(backend.name);
        this.connect(client, tried, deadline);
      },
    });
    const fail = (why: string, kind: DataPathSignalKind) => {
      if (failed) return;
      failed = true;
      this.pending.delete(server);
      server.destroy();
      this.options.onSignal?.(backend.name, kind, why);
      if (client.destroyed) return;
      this.options.log('warn', `${this.options.role} port: ${backend.name} (${backend.host}:${backend.port}) ${why}`);
      this.connect(client, tried, deadline);
    };
    // MySQL servers speak first. Until the server's greeting arrives nothing has reached the client, so
    // a backend that accepts and then closes (a process being killed) or never greets (a frozen node)
    // is skipped like a refused one, and the client never sees it.
    server.on('timeout', () => fail(`did not greet within ${this.options.connectTimeoutMs} ms`, 'no-greeting'));
    server.on('error', (err: NodeJS.ErrnoException) => fail(`refused: ${err.message}`, err.code === 'ECONNREFUSED' ? 'refused' : 'connect-error'));
    server.on('close', () => fail('closed the connection before its greeting', 'no-greeting'));
    server.once('data', (greeting: Buffer) => {
      this.pending.delete(server);
      server.setTimeout(0);
      server.removeAllListeners('error');
      server.removeAllListeners('timeout');
      server.removeAllListeners('close');
      if (client.destroyed) {
        server.destroy();
        return;
      }
      // The routing may have changed while connecting: never bridge to a backend that left the pool.
      if (!this.inPool(backend)) {
        server.destroy();
        tried.delete(backend.name);
        this.connect(client, tried, deadline);
        return;
      }
      const bridge = new Bridge(this.nextId++, backend.name, client, server, greeting, this.bridgeClosed, this.serverFault);
      this.backends.add(bridge);
      client.resume();
    });
  }

  private readonly bridgeClosed = (b: Bridge): void => this.backends.remove(b);

  /** Stops accepting; waiting clients are closed; open bridges stay until drained or destroyed. */
  async close(): Promise<void> {
    this.accepting = false;
    for (const w of this.waiting.values()) {
      clearTimeout(w.timer);
      w.client.destroy();
    }
    this.waiting.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Abrupt: closes the port and severs every bridge. */
  async destroy(): Promise<void> {
    const closing = this.close();
    this.backends.severAll();
    await closing;
  }
}
