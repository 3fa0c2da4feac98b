// Reason codes: stable, machine-readable names for why a node is or is not fit for traffic.
// Every code has a sentence built next to it where it is found; the code never changes meaning.

export const NODE_REASON = {
  PROBE_REFUSED: 'PROBE_REFUSED',
  PROBE_TIMEOUT: 'PROBE_TIMEOUT',
  PROBE_AUTH: 'PROBE_AUTH',
  PROBE_TLS: 'PROBE_TLS',
  PROBE_UNREACHABLE: 'PROBE_UNREACHABLE',
  PROBE_FAILED: 'PROBE_FAILED',
  WSREP_OFF: 'WSREP_OFF',
  NOT_PRIMARY: 'NOT_PRIMARY',
  NOT_READY: 'NOT_READY',
  NOT_CONNECTED: 'NOT_CONNECTED',
  NOT_SYNCED: 'NOT_SYNCED',
  DONOR: 'DONOR',
  DONOR_REJECTS: 'DONOR_REJECTS',
  DESYNCED: 'DESYNCED',
  REJECT_QUERIES: 'REJECT_QUERIES',
  MAINT_MODE: 'MAINT_MODE',
  READ_ONLY: 'READ_ONLY',
  TABLE_ACCESS: 'TABLE_ACCESS',
} as const;

export type NodeReasonCode = (typeof NODE_REASON)[keyof typeof NODE_REASON];

export interface Reason<C extends string = string> {
  code: C;
  /** one sentence a person understands, naming the node */
  message: string;
}
