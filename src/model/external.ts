// Verdicts from outside the probes: Orchestrator's downtimed list, an operator's marks and requests.
// An external verdict always wins over a healthy probe.

export interface ExternalVerdict {
  /** nodes an external authority (e.g. Orchestrator) has downtimed: drained (OFFLINE_SOFT) while listed */
  downtimed?: string[];
  /** per downtimed node, what the authority says about it (e.g. 'reason "lost-in-recovery", until 2027-11-30 13:57:03') */
  downtimeNotes?: Record<string, string>;
  /** nodes an operator has marked for maintenance: drained (OFFLINE_SOFT) while listed */
  maintenance?: string[];
  /**
   * fence every node (drain all) and say why, e.g. "Orchestrator raft leader unreachable" (proxy-oc-tool's rule:
   * when the authority cannot be reached, isolated writes are worse than no writes)
   */
  fenceAll?: string;
  /**
   * a standing operator request: make this node the writer. Applied once the node is eligible; the runtime should
   * clear it when the decision shows the node as writer.
   */
  switchoverTo?: string;
}

export const NO_EXTERNAL_VERDICT: ExternalVerdict = {};
