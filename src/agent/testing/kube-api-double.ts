// A Kubernetes API server double on loopback, faithful (for the endpoints the agent uses) to the documented
// API: pods list + watch (core/v1) and leases get/create/replace (coordination.k8s.io/v1).
// - one resourceVersion counter for every object (opaque strings to clients, integers here);
// - list answers metadata.resourceVersion; watch from a resourceVersion replays later events, then streams
//   newline-delimited {"type","object"} JSON; a resourceVersion older than the compaction point answers an
//   ERROR event carrying a Status with code 410 (reason Expired), as the API server does, or HTTP 410;
// - watches end after timeoutSeconds (the client must re-watch from its last resourceVersion);
// - PUT with a stale metadata.resourceVersion -> 409 Conflict; POST of an existing name -> 409 AlreadyExists;
//   GET of a missing object -> 404 NotFound; every error is a v1 Status object;
// - Lease MicroTime fields must be RFC 3339 with exactly six fractional digits (what the API server parses);
// - optional bearer token: 401 without it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PodSpecDouble {
  name: string;
  ip?: string;
  ready?: boolean;
  labels?: Record<string, string>;
}

type Obj = Record<string, unknown> & { metadata: Record<string, unknown> & { name: string; namespace: string; resourceVersion: string } };
interface Event { rv: number; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj }

const MICRO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;

