// The one interface every router adapter implements (built-in proxy, ProxySQL, HAProxy):
// read actual -> pure plan -> apply -> verify. One shared contract suite runs against each.
import type { DesiredRouting } from '../model/decision.js';
import type { ApplyOutcome } from '../model/tick.js';

export interface RouterAdapter {
  /** stable name used in logs, metrics and tick records, e.g. "builtin", "proxysql" */
  readonly name: string;
  /**
   * Makes the router match `desired`. Never throws: a failure is an outcome with `ok: false` and an
   * error naming the router. Never leaves a half-applied change that routes writes to two nodes.
   */
  apply(desired: DesiredRouting): Promise<ApplyOutcome>;
  /**
   * The writers the router routes to now (node names), or null when it cannot tell; read before the first
   * decision of a cold start, to adopt a healthy writer instead of electing one by weight. Optional.
   */
  currentWriters?(): Promise<string[] | null>;
  /** graceful: stop accepting, let work finish */
  close(): Promise<void>;
  /** abrupt: drop everything now */
  destroy(): Promise<void>;
}
