// The writer record as the etcd store keeps it: one JSON value per cluster under `<prefix>/<cluster>/writer`,
// and one presence key per live instance under `<prefix>/<cluster>/instances/<instanceId>`, attached to that
// instance's lease. Pure: encoding, and decoding that validates every field and says which one is wrong.
import type { WriterRecord, WriterRecordChange } from '../model/writer-record.js';

export const DEFAULT_ETCD_PREFIX = '/galera-warden';
/** the format of the stored value; a different one is refused rather than guessed */
export const ETCD_RECORD_VERSION = 1;

export interface EtcdKeys {
  record: string;
  /** every instance's presence key starts with this */
  instances: string;
  presence: string;
}

export function etcdKeys(prefix: string, cluster: string, instanceId: string): EtcdKeys {
  const base = `${prefix.replace(/\/+$/, '')}/${cluster}`;
  return { record: `${base}/writer`, instances: `${base}/instances/`, presence: `${base}/instances/${instanceId}` };
}

export function encodeRecord(cluster: string, epoch: number, c: WriterRecordChange): string {
  return JSON.stringify({
    v: ETCD_RECORD_VERSION, cluster, epoch, writers: c.writers, setBy: c.setBy, setAt: Math.round(c.setAt),
    maintenance: [...c.maintenance].sort(), trafficEnabled: c.trafficEnabled, message: c.message,
    ...(c.trafficSetBy !== undefined && { trafficSetBy: c.trafficSetBy }),
    ...(c.trafficSetAt !== undefined && { trafficSetAt: Math.round(c.trafficSetAt) }),
  });
}

export type Decoded<T> = { ok: true; value: T } | { ok: false; problem: string };

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Reads a stored value as the record of `cluster`; `problem` names the field that is wrong. */
export function decodeRecord(text: string, cluster: string): Decoded<WriterRecord> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, problem: `not JSON (starts with ${JSON.stringify(text.slice(0, 40))})` };
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return { ok: false, problem: 'expected a JSON object' };
  const o = v as Record<string, unknown>;
  if (o.v !== ETCD_RECORD_VERSION) return { ok: false, problem: `v: expected format ${ETCD_RECORD_VERSION}, got ${JSON.stringify(o.v)}` };
  if (o.cluster !== cluster) return { ok: false, problem: `cluster: expected "${cluster}", got ${JSON.stringify(o.cluster)}` };
  if (typeof o.epoch !== 'number' || !Number.isSafeInteger(o.epoch) || o.epoch < 1) return { ok: false, problem: `epoch: expected a positive integer, got ${JSON.stringify(o.epoch)}` };
  if (!isStringList(o.writers)) return { ok: false, problem: 'writers: expected a list of node names' };
  if (typeof o.setBy !== 'string') return { ok: false, problem: 'setBy: expected a string' };
  if (typeof o.setAt !== 'number' || !Number.isFinite(o.setAt)) return { ok: false, problem: 'setAt: expected a number (epoch ms)' };
  if (!isStringList(o.maintenance)) return { ok: false, problem: 'maintenance: expected a list of node names' };
  if (typeof o.trafficEnabled !== 'boolean') return { ok: false, problem: 'trafficEnabled: expected true or false' };
  if (typeof o.message !== 'string') return { ok: false, problem: 'message: expected a string' };
  if (o.trafficSetBy !== undefined && typeof o.trafficSetBy !== 'string') return { ok: false, problem: 'trafficSetBy: expected a string' };
  if (o.trafficSetAt !== undefined && (typeof o.trafficSetAt !== 'number' || !Number.isFinite(o.trafficSetAt))) return { ok: false, problem: 'trafficSetAt: expected a number (epoch ms)' };
  return {
    ok: true,
    value: {
      cluster, epoch: o.epoch, writers: o.writers, setBy: o.setBy, setAt: o.setAt, maintenance: [...o.maintenance].sort(), trafficEnabled: o.trafficEnabled, message: o.message,
      ...(typeof o.trafficSetBy === 'string' && { trafficSetBy: o.trafficSetBy }),
      ...(typeof o.trafficSetAt === 'number' && { trafficSetAt: o.trafficSetAt }),
    },
  };
}

/** What an instance writes under its lease. */
export interface Presence {
  instanceId: string;
  host: string;
  pid: number;
  /** when this lease was granted (epoch ms, the instance's clock) */
  since: number;
}

export function decodePresence(text: string): Decoded<Presence> {
  try {
    const o = JSON.parse(text) as Partial<Presence> | null;
    if (o && typeof o.instanceId === 'string' && typeof o.host === 'string' && typeof o.pid === 'number' && typeof o.since === 'number') {
      return { ok: true, value: { instanceId: o.instanceId, host: o.host, pid: o.pid, since: o.since } };
    }
  } catch {
    // below
  }
  return { ok: false, problem: 'expected {"instanceId", "host", "pid", "since"}' };
}
