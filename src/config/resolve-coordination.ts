// [coordination] after validation: the etcd TLS files read (PEM, paths made absolute against the config file's
// folder) and the etcd password resolved from its source, both as Secrets; the raw password keys removed.
import path from 'node:path';
import type { ConfigIo } from './resolve-secrets.js';
import { describeFsError, resolveCredentials } from './resolve-secrets.js';
import type { Secret } from './secret.js';
import { Secret as SecretValue } from './secret.js';
import type { CoordinationSection } from './sections/coordination.js';
import type { TlsPem } from './warden-config.js';

export type ResolvedCoordination = Omit<CoordinationSection, 'password' | 'passwordEnv' | 'passwordFile'> & {
  /** the etcd user's password (store "etcd" with username) */
  etcdPassword?: Secret<string>;
  /** the PEM texts of caFile, certFile, keyFile (store "etcd") */
  etcdTls?: Secret<Readonly<TlsPem>>;
};

export async function resolveCoordination(c: CoordinationSection, baseDir: string, io: ConfigIo, problems: string[]): Promise<ResolvedCoordination> {
  const { password, passwordEnv, passwordFile, ...rest } = c;
  const out: ResolvedCoordination = { ...rest };
  const files = { ca: c.caFile, cert: c.certFile, key: c.keyFile } as const;
  const pem: TlsPem = {};
  for (const k of ['ca', 'cert', 'key'] as const) {
    const given = files[k];
    if (given === undefined) continue;
    const file = path.resolve(baseDir, given);
    out[`${k}File`] = file;
    try {
      const content = await io.readFile(file);
      if (!content.includes('-----BEGIN')) problems.push(`coordination.${k}File: ${file} is not a PEM file (no "-----BEGIN" line)`);
      else pem[k] = content;
    } catch (err) {
      problems.push(`coordination.${k}File: cannot read ${file}: ${describeFsError(err)}`);
    }
  }
  if (Object.keys(pem).length > 0) out.etcdTls = new SecretValue(Object.freeze(pem));
  if (c.username !== undefined) {
    const creds = await resolveCredentials({ user: c.username, ...(password !== undefined && { password }), ...(passwordEnv !== undefined && { passwordEnv }), ...(passwordFile !== undefined && { passwordFile }) }, baseDir, io, problems, 'coordination');
    if (creds) out.etcdPassword = creds.password;
  }
  return out;
}
