// A ReportSource for tests: ticks are recorded by hand, operator commands are recorded and answered by
// replaceable handlers, counters and proxy stats are plain fields a test may change at any time.
import type { CommandResult, LoopCounters, ProxyStatsSnapshot, ReportSource, SignalCounters, TickRecord } from '../../model/tick.js';
import type { TrafficRequest, TrafficResult, TrafficState } from '../../model/traffic.js';
import { T0 } from './tick-fixtures.js';

export class FakeReportSource implements ReportSource {
  readonly clusterName: string;
  readonly startedAt: number;
  topology: 'galera' | 'replication' = 'galera';
  loop: LoopCounters = { ticks: 0, failovers: 0, applyErrors: 0, overruns: 0 };
  proxy: ProxyStatsSnapshot | undefined;
  /** the data-path trigger's and the re-form watch's counters, as a test sets them */
  signals: SignalCounters = {};
  readonly marks = new Set<string>();
  readonly switchoverCalls: string[] = [];
  readonly maintenanceCalls: { node: string; on: boolean }[] = [];
  onSwitchover: (node: string) => CommandResult = (node) => this.defaultSwitchover(node);
  /** the traffic switch as the source shows it; setTraffic() changes it unless `onSetTraffic` answers otherwise */
  trafficSwitch: TrafficState = { trafficEnabled: true, message: '', setBy: '', setAt: null, scope: 'local' };
  readonly trafficCalls: TrafficRequest[] = [];
  onSetTraffic: ((r: TrafficRequest) => TrafficResult) | undefined;
  /** when set, latest() throws it: a runtime bug as the report layer sees it */
  broken: Error | undefined;
  private readonly ticks: TickRecord[] = [];
  private readonly changed: TickRecord[] = [];

  constructor(options: { clusterName?: string; startedAt?: number } = {}) {
    this.clusterName = options.clusterName ?? 'prod-galera';
    this.startedAt = options.startedAt ?? T0;
  }

  /** Records a tick as the runtime would: counters move, ticks that changed something enter the history. */
  record(...ticks: TickRecord[]): this {
    for (const tick of ticks) {
      const previous = this.ticks.at(-1);
      this.ticks.push(tick);
      this.loop.ticks += 1;
      if (previous !== undefined && previous.desired.epoch !== tick.desired.epoch) this.loop.failovers += 1;
      this.loop.applyErrors += tick.applied.filter((a) => !a.ok).length;
      const findingsChanged = codesOf(previous) !== codesOf(tick);
      if (tick.changes.length > 0 || findingsChanged) this.changed.push(tick);
    }
    return this;
  }

  latest(): TickRecord | undefined {
    if (this.broken !== undefined) throw this.broken;
    return this.ticks.at(-1);
  }

  history(limit: number): TickRecord[] {
    return limit <= 0 ? [] : this.changed.slice(-limit);
  }

  counters(): LoopCounters {
    return { ...this.loop };
  }

  signalCounters(): SignalCounters {
    return { ...this.signals };
  }

  proxyStats(): ProxyStatsSnapshot | undefined {
    return this.proxy;
  }

  switchover(node: string): CommandResult {
    this.switchoverCalls.push(node);
    return this.onSwitchover(node);
  }

  setMaintenance(node: string, on: boolean): CommandResult {
    this.maintenanceCalls.push({ node, on });
    if (on) this.marks.add(node);
    else this.marks.delete(node);
    return { ok: true, message: `${node}: maintenance ${on ? 'on' : 'off'}` };
  }

  traffic(): TrafficState {
    return this.trafficSwitch;
  }

  async setTraffic(r: TrafficRequest): Promise<TrafficResult> {
    this.trafficCalls.push(r);
    const answer = this.onSetTraffic?.(r);
    if (answer) return answer;
    this.trafficSwitch = { ...this.trafficSwitch, trafficEnabled: r.trafficEnabled, message: r.message, setBy: r.by, setAt: T0 + 1000 };
    return { ok: true, traffic: this.trafficSwitch };
  }

  maintenanceMarks(): string[] {
    return [...this.marks].sort();
  }

  private defaultSwitchover(node: string): CommandResult {
    const decision = this.ticks.at(-1)?.desired.nodes.find((n) => n.node === node);
    if (decision === undefined) return { ok: false, message: `unknown node ${node}` };
    if (decision.writer === 'writer') return { ok: false, message: `${node} is already the writer` };
    if (!decision.inService) return { ok: false, message: `${node} is not in service` };
    return { ok: true, message: `switchover to ${node} requested` };
  }
}

function codesOf(tick: TickRecord | undefined): string {
  return (tick?.findings ?? []).map((f) => `${f.code}:${f.node ?? ''}`).join(',');
}
