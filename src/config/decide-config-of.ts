// The decision core's config from a loaded galera-warden config: [routing] over the defaults, plus [[nodes]].
import type { DecideConfig } from '../model/decide-config.js';
import { DEFAULT_DECIDE_CONFIG } from '../model/decide-config.js';
import type { WardenConfig } from './warden-config.js';

export function decideConfigOf(config: WardenConfig): DecideConfig {
  return {
    ...DEFAULT_DECIDE_CONFIG,
    ...config.routing,
    topology: config.cluster.topology,
    maxReplicationLagS: config.cluster.maxReplicationLagS ?? DEFAULT_DECIDE_CONFIG.maxReplicationLagS,
    nodes: config.nodes.map((n) => ({ ...n })),
  };
}
