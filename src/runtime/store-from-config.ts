// The coordination store a galera-warden config names ([coordination] store), for the daemon and for `status`.
import { GaleraWriterStore } from '../coordinate/galera-writer-store.js';
import type { WriterStore } from '../coordinate/writer-store.js';
import type { WardenConfig } from '../config/warden-config.js';
import { probeOptionsFromConfig } from '../observe/probe-options.js';

/** undefined for store "none"; "galera": the record table on the [[nodes]], through the probe account and [tls]. */
export function writerStoreOf(config: WardenConfig): WriterStore | undefined {
  const c = config.coordination;
  if (c.store === 'none') return undefined;
  const probe = probeOptionsFromConfig(config);
  return new GaleraWriterStore({
    cluster: config.cluster.name,
    nodes: config.nodes,
    session: { user: probe.user, password: probe.password.reveal(), connectTimeoutMs: Math.min(probe.connectTimeoutMs, c.timeoutMs), ...(probe.tls && { tls: probe.tls }) },
    timeoutMs: c.timeoutMs,
    schema: c.schema,
  });
}
