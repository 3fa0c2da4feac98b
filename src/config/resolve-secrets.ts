// Second stage of loading: read what the validated config points at (password source, TLS files).
// Problems are collected as "key.path: message" lines, like schema issues.
import path from 'node:path';
import { Secret } from './secret.js';
import type { CredentialsSection } from './sections/credentials.js';
import type { OrchestratorSection } from './sections/orchestrator.js';
import type { TlsSection } from './sections/tls.js';
import type { ResolvedCredentials, ResolvedOrchestrator, ResolvedTls, TlsPem } from './warden-config.js';

export interface ConfigIo {
  env: Readonly<Record<string, string | undefined>>;
  /** reads a whole file as UTF-8 */
  readFile(file: string): Promise<string>;
}

/** "no such file (ENOENT)" and friends, from a failed fs call. */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (ENOENT)';
    case 'EACCES':
    case 'EPERM':
      return `permission denied (${code})`;
    case 'EISDIR':
      return 'is a folder, not a file (EISDIR)';
    case 'ENOTDIR':
      return 'a part of the path is not a folder (ENOTDIR)';
    default:
      return code ? `cannot read it (${code})` : `cannot read it (${err instanceof Error ? err.message : String(err)})`;
  }
}

export async function resolveCredentials(
  c: CredentialsSection,
  baseDir: string,
  io: ConfigIo,
  problems: string[],
  section = 'credentials',
): Promise<ResolvedCredentials | undefined> {
  if (c.password !== undefined) return { user: c.user, password: new Secret(c.password), passwordSource: 'password' };
  if (c.passwordEnv !== undefined) {
    const value = io.env[c.passwordEnv];
    if (value === undefined) problems.push(`${section}.passwordEnv: environment variable ${c.passwordEnv} is not set`);
    else if (value === '') problems.push(`${section}.passwordEnv: environment variable ${c.passwordEnv} is empty`);
    else return { user: c.user, password: new Secret(value), passwordSource: `env ${c.passwordEnv}` };
    return undefined;
  }
  if (c.passwordFile !== undefined) {
    const file = path.resolve(baseDir, c.passwordFile);
    let content: string;
    try {
      content = await io.readFile(file);
    } catch (err) {
      problems.push(`${section}.passwordFile: cannot read ${file}: ${describeFsError(err)}`);
      return undefined;
    }
    // One trailing newline (or several, as editors add) is not part of the password.
    const value = content.replace(/[\r\n]+$/, '');
    if (value === '') {
      problems.push(`${section}.passwordFile: ${file} is empty`);
      return undefined;
    }
    return { user: c.user, password: new Secret(value), passwordSource: `file ${file}` };
  }
  return undefined; // the schema guarantees one source; nothing more to say
}

export async function resolveTls(t: TlsSection, baseDir: string, io: ConfigIo, problems: string[]): Promise<ResolvedTls> {
  const certDir = t.certificatePath === undefined ? baseDir : path.resolve(baseDir, t.certificatePath);
  const abs = (p: string | undefined) => (p === undefined ? undefined : path.resolve(certDir, p));
  const files = { ca: abs(t.ca), cert: abs(t.cert), key: abs(t.key) };
  const base = {
    enabled: t.enabled,
    ...(files.ca !== undefined && { ca: files.ca }),
    ...(files.cert !== undefined && { cert: files.cert }),
    ...(files.key !== undefined && { key: files.key }),
    ...(t.serverName !== undefined && { serverName: t.serverName }),
    verifyCertificate: t.verifyCertificate,
    verifyIdentity: t.verifyIdentity,
  };
  if (!t.enabled) return base;
  const pem: TlsPem = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    const file = files[k];
    if (file === undefined) continue;
    try {
      const content = await io.readFile(file);
      if (!content.includes('-----BEGIN')) problems.push(`tls.${k}: ${file} is not a PEM file (no "-----BEGIN" line)`);
      else pem[k] = content;
    } catch (err) {
      problems.push(`tls.${k}: cannot read ${file}: ${describeFsError(err)}`);
    }
  }
  return { ...base, pem: new Secret(Object.freeze(pem)) };
}

/** [orchestrator]: the basic auth password from its source, the TLS PEM files read (relative to the config file). */
export async function resolveOrchestrator(o: OrchestratorSection, baseDir: string, io: ConfigIo, problems: string[]): Promise<ResolvedOrchestrator> {
  const auth = o.user !== undefined ? await resolveCredentials({ ...o, user: o.user }, baseDir, io, problems, 'orchestrator') : undefined;
  const tls: { ca?: string; cert?: string; key?: Secret<string>; serverName?: string; verifyCertificate: boolean } = { verifyCertificate: o.verifyCertificate };
  if (o.serverName !== undefined) tls.serverName = o.serverName;
  for (const k of ['ca', 'cert', 'key'] as const) {
    const given = o[k];
    if (given === undefined) continue;
    const file = path.resolve(baseDir, given);
    try {
      const content = await io.readFile(file);
      if (!content.includes('-----BEGIN')) problems.push(`orchestrator.${k}: ${file} is not a PEM file (no "-----BEGIN" line)`);
      else if (k === 'key') tls.key = new Secret(content);
      else tls[k] = content;
    } catch (err) {
      problems.push(`orchestrator.${k}: cannot read ${file}: ${describeFsError(err)}`);
    }
  }
  return {
    urls: o.urls.map((u) => u.replace(/\/+$/, '')),
    clusterHint: o.clusterHint,
    intervalMs: o.intervalMs,
    timeoutMs: o.timeoutMs,
    graceMs: o.graceMs,
    ...(auth && { auth: { user: auth.user, password: auth.password } }),
    tls,
  };
}
