// A database node as the operator configured it.

export interface NodeSpec {
  /** unique, human name: used in logs, API and findings */
  name: string;
  host: string;
  port: number;
  /** writer priority: higher wins (pxcScheduler: weight in the 8000+HG backup group) */
  weight: number;
  /** node-side healthcheck port, when one runs next to the node */
  healthPort?: number;
}
