// Prometheus metrics, collected on scrape from the ReportSource into a registry private to one server.
// Every value is read from the records as they stand at the scrape: counters mirror the loop's own
// cumulative counters (set, never incremented here), so two scrapes never count a tick twice, and series of
// nodes that left the configuration disappear. Tick duration is a gauge of the last tick: the source keeps
// only the latest tick, so a histogram fed at scrape time would sample one tick in fifteen and mislead.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReaderRole, WriterRole } from '../model/decision.js';
import type { LoopCounters, ProxyStatsSnapshot, ReportSource, SignalCounters, TickRecord } from '../model/tick.js';

export const WRITER_ROLES: readonly WriterRole[] = ['writer', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none'];
export const READER_ROLES: readonly ReaderRole[] = ['reader', 'backup', 'offline_soft', 'offline_hard', 'maintenance', 'none'];

interface Snapshot {
  tick: TickRecord | undefined;
  counters: LoopCounters;
  signals: SignalCounters;
  stats: ProxyStatsSnapshot | undefined;
  marks: Set<string>;
}

type Labels<L extends string> = Partial<Record<L, string | number>>;
type Fill<L extends string> = (s: Snapshot, set: (labels: Labels<L>, value: number) => void) => void;

export interface ReportMetrics {
  /** The exposition text, read from the source now. */
  scrape(): Promise<string>;
  readonly contentType: string;
  readonly registry: Registry;
}

export function createReportMetrics(source: ReportSource, options: { defaultMetrics?: boolean } = {}): ReportMetrics {
  const registry = new Registry();
  const read = (): Snapshot => ({
    tick: source.latest(),
    counters: source.counters(),
    signals: source.signalCounters?.() ?? {},
    stats: source.proxyStats(),
    marks: new Set(source.maintenanceMarks()),
  });
  // Set by scrape() around registry.metrics(), which runs every collect() synchronously before its first
  // await: one scrape reads the source once, and every series of it describes the same tick.
  let current: Snapshot | undefined;
  const snapshot = (): Snapshot => current ?? read();

  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: Fill<L>): void => {
    const g: Gauge<L> = new Gauge<L>({
      name, help, labelNames, registers: [registry],
      collect: () => {
        g.reset();
        fill(snapshot(), (labels, value) => g.set(labels, value));
      },
    });
  };
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: Fill<L>): void => {
    const c: Counter<L> = new Counter<L>({
      name, help, labelNames, registers: [registry],
      collect: () => {
        c.reset();
        fill(snapshot(), (labels, value) => c.inc(labels, Math.max(0, value)));
      },
    });
  };
  const perNode = (s: Snapshot) => {
    const observed = new Map((s.tick?.observation.nodes ?? []).map((o) => [o.node, o]));
    return (s.tick?.desired.nodes ?? []).map((d) => ({ d, o: observed.get(d.node) }));
  };

  gauge('galera_warden_info', 'Constant 1, labelled with the cluster name.', ['cluster'], (_s, set) => set({ cluster: source.clusterName }, 1));
  // wsrep series describe Galera nodes only; a replication topology has its own (a replica has no wsrep state,
  // and a 0 there would read as "not Synced" on every dashboard built for Galera)
  if (source.topology === 'replication') {
    gauge('galera_warden_node_read_only', '1 when the node last reported read_only = ON (replication topology).', ['node'], (s, set) => {
      for (const { d, o } of perNode(s)) {
        const r = o?.status?.replication;
        if (r) set({ node: d.node }, r.readOnly ? 1 : 0);
      }
    });
    gauge('galera_warden_node_replication_running', '1 when both replication threads of the node run (replication topology; 0 on a primary).', ['node'], (s, set) => {
      for (const { d, o } of perNode(s)) {
        const r = o?.status?.replication;
        if (r) set({ node: d.node }, r.ioRunning === 'Yes' && r.sqlRunning === 'Yes' ? 1 : 0);
      }
    });
    gauge('galera_warden_node_replication_lag_seconds', 'Seconds_Behind_Master as last probed (replication topology; no series when unknown).', ['node'], (s, set) => {
      for (const { d, o } of perNode(s)) {
        const lag = o?.status?.replication?.secondsBehindMaster;
        if (lag !== undefined && lag !== null) set({ node: d.node }, lag);
      }
    });
  } else {
    gauge('galera_warden_node_wsrep_local_state', 'wsrep_local_state of the node as last probed (4 Synced, 2 Donor/Desynced; 0 unknown).', ['node'], (s, set) => {
      for (const { d, o } of perNode(s)) set({ node: d.node }, o?.status?.localState ?? 0);
    });
    gauge('galera_warden_node_primary', '1 when the node last reported wsrep_cluster_status Primary.', ['node'], (s, set) => {
      for (const { d, o } of perNode(s)) set({ node: d.node }, o?.status?.clusterStatus === 'Primary' ? 1 : 0);
    });
  }
  gauge('galera_warden_node_probe_ok', '1 when the last probe of the node read its state.', ['node'], (s, set) => {
    for (const { d, o } of perNode(s)) set({ node: d.node }, o?.status === undefined ? 0 : 1);
  });
  gauge('galera_warden_node_in_service', '1 when the decision admits the node to service.', ['node'], (s, set) => {
    for (const { d } of perNode(s)) set({ node: d.node }, d.inService ? 1 : 0);
  });
  gauge('galera_warden_node_maintenance', '1 when an operator has marked the node for maintenance.', ['node'], (s, set) => {
    for (const { d } of perNode(s)) set({ node: d.node }, s.marks.has(d.node) ? 1 : 0);
  });
  gauge('galera_warden_node_role', "1 for the node's current role in each pool, 0 for the other roles.", ['node', 'pool', 'role'], (s, set) => {
    for (const { d } of perNode(s)) {
      for (const role of WRITER_ROLES) set({ node: d.node, pool: 'writer', role }, d.writer === role ? 1 : 0);
      for (const role of READER_ROLES) set({ node: d.node, pool: 'reader', role }, d.reader === role ? 1 : 0);
    }
  });
  gauge('galera_warden_probe_latency_seconds', 'Duration of the last probe of the node.', ['node'], (s, set) => {
    for (const { d, o } of perNode(s)) if (o !== undefined) set({ node: d.node }, o.latencyMs / 1000);
  });
  gauge('galera_warden_node_sessions', 'Client sessions the built-in proxy holds to the node, per proxy port.', ['node', 'port'], (s, set) => {
    for (const port of ['writer', 'reader'] as const) for (const [node, e] of Object.entries(s.stats?.[port] ?? {})) set({ node, port }, e.sessions);
  });
  counter('galera_warden_node_bytes_total', 'Bytes the built-in proxy moved for the node, per port and direction.', ['node', 'port', 'direction'], (s, set) => {
    for (const port of ['writer', 'reader'] as const) {
      for (const [node, e] of Object.entries(s.stats?.[port] ?? {})) {
        set({ node, port, direction: 'in' }, e.bytesIn);
        set({ node, port, direction: 'out' }, e.bytesOut);
      }
    }
  });
  gauge('galera_warden_writers', 'Number of active writers decided on the last tick (0: no writer).', [], (s, set) => set({}, s.tick?.desired.writers.length ?? 0));
  gauge('galera_warden_writer_epoch', 'Epoch of the writer set: increments on every change of writer.', [], (s, set) => set({}, s.tick?.desired.epoch ?? 0));
  gauge('galera_warden_finding', '1 per current finding of the last tick.', ['code', 'severity', 'node'], (s, set) => {
    for (const f of s.tick?.findings ?? []) set({ code: f.code, severity: f.severity, node: f.node ?? '' }, 1);
  });
  gauge('galera_warden_tick_duration_seconds', 'Duration of the last tick (probe, decide, apply).', [], (s, set) => {
    if (s.tick !== undefined) set({}, s.tick.durationMs / 1000);
  });
  gauge('galera_warden_last_tick_timestamp_seconds', 'Start of the last tick, Unix time (alert on time() minus this).', [], (s, set) => {
    if (s.tick !== undefined) set({}, s.tick.at / 1000);
  });
  counter('galera_warden_ticks_total', 'Ticks of the loop since start.', [], (s, set) => set({}, s.counters.ticks));
  counter('galera_warden_tick_overruns_total', 'Ticks that took longer than the interval.', [], (s, set) => set({}, s.counters.overruns));
  counter('galera_warden_failovers_total', 'Changes of the writer set since start.', [], (s, set) => set({}, s.counters.failovers));
  counter('galera_warden_apply_errors_total', 'Router applies that failed since start.', [], (s, set) => set({}, s.counters.applyErrors));
  counter('galera_warden_evictions_total', 'Members evicted from the Galera group by fencing (evs.evict) since start, by reason (dead: port refused; unresponsive: timed out and the survivors lost it too).', ['reason'], (s, set) => {
    const t = s.tick?.fencing?.totals;
    if (t === undefined) return;
    set({ reason: 'dead' }, t.evictionsDead);
    set({ reason: 'unresponsive' }, t.evictionsUnresponsive);
  });
  gauge('galera_warden_fencing_operative', 'Fencing is on and the probe account\'s grants let it work (1), or a privilege it needs is missing (0); absent while fencing is off or the grants are not known yet.', ['mode'], (s, set) => {
    const f = s.tick?.fencing;
    const op = f?.plan.operative.operative;
    if (f !== undefined && op !== undefined && op !== null) set({ mode: f.mode }, op ? 1 : 0);
  });
  counter('galera_warden_evict_lists_cleared_total', 'Survivors whose stale wsrep_evs_evict_list fencing cleared since start.', [], (s, set) => {
    if (s.tick?.fencing !== undefined) set({}, s.tick.fencing.totals.cleared);
  });
  counter('galera_warden_rejected_connections_total', 'Client connections the built-in proxy closed for want of an eligible backend.', [], (s, set) => {
    set({}, s.stats?.rejected ?? 0);
  });

  // 0 while the trigger or the watch is off ([run] dataPathTrigger, reformWatchMs say which)
  const signalCounters: [string, string, (c: SignalCounters) => number | undefined][] = [
    ['galera_warden_datapath_signals_total', 'Data-path signals (a bridge reset or closed by the node, a refused or failed connect, a missing greeting, HAProxy\'s error counters, a kept probe session ended) since start.', (c) => c.dataPath?.signals],
    ['galera_warden_datapath_ticks_total', 'Ticks the data-path trigger started since start.', (c) => c.dataPath?.ticks],
    ['galera_warden_datapath_coalesced_total', 'Data-path signals that started no tick of their own (one in flight for the node, or within dataPathFloorMs of the last).', (c) => c.dataPath?.coalesced],
    ['galera_warden_reform_watch_starts_total', 'Times the re-form watch started watching (no writer routed while a reachable node was outside a Synced Primary component).', (c) => c.reformWatch?.starts],
    ['galera_warden_reform_watch_polls_total', 'Status statements the re-form watch sent.', (c) => c.reformWatch?.polls],
    ['galera_warden_reform_watch_signals_total', 'Galera view changes the re-form watch saw, each running a tick.', (c) => c.reformWatch?.signals],
    ['galera_warden_reform_watch_sessions_total', 'Sessions the re-form watch opened.', (c) => c.reformWatch?.sessions],
  ];
  for (const [name, help, pick] of signalCounters) {
    counter(name, help, [], (s, set) => {
      const v = pick(s.signals);
      if (v !== undefined) set({}, v);
    });
  }

  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    contentType: registry.contentType,
    scrape() {
      current = read();
      try {
        return registry.metrics();
      } finally {
        current = undefined;
      }
    },
  };
}
