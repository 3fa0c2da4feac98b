// What an etcd client error means for the writer store: a StoreFailure code. A write whose transaction went out
// and whose answer was lost (deadline, dropped connection) is COORD_WRITE_UNKNOWN: only the next read tells.
import {
  ClientClosedError, EtcdAuthenticationFailedError, EtcdLeaseInvalidError, EtcdPermissionDeniedError, EtcdRoleNotGrantedError, EtcdUserNotFoundError,
  GRPCCancelledError, GRPCDeadlineExceededError, GRPCUnauthenticatedError, GRPCUnavailableError,
} from 'etcd3';
import type { StoreFailureCode } from '../model/writer-record.js';
import { DeadlineExceeded } from '../observe/deadline.js';

/** A failure the store itself detected (a bad value, an expired lease): code and message as they are. */
export class EtcdStepFailure extends Error {
  constructor(readonly code: StoreFailureCode, message: string) {
    super(message);
    this.name = 'EtcdStepFailure';
  }
}

export interface ClassifiedEtcdError {
  code: StoreFailureCode;
  message: string;
  /** etcd does not know this instance's lease any more: grant a new one */
  leaseInvalid: boolean;
}

const firstLine = (err: unknown): string => String((err as Error | undefined)?.message ?? err).split('\n')[0] ?? '';
/** the channel never reached a server: nothing was sent */
const NEVER_CONNECTED = /No connection established|ECONNREFUSED|connect(ion)? refused|failed to connect|Name resolution failed|EHOSTUNREACH|ENOTFOUND/i;

export function classifyEtcdError(err: unknown, o: { sent: boolean; timeoutMs: number }): ClassifiedEtcdError {
  const out = (code: StoreFailureCode, message: string, leaseInvalid = false): ClassifiedEtcdError => ({ code, message, leaseInvalid });
  if (err instanceof EtcdStepFailure) return out(err.code, err.message);
  if (err instanceof DeadlineExceeded || err instanceof GRPCDeadlineExceededError) {
    return o.sent
      ? out('COORD_WRITE_UNKNOWN', `no answer to the transaction within the timeout of ${o.timeoutMs} ms; its outcome is unknown until the next read`)
      : out('COORD_TIMEOUT', `no answer within the timeout of ${o.timeoutMs} ms`);
  }
  if (err instanceof EtcdLeaseInvalidError) return out('COORD_STORE_UNAVAILABLE', `the lease of this instance expired (${firstLine(err)}); a new one is granted on the next call`, true);
  if (err instanceof EtcdPermissionDeniedError || err instanceof EtcdRoleNotGrantedError) {
    return out('COORD_ACCESS_DENIED', `etcd refused it: ${firstLine(err)} (the role needs readwrite on the prefix: docs/coordination.md)`);
  }
  if (err instanceof EtcdAuthenticationFailedError || err instanceof EtcdUserNotFoundError || err instanceof GRPCUnauthenticatedError) {
    return out('COORD_ACCESS_DENIED', `authentication failed: ${firstLine(err)} (coordination.username / password)`);
  }
  if (err instanceof GRPCUnavailableError || err instanceof GRPCCancelledError || err instanceof ClientClosedError || (err as { name?: string }).name === 'BrokenCircuitError') {
    if (o.sent && !NEVER_CONNECTED.test(firstLine(err))) {
      return out('COORD_WRITE_UNKNOWN', `the connection failed after the transaction was sent (${firstLine(err)}); its outcome is unknown until the next read`);
    }
    return out('COORD_STORE_UNAVAILABLE', `etcd is unreachable: ${firstLine(err)}`);
  }
  return out('COORD_STORE_ERROR', firstLine(err));
}
