// Probes every node at once. Each probe has a hard deadline counted from the start of the tick (not of the
// probe: starting 300 probes takes a good part of a second on a busy machine), so a tick takes at most
// timeoutMs however many nodes there are and however many are frozen.
import type { NodeSpec } from '../model/node.js';
import type { ClusterObservation } from '../model/observation.js';
import { NodeProber, probeNode } from './node-prober.js';
import type { ProbeOptions } from './probe-options.js';
import { monotonicMs } from '../model/monotonic.js';

/** One tick over all nodes, each on a connection of its own. Never rejects. */
export async function probeCluster(nodes: readonly Readonly<NodeSpec>[], options: ProbeOptions): Promise<ClusterObservation> {
  const at = Date.now();
  const since = monotonicMs();
  return { at, nodes: await Promise.all(nodes.map((n) => probeNode(n, options, since))) };
}

/** A long-lived prober of a fixed node list (keeps one connection per node with reuseConnection). */
export class ClusterProber {
  readonly #probers: NodeProber[];

  constructor(nodes: readonly Readonly<NodeSpec>[], options: ProbeOptions) {
    this.#probers = nodes.map((n) => new NodeProber(n, options));
  }

  /** Probes every node in parallel; node order as configured. Never rejects. */
  async tick(): Promise<ClusterObservation> {
    const at = Date.now();
    const since = monotonicMs();
    return { at, nodes: await Promise.all(this.#probers.map((p) => p.probe(since))) };
  }

  /**
   * With reuseConnection: `sink` hears of every kept session the server ended between two probes (the node's
   * process died, it restarted, a KILL): a hint to probe that node now, never a verdict. Returns an unwatch.
   */
  watchSessions(sink: (node: string, reset: boolean) => void): () => void {
    for (const p of this.#probers) p.onSessionLost = sink;
    return () => {
      for (const p of this.#probers) if (p.onSessionLost === sink) p.onSessionLost = undefined;
    };
  }

  /** The kept session of node `name`, lent between probes (NodeProber.lend); undefined when none is usable. */
  lend(name: string): ReturnType<NodeProber['lend']> {
    return this.#probers.find((p) => p.spec.name === name)?.lend();
  }

  close(): void {
    for (const p of this.#probers) p.close();
  }

  destroy(): void {
    for (const p of this.#probers) p.destroy();
  }
}
