// One GET against an Orchestrator node with a hard deadline over connect, headers and body, optional basic auth
// and TLS. Never throws: a failure is a result with a stable code and a message naming the URL.
import http from 'node:http';
import https from 'node:https';
import type { Secret } from '../../config/secret.js';
import type { OrchestratorProblemCode } from '../../model/orchestrator.js';

export interface OrchestratorTls {
  ca?: string;
  cert?: string;
  key?: Secret<string>;
  /** name the server certificate must carry; default: the URL's host */
  serverName?: string;
  /** check the certificate chain (and the identity) */
  verifyCertificate: boolean;
}

export interface HttpOptions {
  timeoutMs: number;
  auth?: { user: string; password: Secret<string> };
  tls?: OrchestratorTls;
  /** larger bodies are cut off as malformed (default 8 MiB) */
  maxBodyBytes?: number;
}

export type GetResult =
  | { ok: true; status: number; body: string; url: string }
  | { ok: false; code: OrchestratorProblemCode; message: string; url: string };

const TLS_CODES = /CERT|SELF_SIGNED|TLS|SSL|ERR_SSL|HOSTNAME|ALTNAME|SIGNATURE|EPROTO/;

/** GET base + path. `base` is an http(s) URL without a trailing slash. */
export function httpGet(base: string, path: string, o: HttpOptions): Promise<GetResult> {
  const url = `${base}${path}`;
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: GetResult): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(r);
    };
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      finish({ ok: false, code: 'ORCH_UNREACHABLE', message: `${url}: not a valid URL`, url });
      return;
    }
    const secure = target.protocol === 'https:';
    const headers: Record<string, string> = { accept: 'application/json', connection: 'close' };
    if (o.auth) headers.authorization = `Basic ${Buffer.from(`${o.auth.user}:${o.auth.password.reveal()}`).toString('base64')}`;
    const options: https.RequestOptions = { method: 'GET', headers, agent: false };
    if (secure && o.tls) {
      options.rejectUnauthorized = o.tls.verifyCertificate;
      if (o.tls.ca !== undefined) options.ca = o.tls.ca;
      if (o.tls.cert !== undefined) options.cert = o.tls.cert;
      if (o.tls.key !== undefined) options.key = o.tls.key.reveal();
      if (o.tls.serverName !== undefined) options.servername = o.tls.serverName;
    }
    const req = (secure ? https : http).request(target, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const limit = o.maxBodyBytes ?? 8 * 1024 * 1024;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > limit) {
          req.destroy();
          finish({ ok: false, code: 'ORCH_MALFORMED', message: `${url}: answer larger than ${limit} bytes`, url });
          return;
        }
        chunks.push(c);
      });
      res.on('end', () => finish({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), url }));
      res.on('error', (err) => finish({ ok: false, code: 'ORCH_UNREACHABLE', message: `${url}: ${err.message}`, url }));
    });
    const timer = setTimeout(() => {
      finish({ ok: false, code: 'ORCH_TIMEOUT', message: `${url}: no complete answer within ${o.timeoutMs} ms`, url });
      req.destroy();
    }, o.timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = TLS_CODES.test(err.code ?? '') ? 'ORCH_TLS' : 'ORCH_UNREACHABLE';
      finish({ ok: false, code, message: `${url}: ${err.code ? `${err.code} ` : ''}${err.message}`, url });
    });
    req.end();
  });
}
