// What `galera-warden status` shows of the shared writer record: the record as the store answers it now (writer,
// epoch, who set it and when, the traffic switch, the maintenance marks), or the store's failure code. Pure.
import type { StoreFailureCode, StoreRead, WriterRecord } from '../model/writer-record.js';

export interface CoordinationView {
  store: string;
  /** the record's key ([cluster].name) */
  cluster: string;
  reachable: boolean;
  /** null: the store answered and there is no record yet, or the store did not answer */
  record: WriterRecord | null;
  error: { code: StoreFailureCode; message: string } | null;
}

export function coordinationView(store: string, cluster: string, read: StoreRead): CoordinationView {
  if (!read.ok) return { store, cluster, reachable: false, record: null, error: { code: read.error.code, message: read.error.message } };
  return { store, cluster, reachable: true, record: read.record, error: null };
}

const iso = (ms: number | undefined): string => (ms !== undefined && ms > 0 ? new Date(ms).toISOString() : '?');

/** A few lines under the status table. */
export function renderCoordination(v: CoordinationView): string {
  const head = `coordination: ${v.store} store, record "${v.cluster}"`;
  if (v.error) return `${head}: UNREACHABLE (${v.error.code}): ${v.error.message}\n  every instance of this cluster routes no writer once its lease runs out, until the store answers\n`;
  const r = v.record;
  if (!r) return `${head}: reachable, no record yet (the first instance to decide writes it)\n`;
  const traffic = r.trafficEnabled
    ? 'on'
    : `OFF${r.trafficSetBy ? ` by ${r.trafficSetBy}` : ''}${r.trafficSetAt ? ` at ${iso(r.trafficSetAt)}` : ''}${r.message ? `: ${r.message}` : ''}`;
  return [
    `${head}: reachable`,
    `  writer: ${r.writers.join(', ') || 'none'} (epoch ${r.epoch}, set by ${r.setBy} at ${iso(r.setAt)})`,
    `  traffic: ${traffic}`,
    `  maintenance: ${r.maintenance.join(', ') || 'none'}`,
  ].join('\n') + '\n';
}
