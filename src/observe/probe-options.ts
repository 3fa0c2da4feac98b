// What a probe needs to log in: credentials, timeouts, TLS. Built once from the config (or from
// command-line flags) and shared by every probe, so mysql2 reuses one TLS context for all of them.
import { Secret } from '../config/secret.js';
import type { WardenConfig } from '../config/warden-config.js';

export interface ProbeTls {
  ca?: string;
  cert?: string;
  key?: Secret<string>;
  /** name the server certificate must carry; default: the node's host */
  serverName?: string;
  verifyCertificate: boolean;
  verifyIdentity: boolean;
}

export interface ProbeOptions {
  user: string;
  password: Secret<string>;
  /** TCP connect + handshake + login */
  connectTimeoutMs: number;
  /** hard deadline for the whole probe */
  timeoutMs: number;
  /** absent: no TLS */
  tls?: ProbeTls;
  /** keep one live connection per node between probes (NodeProber / ClusterProber only) */
  reuseConnection?: boolean;
  /** read the account's SHOW GRANTS on fresh sessions (fencing is on: can it work?) */
  checkGrants?: boolean;
  /** also read read_only and SHOW SLAVE STATUS ([cluster] topology = "replication"); needs REPLICATION CLIENT / SLAVE MONITOR */
  replication?: boolean;
}

export function probeOptionsFromConfig(config: WardenConfig): ProbeOptions {
  const options: ProbeOptions = {
    user: config.credentials.user,
    password: config.credentials.password,
    connectTimeoutMs: config.probe.connectTimeoutMs,
    timeoutMs: config.probe.timeoutMs,
    reuseConnection: config.probe.reuseConnection,
    ...(config.fencing.mode !== 'off' && { checkGrants: true }),
    ...(config.cluster.topology === 'replication' && { replication: true }),
  };
  const t = config.tls;
  if (t.enabled) {
    const pem = t.pem?.reveal() ?? {};
    const tls: ProbeTls = { verifyCertificate: t.verifyCertificate, verifyIdentity: t.verifyIdentity };
    if (pem.ca !== undefined) tls.ca = pem.ca;
    if (pem.cert !== undefined) tls.cert = pem.cert;
    if (pem.key !== undefined) tls.key = new Secret(pem.key);
    if (t.serverName !== undefined) tls.serverName = t.serverName;
    options.tls = tls;
  }
  return options;
}