function status(code: number, reason: string, message: string): Record<string, unknown> {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** Label selector matching: `a=b`, `a==b`, `a!=b`, `a`, `!a`, comma-separated (all must hold). */
export function matchesSelector(labels: Record<string, string>, selector: string | null): boolean {
  if (!selector) return true;
  return selector.split(',').map((t) => t.trim()).filter(Boolean).every((t) => {
    let m = /^([^!=]+)!=(.*)$/.exec(t);
    if (m) return labels[m[1]!.trim()] !== m[2]!.trim();
    m = /^([^!=]+)==?(.*)$/.exec(t);
    if (m) return labels[m[1]!.trim()] === m[2]!.trim();
    if (t.startsWith('!')) return !(t.slice(1) in labels);
    return t in labels;
  });
}

export class KubeApiDouble {
  readonly #server: http.Server;
  #rv = 100;
  /** events at or below this resourceVersion are compacted away */
  #compactedAt = 0;
  readonly #pods = new Map<string, Obj>();
  readonly #leases = new Map<string, Obj>();
  readonly #events: Event[] = [];
  readonly #watches = new Set<{ ns: string; selector: string | null; res: http.ServerResponse }>();
  /** every request, "METHOD path?query", for assertions */
  readonly requests: string[] = [];
  /** answer an expired watch with HTTP 410 instead of an ERROR event */
  expiredAsHttp410 = false;
  /** hold every request unanswered (an API server that hangs) */
  hang = false;
  token: string | undefined;

  private constructor(server: http.Server) {
    this.#server = server;
  }

  static async start(o: { host?: string; port?: number; token?: string } = {}): Promise<KubeApiDouble> {
    const server = http.createServer();
    const self = new KubeApiDouble(server);
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => self.#handle(req, res));
    self.token = o.token;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
    });
    return self;
  }

  get url(): string {
    const a = this.#server.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  get resourceVersion(): string {
    return String(this.#rv);
  }

  get openWatches(): number {
    return this.#watches.size;
  }

  // ---- pods, as a test (the kubelet, the scheduler) changes them ----

  setPod(ns: string, p: PodSpecDouble): void {
    const old = this.#pods.get(`${ns}/${p.name}`);
    const rv = ++this.#rv;
    const pod: Obj = {
      kind: 'Pod', apiVersion: 'v1',
      metadata: { name: p.name, namespace: ns, uid: `uid-${ns}-${p.name}`, resourceVersion: String(rv), labels: { ...(p.labels ?? {}) }, creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
      spec: { containers: [{ name: 'proxysql', image: 'proxysql/proxysql:2.7.1' }] },
      status: {
        phase: p.ip ? 'Running' : 'Pending',
        ...(p.ip && { podIP: p.ip, podIPs: [{ ip: p.ip }] }),
        conditions: [{ type: 'Ready', status: p.ready ? 'True' : 'False' }, { type: 'ContainersReady', status: p.ready ? 'True' : 'False' }],
      },
    };
    this.#pods.set(`${ns}/${p.name}`, pod);
    this.#emit({ rv, type: old ? 'MODIFIED' : 'ADDED', object: pod });
  }

  /** Graceful deletion begins: deletionTimestamp set (MODIFIED), the pod still listed. */
  markDeleting(ns: string, name: string): void {
    const pod = this.#pods.get(`${ns}/${name}`);
    if (!pod) throw new Error(`no pod ${ns}/${name}`);
    const rv = ++this.#rv;
    const next: Obj = { ...pod, metadata: { ...pod.metadata, resourceVersion: String(rv), deletionTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), deletionGracePeriodSeconds: 30 } };
    this.#pods.set(`${ns}/${name}`, next);
    this.#emit({ rv, type: 'MODIFIED', object: next });
  }

  deletePod(ns: string, name: string): void {
    const pod = this.#pods.get(`${ns}/${name}`);
    if (!pod) return;
    this.#pods.delete(`${ns}/${name}`);
    const rv = ++this.#rv;
    this.#emit({ rv, type: 'DELETED', object: { ...pod, metadata: { ...pod.metadata, resourceVersion: String(rv) } } });
  }

  /** Forgets every event so far (etcd compaction): a watch from an older resourceVersion gets 410. */
  compact(): void {
    this.#compactedAt = this.#rv;
    this.#events.length = 0;
  }

  /** Ends every open watch stream (an API server restart or its watch timeout). */
  endWatches(): void {
    for (const w of this.#watches) w.res.end();
    this.#watches.clear();
  }

  lease(ns: string, name: string): Obj | undefined {
    return this.#leases.get(`${ns}/${name}`);
  }

  async close(): Promise<void> {
    this.endWatches();
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }

  // ---- the wire ----

  #emit(e: Event): void {
    this.#events.push(e);
    for (const w of this.#watches) {
      if (w.ns === e.object.metadata.namespace && matchesSelector(e.object.metadata.labels as Record<string, string>, w.selector)) {
        w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
      }
    }
  }

  #send(res: http.ServerResponse, code: number, body: unknown): void {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  #handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(`${req.method} ${req.url}`);
    if (this.hang) return;
    if (this.token !== undefined && req.headers.authorization !== `Bearer ${this.token}`) {
      this.#send(res, 401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const url = new URL(req.url ?? '/', 'http://x');
    let m = /^\/api\/v1\/namespaces\/([^/]+)\/pods$/.exec(url.pathname);
    if (m && req.method === 'GET') {
      if (url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1') this.#watchPods(m[1]!, url, res);
      else this.#listPods(m[1]!, url, res);
      return;
    }
    m = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/([^/]+)\/leases(?:\/([^/]+))?$/.exec(url.pathname);
    if (m) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.#leaseCall(req.method ?? 'GET', m[1]!, m[2], Buffer.concat(chunks).toString('utf8'), res));
      return;
    }
    this.#send(res, 404, status(404, 'NotFound', `the server could not find the requested resource (${req.method} ${url.pathname})`));
  }

  #listPods(ns: string, url: URL, res: http.ServerResponse): void {
    const selector = url.searchParams.get('labelSelector');
    const items = [...this.#pods.values()].filter((p) => p.metadata.namespace === ns && matchesSelector(p.metadata.labels as Record<string, string>, selector));
    this.#send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.#rv) }, items });
  }

  #watchPods(ns: string, url: URL, res: http.ServerResponse): void {
    const selector = url.searchParams.get('labelSelector');
    const from = url.searchParams.get('resourceVersion');
    const n = from === null || from === '' || from === '0' ? undefined : Number(from);
    if (n !== undefined && (!Number.isSafeInteger(n) || n < this.#compactedAt)) {
      const body = status(410, 'Expired', `too old resource version: ${from} (${this.#compactedAt})`);
      if (this.expiredAsHttp410) {
        this.#send(res, 410, body);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ERROR', object: body })}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // the API server flushes the headers when the watch starts, before any event
    res.flushHeaders();
    const matches = (o: Obj) => o.metadata.namespace === ns && matchesSelector(o.metadata.labels as Record<string, string>, selector);
    if (n === undefined) {
      for (const p of this.#pods.values()) if (matches(p)) res.write(`${JSON.stringify({ type: 'ADDED', object: p })}\n`);
    } else {
      for (const e of this.#events) if (e.rv > n && matches(e.object)) res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
    }
    const w = { ns, selector, res };
    this.#watches.add(w);
    const seconds = Number(url.searchParams.get('timeoutSeconds') ?? '1800');
    const timer = setTimeout(() => { this.#watches.delete(w); res.end(); }, Math.max(1, seconds) * 1000);
    res.on('close', () => { clearTimeout(timer); this.#watches.delete(w); });
  }

  #leaseCall(method: string, ns: string, name: string | undefined, text: string, res: http.ServerResponse): void {
    const gr = 'leases.coordination.k8s.io';
    if (method === 'GET' && name) {
      const l = this.#leases.get(`${ns}/${name}`);
      if (l) this.#send(res, 200, l);
      else this.#send(res, 404, status(404, 'NotFound', `${gr} "${name}" not found`));
      return;
    }
    if (method !== 'POST' && method !== 'PUT') {
      this.#send(res, 405, status(405, 'MethodNotAllowed', `${method} is not supported here`));
      return;
    }
    let body: Obj;
    try {
      body = JSON.parse(text) as Obj;
    } catch {
      this.#send(res, 400, status(400, 'BadRequest', 'the body is not JSON'));
      return;
    }
    const spec = (body.spec ?? {}) as Record<string, unknown>;
    for (const f of ['acquireTime', 'renewTime']) {
      if (spec[f] !== undefined && spec[f] !== null && !(typeof spec[f] === 'string' && MICRO.test(spec[f]))) {
        this.#send(res, 400, status(400, 'BadRequest', `Lease in version "v1" cannot be handled as a Lease: parsing time ${JSON.stringify(spec[f])} as "2006-01-02T15:04:05.000000Z07:00": cannot parse`));
        return;
      }
    }
    const bodyName = body.metadata?.name;
    if (method === 'POST') {
      if (!bodyName) { this.#send(res, 422, status(422, 'Invalid', 'Lease.coordination.k8s.io "" is invalid: metadata.name: Required value')); return; }
      if (this.#leases.has(`${ns}/${bodyName}`)) { this.#send(res, 409, status(409, 'AlreadyExists', `${gr} "${bodyName}" already exists`)); return; }
      const created = this.#store(ns, bodyName, body);
      this.#send(res, 201, created);
      return;
    }
    const old = this.#leases.get(`${ns}/${name}`);
    if (!name || bodyName !== name) { this.#send(res, 400, status(400, 'BadRequest', `the name of the object (${String(bodyName)}) does not match the name on the URL (${name})`)); return; }
    if (!old) { this.#send(res, 404, status(404, 'NotFound', `${gr} "${name}" not found`)); return; }
    const want = body.metadata.resourceVersion;
    if (want !== undefined && want !== old.metadata.resourceVersion) {
      this.#send(res, 409, status(409, 'Conflict', `Operation cannot be fulfilled on ${gr} "${name}": the object has been modified; please apply your changes to the latest version and try again`));
      return;
    }
    this.#send(res, 200, this.#store(ns, name, body));
  }

  #store(ns: string, name: string, body: Obj): Obj {
    const rv = ++this.#rv;
    const o: Obj = { ...body, kind: 'Lease', apiVersion: 'coordination.k8s.io/v1', metadata: { ...body.metadata, name, namespace: ns, resourceVersion: String(rv) } };
    this.#leases.set(`${ns}/${name}`, o);
    return o;
  }
}

/** A kubeconfig (YAML text) pointing at the double, with its bearer token if it wants one. client-node refuses
 * plain http unless insecure-skip-tls-verify is set. */
export function kubeconfigFor(d: KubeApiDouble): string {
  return [
    'apiVersion: v1', 'kind: Config', 'current-context: double',
    'clusters:', '- name: double', '  cluster:', `    server: ${d.url}`, '    insecure-skip-tls-verify: true',
    'users:', '- name: agent', '  user:', `    token: ${d.token ?? 'none'}`,
    'contexts:', '- name: double', '  context:', '    cluster: double', '    user: agent', '    namespace: proxysql', '',
  ].join('\n');
}
