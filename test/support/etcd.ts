// A real etcd for integration tests: the chaos campaign's launcher (src/chaos/etcd-process.ts).
export type { EtcdProcess } from '../../src/chaos/etcd-process.js';
export { etcdBin, skipEtcd, startEtcd } from '../../src/chaos/etcd-process.js';
