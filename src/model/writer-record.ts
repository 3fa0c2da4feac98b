// The coordination record: one per cluster, the writer(s) every galera-warden instance routes to. An
// instance changes it only by compare-and-set on `epoch`, which grows by one on every change (writer,
// maintenance marks, traffic switch). Plain JSON, like the rest of model/.

export interface WriterRecord {
  /** the cluster's name ([cluster].name): the record's key */
  cluster: string;
  /** monotonic: every accepted change increments it by one; 0 means "no record yet" */
  epoch: number;
  /** the active writers, the first is the main one; empty: nobody takes writes */
  writers: string[];
  /** the instance id of the warden that wrote this epoch */
  setBy: string;
  /** when it wrote it (epoch ms, the writer's clock: for people, never compared) */
  setAt: number;
  /** nodes an operator marked for maintenance, sorted */
  maintenance: string[];
  /** Switchboard's traffic switch: false drains every node on every instance */
  trafficEnabled: boolean;
  /** why traffic is off (or any operator note); empty for none */
  message: string;
  /** who last set the traffic switch (API user and address, via which instance), and when (epoch ms) */
  trafficSetBy?: string;
  trafficSetAt?: number;
}

/** What a compare-and-set writes: everything but the key and the epoch, which the store sets (expected + 1). */
export type WriterRecordChange = Omit<WriterRecord, 'cluster' | 'epoch'>;

/** Stable codes of store failures (a failure is an outcome, never a throw). */
export type StoreFailureCode =
  /** no node (or endpoint) answered in time, or all refused */
  | 'COORD_STORE_UNAVAILABLE'
  /** the only nodes that answered are outside the Primary component (or not wsrep_ready) */
  | 'COORD_NOT_PRIMARY'
  /** the operation's hard timeout passed */
  | 'COORD_TIMEOUT'
  /** the account lacks a privilege the store needs */
  | 'COORD_ACCESS_DENIED'
  /** the stored record cannot be read as a record */
  | 'COORD_BAD_RECORD'
  /** a write was sent and the answer was lost: it may or may not have been applied (re-read to know) */
  | 'COORD_WRITE_UNKNOWN'
  | 'COORD_STORE_ERROR';

export interface StoreFailure {
  code: StoreFailureCode;
  /** names the node / host:port and what failed */
  message: string;
  /** what each node that was tried said */
  attempts?: { node: string; code: StoreFailureCode; message: string }[];
}

export type StoreRead = { ok: true; record: WriterRecord | null } | { ok: false; error: StoreFailure };

/**
 * won: the record now is `record` (epoch = expected + 1); lost: another instance changed it first (or the
 * certification conflict went its way), `current` is the record as it is now (null: still none); failed: the
 * store could not say (`error`), nothing is known.
 */
export type CasResult =
  | { ok: true; record: WriterRecord; error?: undefined; current?: undefined }
  | { ok: false; current: WriterRecord | null; error?: undefined }
  | { ok: false; error: StoreFailure; current?: undefined };
