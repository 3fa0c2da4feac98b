// The recorded history of a load run: one operation per statement a client sent through a router, with the
// client's own clock (every client of a run lives in one process, so all times share one clock). Written by
// write-client.ts, judged by history-checker.ts, kept as JSON lines by `galera-warden chaos`.
//
// A write is one transaction on one connection: `START TRANSACTION; INSERT INTO t (id, ..., node) SELECT ?, ...,
// <node expression>; SELECT <node expression>; COMMIT`. The row carries the node that ran the INSERT, and the
// answer names the node that committed it (the same one: a transaction never leaves its connection's backend).
// So the final read-back tells, even for a write whose answer was lost, whether and where it committed.

export type Outcome = 'ok' | 'failed' | 'unknown';

export interface Operation {
  /** unique per run: the row's primary key for a write */
  id: string;
  kind: 'write' | 'read';
  /** which load client sent it */
  client: string;
  /** the router it went through (a name of the run: "proxy-a", "haproxy-b") */
  router: string;
  /** when the statement was sent (ms, the run's clock); for a write that never connected, when it was tried */
  invokeAt: number;
  /** when the answer came, or when the client gave up (hard timeout, connection lost) */
  completeAt: number;
  /**
   * ok: the server acknowledged it. failed: it certainly did not take effect (never sent, or a server error
   * before COMMIT completed: the transaction rolled back). unknown: sent, and no answer (timeout, connection
   * lost): it may or may not have committed.
   */
  outcome: Outcome;
  /** the node that took it, from the answer (ok only) */
  node?: string;
  /** why it failed or is unknown */
  error?: string;
}

/** The rows one node holds at the end of the run (read after the run, from every node that answers). */
export interface ReadBack {
  /** the node read */
  from: string;
  /** every row of the run on that node: its id and the node that ran its INSERT (the row's node column) */
  rows: readonly { id: string; node: string }[];
}
