// The TCP relay lives with the chaos campaign, which cuts an instance off the same way.
export { startRelay } from '../../src/chaos/tcp-relay.js';
export type { TcpRelay } from '../../src/chaos/tcp-relay.js';
