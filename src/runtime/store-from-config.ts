// The coordination store a galera-warden config names ([coordination] store), for the daemon and for `status`.
import os from 'node:os';
import { leaseMsOf } from '../config/sections/coordination.js';
import { DEFAULT_ETCD_PREFIX } from '../coordinate/etcd-record.js';
import { checkEtcdOptions } from '../coordinate/etcd-options.js';
import type { EtcdWriterStoreOptions } from '../coordinate/etcd-options.js';
import { GaleraWriterStore } from '../coordinate/galera-writer-store.js';
import type { WriterStore } from '../coordinate/writer-store.js';
import { LazyWriterStore } from '../coordinate/lazy-writer-store.js';
import type { WardenConfig } from '../config/warden-config.js';
import { probeOptionsFromConfig } from '../observe/probe-options.js';

/** this instance's name in the record (setBy) and in its etcd presence key */
export function instanceIdOf(config: WardenConfig): string {
  return config.coordination.instanceId ?? `${os.hostname()}:${process.pid}`;
}

/**
 * undefined for store "none"; "galera": the record table on the [[nodes]], through the probe account and [tls];
 * "etcd": the record key on the [coordination] endpoints, under a lease of this instance (etcd3 loaded on first use).
 */
export function writerStoreOf(config: WardenConfig): WriterStore | undefined {
  const c = config.coordination;
  if (c.store === 'none') return undefined;
  if (c.store === 'etcd') {
    const tls = c.etcdTls?.reveal();
    const options: EtcdWriterStoreOptions = {
      cluster: config.cluster.name,
      endpoints: c.endpoints ?? [],
      instanceId: instanceIdOf(config),
      leaseMs: leaseMsOf(c, config.run.intervalMs),
      timeoutMs: c.timeoutMs,
      prefix: c.prefix ?? DEFAULT_ETCD_PREFIX,
      ...(tls && { tls }),
      ...(c.username !== undefined && c.etcdPassword && { auth: { username: c.username, password: c.etcdPassword.reveal() } }),
    };
    // checked now (a config error stops the start); etcd3 itself loads on the store's first call
    checkEtcdOptions(options);
    return new LazyWriterStore('etcd', options.cluster, async () => new (await import('../coordinate/etcd-writer-store.js')).EtcdWriterStore(options));
  }
  const probe = probeOptionsFromConfig(config);
  return new GaleraWriterStore({
    cluster: config.cluster.name,
    nodes: config.nodes,
    session: { user: probe.user, password: probe.password.reveal(), connectTimeoutMs: Math.min(probe.connectTimeoutMs, c.timeoutMs), ...(probe.tls && { tls: probe.tls }) },
    timeoutMs: c.timeoutMs,
    schema: c.schema,
  });
}
