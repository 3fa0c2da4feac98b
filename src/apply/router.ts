// The one interface every router adapter implements (built-in proxy, ProxySQL, HAProxy):
// read actual -> pure plan -> apply -> verify. One shared contract suite runs against each.
import type { DesiredRouting } from '../model/decision.js';
import type { ApplyOutcome, DataPathSignal } from '../model/tick.js';

export interface RouterAdapter {
  /** stable name used in logs, metrics and tick records, e.g. "builtin", "proxysql" */
  readonly name: string;
  /**
   * Makes the router match `desired`. Never throws: a failure is an outcome with `ok: false` and an
   * error naming the router. Never leaves a half-applied change that routes writes to two nodes.
   */
  apply(desired: DesiredRouting): Promise<ApplyOutcome>;
  /**
   * The writers the router sends writes to now, as configured node names (or `host:port`), read from the
   * router itself; null when it cannot tell. Read once on a cold start (no saved state), so that the warden
   * adopts the writer in place instead of electing one by weight. Optional: absent means unknown.
   */
  currentWriters?(): Promise<string[] | null>;
  /**
   * Reports what the router sees on its data path that may mean a node died (docs/data-path.md): a hint for
   * an out-of-band probe, never a verdict. Returns the function that stops the reports. Optional.
   */
  watchDataPath?(sink: (s: DataPathSignal) => void): () => void;
  /** graceful: stop accepting, let work finish */
  close(): Promise<void>;
  /** abrupt: drop everything now */
  destroy(): Promise<void>;
}
