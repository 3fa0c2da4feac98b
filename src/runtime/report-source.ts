// The runtime's side of the report interface: recorded ticks, counters, proxy statistics, and the
// operator commands (switchover, maintenance marks), checked against the latest decision.
import type { CommandResult, HistoryTick, LoopCounters, ProxyStatsSnapshot, Readiness, ReportSource, SignalCounters, TickRecord } from '../model/tick.js';
import type { TrafficRequest, TrafficResult, TrafficState } from '../model/traffic.js';
import type { TickRecorder } from './tick-recorder.js';
import type { WardenLoop } from './warden-loop.js';

export class RuntimeReportSource implements ReportSource {
  readonly startedAt = Date.now();
  /** [cluster] topology: the API and the dashboard show replication state instead of wsrep state */
  topology: 'galera' | 'replication' = 'galera';

  constructor(
    readonly clusterName: string,
    private readonly recorder: TickRecorder,
    private readonly loop: WardenLoop,
    private readonly nodeNames: readonly string[],
    private readonly stats: () => ProxyStatsSnapshot | undefined,
    private readonly ready?: () => Readiness,
    private readonly signals?: () => SignalCounters,
  ) {}

  signalCounters(): SignalCounters {
    return this.signals?.() ?? {};
  }

  readiness(): Readiness | null {
    return this.ready?.() ?? null;
  }

  latest(): TickRecord | undefined {
    return this.recorder.latest();
  }
  history(limit: number): HistoryTick[] {
    return this.recorder.history(limit);
  }
  counters(): LoopCounters {
    return this.recorder.counters();
  }
  proxyStats(): ProxyStatsSnapshot | undefined {
    return this.stats();
  }
  maintenanceMarks(): string[] {
    return this.loop.maintenanceMarks();
  }

  traffic(): TrafficState {
    return this.loop.traffic();
  }

  setTraffic(request: TrafficRequest): Promise<TrafficResult> {
    return this.loop.setTraffic(request);
  }

  switchover(node: string): CommandResult {
    if (!this.nodeNames.includes(node)) return { ok: false, message: `no node named "${node}" (nodes: ${this.nodeNames.join(', ')})` };
    const latest = this.latest();
    const decision = latest?.desired.nodes.find((n) => n.node === node);
    if (!latest || !decision) return { ok: false, message: 'no decision yet: wait for the first tick' };
    if (latest.desired.writers.includes(node)) return { ok: false, message: `${node} is already the writer (epoch ${latest.desired.epoch})` };
    if (!decision.inService || decision.writer !== 'backup') {
      const why = decision.reasons[0]?.message ?? `its writer role is ${decision.writer}`;
      return { ok: false, message: `${node} cannot take the writer role now: ${why}` };
    }
    this.loop.requestSwitchover(node);
    return { ok: true, message: `switchover to ${node} requested; it applies on the next tick` };
  }

  setMaintenance(node: string, on: boolean): CommandResult {
    if (!this.nodeNames.includes(node)) return { ok: false, message: `no node named "${node}" (nodes: ${this.nodeNames.join(', ')})` };
    this.loop.setMaintenance(node, on);
    return { ok: true, message: on ? `${node} marked for maintenance: it drains on the next tick` : `${node} maintenance mark removed: it returns once healthy for its hold time` };
  }
}
