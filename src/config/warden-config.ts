// The configuration as the rest of the program sees it: validated, defaults filled in, paths made
// absolute, secrets resolved into Secret holders, and deeply frozen.
import type { NodeSpec } from '../model/node.js';
import type { Secret } from './secret.js';
import type { ClusterSection } from './sections/cluster.js';
import type { HealthcheckSection } from './sections/healthcheck.js';
import type { ProbeSection } from './sections/probe.js';
import type { ApiSection } from './sections/api.js';
import type { ProxySection } from './sections/proxy.js';
import type { ProxysqlSection } from './sections/proxysql.js';
import type { HaproxySection } from './sections/haproxy.js';
import type { FencingSection } from './sections/fencing.js';
import type { RoutingSection } from './sections/routing.js';
import type { RunSection } from './sections/run.js';
import type { ResolvedCoordination } from './resolve-coordination.js';
import type { OrchestratorSection } from './sections/orchestrator.js';

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
  /** the decision policy, mapped onto DecideConfig */
  readonly routing: Readonly<RoutingSection>;
  /** the loop; stateFile made absolute */
  readonly run: Readonly<RunSection>;
  readonly proxy: Readonly<ProxySection>;
  /** the API; its password resolved into a Secret, the raw keys removed */
  readonly api: Readonly<Omit<ApiSection, 'password' | 'passwordEnv' | 'passwordFile'> & { password?: Secret<string> }>;
  /** ProxySQL as a router; its admin password resolved into a Secret, the raw keys removed */
  readonly proxysql: Readonly<Omit<ProxysqlSection, 'password' | 'passwordEnv' | 'passwordFile'> & { password?: Secret<string> }>;
  /** Galera-native fencing of a dead or frozen member (off by default) */
  readonly fencing: Readonly<FencingSection>;
  /** HAProxy driven through its runtime API; absent when the file has no [haproxy] table */
  readonly haproxy?: Readonly<HaproxySection>;
  /** the shared writer record (store "none" by default); etcd TLS files read and the etcd password resolved into Secrets */
  readonly coordination: Readonly<ResolvedCoordination>;
  /** Orchestrator as an external authority; absent when the file has no [orchestrator] table */
  readonly orchestrator?: ResolvedOrchestrator;
}

/** [orchestrator] with its password and TLS files read; the raw password keys removed. */
export interface ResolvedOrchestrator {
  readonly urls: readonly string[];
  readonly clusterHint: string;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly graceMs: number;
  readonly auth?: { readonly user: string; readonly password: Secret<string> };
  readonly tls: { readonly ca?: string; readonly cert?: string; readonly key?: Secret<string>; readonly serverName?: string; readonly verifyCertificate: boolean };
}
export type { OrchestratorSection };
