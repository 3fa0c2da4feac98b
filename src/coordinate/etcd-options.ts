// The etcd store's options and their check, apart from the store itself: the check runs when the config is read,
// and etcd3 (grpc, protobufjs: ~30 MB of RSS) is loaded only by a process whose config names store "etcd".
import { DEFAULT_ETCD_PREFIX } from './etcd-record.js';

export interface EtcdWriterStoreOptions {
  cluster: string;
  /** client URLs, http://host:port or https://host:port */
  endpoints: readonly string[];
  /** this instance: its presence key's name */
  instanceId: string;
  /** the presence lease's TTL, rounded up to whole seconds (etcd's unit) */
  leaseMs: number;
  /** hard timeout of one read or compare-and-set, lease grant included */
  timeoutMs: number;
  /** default /galera-warden */
  prefix?: string;
  /** PEM texts: the CA that signed etcd's certificate; a client certificate and key for mutual TLS */
  tls?: { ca?: string; cert?: string; key?: string };
  auth?: { username: string; password: string };
}

/** Checks the options an operator can get wrong; the message names what is wrong. */
export function checkEtcdOptions(o: EtcdWriterStoreOptions): void {
  if (o.endpoints.length === 0) throw new Error('coordination.endpoints: no etcd endpoint configured');
  for (const e of o.endpoints) {
    let u: URL;
    try {
      u = new URL(e);
    } catch {
      throw new Error(`coordination.endpoints: "${e}" is not a URL (expected http://host:port or https://host:port)`);
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.port === '' || (u.pathname !== '/' && u.pathname !== '')) {
      throw new Error(`coordination.endpoints: "${e}" is not http://host:port or https://host:port`);
    }
  }
  const prefix = o.prefix ?? DEFAULT_ETCD_PREFIX;
  if (!prefix.startsWith('/')) throw new Error(`coordination.prefix: "${prefix}" must start with "/"`);
  if (o.instanceId.includes('/') || o.instanceId === '') throw new Error(`coordination.instanceId: "${o.instanceId}" must be non-empty and contain no "/"`);
  if (o.cluster.includes('/')) throw new Error(`cluster.name: "${o.cluster}" contains "/", which the etcd key layout does not allow`);
}
