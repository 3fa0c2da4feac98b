// A fake Orchestrator raft group for tests: one HTTP server per member on loopback, answering the endpoints
// galera-warden reads the way Orchestrator 3.x documents them. /api/leader-check is 200 "OK" on the leader and
// 404 "Not leader" elsewhere; raft-* endpoints answer locally; followers forward every other call to the leader
// and answer 502 with an empty body when the leader does not answer. Errors are 500 {"Code":"ERROR",...};
// a basic auth failure is 401 plain text. Members can be made to hang, be stopped (refused port), or serve a
// malformed body for a path.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FakeTopology } from './fake-topology.js';

export interface FakeOrchestratorOptions {
  members?: number;
  /** basic auth; absent: none */
  auth?: { user: string; password: string };
  /** how long a follower waits for a leader that does not answer before its 502 (Orchestrator: ~5 s) */
  forwardTimeoutMs?: number;
  /** first port tried for member i is basePort + i (0: any free port) */
  basePort?: number;
  now?: () => number;
}

interface Member {
  server: http.Server;
  port: number;
  url: string;
  /** raft address, as /api/raft-leader reports it */
  raftAddress: string;
  hang: boolean;
  /** path regex -> raw body served with 200 instead of the real answer */
  malformed: { path: RegExp; body: string } | null;
  running: boolean;
  sockets: Set<Socket>;
}

const json = (res: http.ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
};
const notFound = (res: http.ServerResponse): void => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('404 page not found');
};
const apiError = (res: http.ServerResponse, message: string): void => json(res, 500, { Code: 'ERROR', Message: message, Details: null });

export class FakeOrchestrator {
  readonly topology: FakeTopology;
  /** index of the leader member; null: no quorum, no leader */
  leader: number | null = 0;
  /** every request seen: member index and path */
  readonly requests: { member: number; path: string }[] = [];
  private readonly members: Member[] = [];

  private constructor(private readonly o: FakeOrchestratorOptions) {
    this.topology = new FakeTopology(o.now);
  }

  static async start(o: FakeOrchestratorOptions = {}): Promise<FakeOrchestrator> {
    const f = new FakeOrchestrator(o);
    for (let i = 0; i < (o.members ?? 3); i++) await f.addMember(i);
    return f;
  }

  get urls(): string[] {
    return this.members.map((m) => m.url);
  }

  private async addMember(index: number): Promise<void> {
    const sockets = new Set<Socket>();
    const server = http.createServer((req, res) => {
      void this.handle(index, req, res);
    });
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.basePort ? this.o.basePort + index : 0, '127.0.0.1', () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    this.members.push({ server, port, url: `http://127.0.0.1:${port}`, raftAddress: `127.0.0.1:${10_000 + index}`, hang: false, malformed: null, running: true, sockets });
  }

  /** a member that accepts connections and never answers (a frozen process) */
  setHang(member: number, on: boolean): void {
    this.members[member]!.hang = on;
  }

  setMalformed(member: number, path: RegExp | null, body = '{"Key":'): void {
    this.members[member]!.malformed = path === null ? null : { path, body };
  }

  /** close a member's port (connections refused) */
  async stopMember(member: number): Promise<void> {
    const m = this.members[member]!;
    if (!m.running) return;
    m.running = false;
    for (const s of m.sockets) s.destroy();
    await new Promise<void>((resolve) => m.server.close(() => resolve()));
  }

  async startMember(member: number): Promise<void> {
    const m = this.members[member]!;
    if (m.running) return;
    await new Promise<void>((resolve, reject) => {
      m.server.once('error', reject);
      m.server.listen(m.port, '127.0.0.1', () => resolve());
    });
    m.running = true;
  }

  private authorised(req: http.IncomingMessage): boolean {
    const a = this.o.auth;
    if (!a) return true;
    const expected = `Basic ${Buffer.from(`${a.user}:${a.password}`).toString('base64')}`;
    return req.headers.authorization === expected;
  }

  private async handle(index: number, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const m = this.members[index]!;
    const path = (req.url ?? '/').split('?')[0]!;
    this.requests.push({ member: index, path });
    if (m.hang) return; // never answers; the socket is destroyed on close()
    if (!this.authorised(req)) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Basic realm="Authorization Required"' });
      res.end('401 Unauthorized\n');
      return;
    }
    if (m.malformed?.path.test(path)) {
      res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(m.malformed.body);
      return;
    }
    const leaderCheck = /^\/api\/leader-check(?:\/(\d+))?$/.exec(path);
    if (leaderCheck) {
      if (this.leader === index) json(res, 200, 'OK');
      else json(res, leaderCheck[1] !== undefined ? Number(leaderCheck[1]) : 404, 'Not leader');
      return;
    }
    if (path === '/api/raft-leader') return json(res, 200, this.leader === null ? '' : this.members[this.leader]!.raftAddress);
    if (path === '/api/raft-state') return json(res, 200, this.leader === null ? 'Candidate' : this.leader === index ? 'Leader' : 'Follower');
    if (path === '/api/raft-health') return this.leader === null ? apiError(res, 'unhealthy') : json(res, 200, { Code: 'OK', Message: 'healthy', Details: null });
    if (this.leader !== index) {
      // a follower forwards to the leader: an unanswering or missing leader gives 502 with an empty body
      const leader = this.leader === null ? undefined : this.members[this.leader];
      if (!leader || leader.hang || !leader.running) {
        await new Promise((r) => setTimeout(r, this.o.forwardTimeoutMs ?? 200));
        res.writeHead(502, { 'content-length': 0 });
        res.end();
        return;
      }
      if (leader.malformed?.path.test(path)) {
        res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
        res.end(leader.malformed.body);
        return;
      }
    }
    this.answer(path, res);
  }

  /** the leader's answers */
  private answer(path: string, res: http.ServerResponse): void {
    const t = this.topology;
    const parts = path.split('/').slice(1).map((p) => decodeURIComponent(p));
    if (parts[0] !== 'api') return notFound(res);
    const [, what, a, b] = parts;
    const cluster = (hint: string | undefined): string | null => (hint === undefined ? null : t.resolveCluster(hint));
    if (what === 'instance' && a !== undefined && b !== undefined) {
      const i = t.get(a, Number(b));
      return i ? json(res, 200, t.render(i)) : apiError(res, `Cannot read instance: ${a}:${b}`);
    }
    if (what === 'cluster' || what === 'master') {
      const hint = a === 'alias' ? b : a;
      const name = cluster(hint);
      if (name === null) return apiError(res, `Unable to determine cluster name. clusterHint=${hint}`);
      const members = t.members(name);
      if (what === 'cluster') return json(res, 200, members.map((i) => t.render(i)));
      const master = members.find((i) => i.master === null);
      return master ? json(res, 200, t.render(master)) : apiError(res, `No masters found for ${name}`);
    }
    if (what === 'downtimed') {
      const name = a === undefined ? null : cluster(a);
      if (a !== undefined && name === null) return apiError(res, `Unable to determine cluster name. clusterHint=${a}`);
      const list = [...t.instances.values()].filter((i) => t.isDowntimed(i) && (name === null || t.clusterOf(i) === name));
      return json(res, 200, list.map((i) => t.render(i)));
    }
    notFound(res);
  }

  async close(): Promise<void> {
    for (const m of this.members) {
      for (const s of m.sockets) s.destroy();
      if (m.running) await new Promise<void>((resolve) => m.server.close(() => resolve()));
      m.running = false;
    }
  }
}
