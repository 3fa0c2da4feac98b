// The configuration as the rest of the program sees it: validated, defaults filled in, paths made
// absolute, secrets resolved into Secret holders, and deeply frozen.
import type { NodeSpec } from '../model/node.js';
import type { Secret } from './secret.js';
import type { ClusterSection } from './sections/cluster.js';
import type { HealthcheckSection } from './sections/healthcheck.js';
import type { ProbeSection } from './sections/probe.js';

export interface ResolvedCredentials {
  readonly user: string;
  readonly password: Secret<string>;
  /** where the password came from, for messages: "password", "env GW_PASSWORD", "file /etc/..." */
  readonly passwordSource: string;
}

export interface TlsPem {
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ResolvedTls {
  readonly enabled: boolean;
  /** absolute paths, as configured */
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
  readonly serverName?: string;
  readonly verifyCertificate: boolean;
  readonly verifyIdentity: boolean;
  /** the files' contents, read once at load time (the key is secret, so all of it is held as one) */
  readonly pem?: Secret<Readonly<TlsPem>>;
}

export interface WardenConfig {
  /** absolute path of the file this came from ("<flags>" when built from command-line flags) */
  readonly file: string;
  readonly cluster: Readonly<ClusterSection>;
  readonly credentials: ResolvedCredentials;
  readonly probe: Readonly<ProbeSection>;
  readonly tls: ResolvedTls;
  readonly nodes: readonly Readonly<NodeSpec>[];
  readonly healthcheck: Readonly<HealthcheckSection>;
}
