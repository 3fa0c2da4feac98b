// The coordination store: where the writer record of a cluster lives, shared by every galera-warden instance
// that routes for it. Implementations: the Galera cluster itself (galera-writer-store.ts), an in-memory one for
// tests (testing/memory-writer-store.ts); an etcd one fits the same interface (the epoch compared in a
// transaction on the key's value, a lease per instance for its liveness).
//
// Contract for every implementation:
// - read() returns the newest committed record (a read after a won compareAndSet anywhere sees it), or null.
// - compareAndSet(expected, change) writes `change` with epoch expected + 1 only if the stored epoch is still
//   `expected` (0: only if there is no record). Of two instances racing from the same epoch exactly one wins; the
//   loser gets the record as it is now.
// - Nothing throws: failures are outcomes with a stable code. Every call ends by its hard timeout.
import type { CasResult, StoreRead, WriterRecordChange } from '../model/writer-record.js';

export type { CasResult, StoreFailure, StoreFailureCode, StoreRead, WriterRecord, WriterRecordChange } from '../model/writer-record.js';

export interface WriterStore {
  /** "galera", "memory", "etcd": for logs and status */
  readonly kind: string;
  /** the cluster whose record this store reads and writes */
  readonly cluster: string;
  read(): Promise<StoreRead>;
  compareAndSet(expectedEpoch: number, change: WriterRecordChange): Promise<CasResult>;
  /** graceful: finish what is in flight, close connections */
  close(): Promise<void>;
  /** abrupt: drop connections now; calls in flight fail */
  destroy(): void;
}
