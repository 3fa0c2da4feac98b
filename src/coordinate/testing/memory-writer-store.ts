// An in-memory writer store for tests: several instances may share one `MemoryRecordCell` (the "cluster"),
// and each store can be made to fail or hang, to exercise the fail-closed rules.
import type { CasResult, StoreFailure, StoreRead, WriterRecord, WriterRecordChange } from '../../model/writer-record.js';
import type { WriterStore } from '../writer-store.js';

/** The shared state: the record, and every record ever written (for tests asserting on history). */
export class MemoryRecordCell {
  record: WriterRecord | null = null;
  readonly history: WriterRecord[] = [];
}

export type MemoryFault = { kind: 'fail'; code?: StoreFailure['code'] } | { kind: 'hang' };

export class MemoryWriterStore implements WriterStore {
  readonly kind = 'memory';
  /** set to make every call fail or hang until cleared */
  fault: MemoryFault | null = null;
  /** calls so far (read, cas) */
  readonly calls: { op: 'read' | 'cas'; expected?: number }[] = [];
  /** runs before a compareAndSet compares: lets a test slip in another instance's write */
  beforeCas: (() => void) | undefined;

  constructor(readonly cluster: string, readonly cell: MemoryRecordCell = new MemoryRecordCell()) {}

  private failure(): Promise<{ ok: false; error: StoreFailure }> | undefined {
    const f = this.fault;
    if (!f) return undefined;
    if (f.kind === 'hang') return new Promise(() => undefined);
    return Promise.resolve({ ok: false, error: { code: f.code ?? 'COORD_STORE_UNAVAILABLE', message: `memory store (${this.cluster}): injected failure` } });
  }

  read(): Promise<StoreRead> {
    this.calls.push({ op: 'read' });
    const failed = this.failure();
    if (failed) return failed;
    return Promise.resolve({ ok: true, record: this.cell.record ? structuredClone(this.cell.record) : null });
  }

  compareAndSet(expectedEpoch: number, change: WriterRecordChange): Promise<CasResult> {
    this.calls.push({ op: 'cas', expected: expectedEpoch });
    const failed = this.failure();
    if (failed) return failed;
    this.beforeCas?.();
    const cur = this.cell.record;
    if ((cur?.epoch ?? 0) !== expectedEpoch) return Promise.resolve({ ok: false, current: cur ? structuredClone(cur) : null });
    const record: WriterRecord = { ...structuredClone(change), maintenance: [...change.maintenance].sort(), cluster: this.cluster, epoch: expectedEpoch + 1 };
    this.cell.record = record;
    this.cell.history.push(structuredClone(record));
    return Promise.resolve({ ok: true, record: structuredClone(record) });
  }

  /** A test's shortcut: another instance writes `change` now (whatever the epoch). */
  writeAsOther(change: Partial<WriterRecordChange>): WriterRecord {
    const cur = this.cell.record;
    const record: WriterRecord = {
      cluster: this.cluster, epoch: (cur?.epoch ?? 0) + 1, writers: [], setBy: 'other', setAt: 0, maintenance: [], trafficEnabled: true, message: '',
      ...(cur ? { writers: cur.writers, maintenance: cur.maintenance, trafficEnabled: cur.trafficEnabled, message: cur.message } : {}),
      ...change,
    };
    this.cell.record = record;
    this.cell.history.push(structuredClone(record));
    return record;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
  destroy(): void {}
}
