// The HAProxy process runner lives with the chaos campaign, which drives real HAProxys too.
export { HAPROXY_BIN, haproxyMissing, startHaproxy } from '../../src/chaos/haproxy-process.js';
export type { HaproxyProcess } from '../../src/chaos/haproxy-process.js';
