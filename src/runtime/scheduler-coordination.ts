// A scheduler run's side of the shared writer record ([coordination] in the pxcScheduler config): the same
// WriterCoordinator the daemon's loop uses, over a store opened for one run on the nodes ProxySQL lists (the
// monitor account). Each run is a new process, so what the coordinator knew (the record, when the store last
// answered, a handover under way) is kept in a small file beside the state file: the lease rule of fail-closed and
// the handover hold across runs as they do across a daemon's ticks.
import fs from 'node:fs';
import os from 'node:os';
import type { PxcSchedulerSettings } from '../config/pxc-scheduler-config.js';
import type { StoreNode } from '../coordinate/galera-writer-store.js';
import { GaleraWriterStore } from '../coordinate/galera-writer-store.js';
import type { HandoverHold } from '../coordinate/writer-coordinator.js';
import { WriterCoordinator } from '../coordinate/writer-coordinator.js';
import type { WriterStore } from '../coordinate/writer-store.js';
import type { WriterRecord } from '../model/writer-record.js';
import type { SessionOptions } from '../observe/mysql-session.js';
import { writeAtomically } from './state-file.js';

export interface StoreParams {
  cluster: string;
  nodes: readonly StoreNode[];
  session: SessionOptions;
  timeoutMs: number;
  schema: string;
}

export interface RunCoordinationOptions {
  settings: PxcSchedulerSettings;
  nodes: readonly StoreNode[];
  session: SessionOptions;
  /** the store's hard timeout per operation (already bounded by the run's deadline) */
  timeoutMs: number;
  /** the file that carries the coordinator's memory from run to run */
  memoFile: string;
  /** names this run in the record's setBy */
  runKey: string;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  /** injected for tests; default: the Galera-table store */
  openStore?: (p: StoreParams) => WriterStore;
}

export interface RunCoordination {
  coordinator: WriterCoordinator;
  store: WriterStore;
  /** writes what the coordinator knows now for the next run (never throws: a failure is logged) */
  save(): void;
}

interface Memo {
  version: 1;
  record: WriterRecord | null;
  contactAt: number | null;
  /** a handover under way (absent in files of earlier versions: none) */
  hold?: HandoverHold | null;
}

const isHold = (h: unknown): h is HandoverHold => {
  const x = h as Partial<HandoverHold> | null;
  return x !== null && typeof x === 'object' && typeof x.until === 'number' && typeof x.epoch === 'number'
    && Array.isArray(x.from) && x.from.every((w) => typeof w === 'string') && Array.isArray(x.to) && x.to.every((w) => typeof w === 'string');
};

/** The previous run's memory; undefined when missing, unreadable, or about another cluster's record. */
function readMemo(file: string, cluster: string): Omit<Memo, 'version'> | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<Memo>;
    if (m.version !== 1 || (m.contactAt !== null && typeof m.contactAt !== 'number')) return undefined;
    const r = m.record ?? null;
    if (r !== null && (r.cluster !== cluster || typeof r.epoch !== 'number' || !Array.isArray(r.writers))) return undefined;
    return { record: r, contactAt: m.contactAt, hold: isHold(m.hold) ? m.hold : null };
  } catch {
    return undefined;
  }
}

/**
 * The handover of scheduler runs: the configured one, else what lets every other ProxySQL (its runs are up to an
 * interval apart, each bounded by checkTimeOut + 1 s) and every daemon drop the old writer first: two intervals,
 * one run's deadline and one store timeout.
 */
export function schedulerHandoverMs(s: PxcSchedulerSettings): number {
  const c = s.coordination;
  if (c.handoverMs >= 0) return c.handoverMs;
  return 2 * s.run.intervalMs + s.probe.timeoutMs + 1000 + c.timeoutMs;
}

export function openRunCoordination(o: RunCoordinationOptions): RunCoordination {
  const c = o.settings.coordination;
  const params: StoreParams = { cluster: c.cluster, nodes: o.nodes, session: o.session, timeoutMs: o.timeoutMs, schema: c.schema };
  const store = o.openStore ? o.openStore(params) : new GaleraWriterStore(params);
  const log = (level: 'info' | 'warn' | 'error') => (fields: object, msg: string) => o.log(level, msg, fields as Record<string, unknown>);
  const last = readMemo(o.memoFile, c.cluster);
  const coordinator = new WriterCoordinator({
    store,
    instanceId: c.instanceId ?? `${os.hostname()}:scheduler:${o.runKey}`,
    leaseMs: c.leaseMs > 0 ? c.leaseMs : 3 * o.settings.run.intervalMs,
    handoverMs: schedulerHandoverMs(o.settings),
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    ...(last ? { last } : {}),
  });
  return {
    coordinator,
    store,
    save() {
      const s = coordinator.status();
      try {
        writeAtomically(o.memoFile, `${JSON.stringify({ version: 1, record: s.record, contactAt: s.contactAt, hold: coordinator.handoverHold() } satisfies Memo)}\n`);
      } catch (err) {
        o.log('error', `could not save what the run knows of the coordination record to ${o.memoFile}: ${(err as Error).message}`);
      }
    },
  };
}
