// [tls]: TLS to the database nodes. Paths are relative to sslCertificatePath, else to the config
// file's folder. pxcScheduler's names are accepted too: sslCa, sslClient (certificate), sslKey.
import type * as z from 'zod';
import { flag, table, text } from './common.js';

const ALIASES = [
  ['ca', 'sslCa'],
  ['cert', 'sslClient'],
  ['key', 'sslKey'],
] as const;

export const tlsSection = table(
  {
    /** default: true when ca, cert or key is set */
    enabled: flag().optional(),
    ca: text('a file path').optional(),
    sslCa: text('a file path').optional(),
    cert: text('a file path').optional(),
    sslClient: text('a file path').optional(),
    key: text('a file path').optional(),
    sslKey: text('a file path').optional(),
    /** folder for relative ca / cert / key paths (pxcScheduler's sslCertificatePath) */
    sslCertificatePath: text('a folder path').optional(),
    /** name to check the server certificate against, when it differs from the node's host */
    serverName: text('a host name').optional(),
    /** check the server certificate chain against ca (or the system CAs); default true */
    verifyCertificate: flag().optional(),
    /** check that the certificate names the server (host or serverName); default: verifyCertificate */
    verifyIdentity: flag().optional(),
  },
  'a [tls] table',
)
  .superRefine((t, ctx) => {
    for (const [name, alias] of ALIASES) {
      if (t[name] !== undefined && t[alias] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [alias], message: `${alias} is another name for ${name}: set only one of them` });
      }
    }
    const cert = t.cert ?? t.sslClient;
    const key = t.key ?? t.sslKey;
    if (cert !== undefined && key === undefined) ctx.addIssue({ code: 'custom', path: [t.cert ? 'cert' : 'sslClient'], message: 'a client certificate needs its private key: set tls.key too' });
    if (key !== undefined && cert === undefined) ctx.addIssue({ code: 'custom', path: [t.key ? 'key' : 'sslKey'], message: 'a private key needs its client certificate: set tls.cert too' });
    if (t.verifyCertificate === false && t.verifyIdentity === true) {
      ctx.addIssue({ code: 'custom', path: ['verifyIdentity'], message: 'cannot check the server identity without checking its certificate (verifyCertificate = false)' });
    }
  })
  .transform((t) => {
    const ca = t.ca ?? t.sslCa;
    const cert = t.cert ?? t.sslClient;
    const key = t.key ?? t.sslKey;
    const verifyCertificate = t.verifyCertificate ?? true;
    return {
      enabled: t.enabled ?? (ca !== undefined || cert !== undefined),
      ca,
      cert,
      key,
      certificatePath: t.sslCertificatePath,
      serverName: t.serverName,
      verifyCertificate,
      verifyIdentity: t.verifyIdentity ?? verifyCertificate,
    };
  });

export type TlsSection = z.output<typeof tlsSection>;

