// `galera-warden run`: wires the probes, the decision loop, the built-in proxy, its health port and the
// report server together, and takes them down in order on shutdown (stop accepting, drain, close).
import { BuiltinProxyAdapter } from '../apply/builtin-proxy/adapter.js';
import { GaleraFencer } from '../apply/galera-fencer.js';
import type { RouterAdapter } from '../apply/router.js';
import { ProxySqlAdapter } from '../apply/proxysql/adapter.js';
import { hostgroups } from '../apply/proxysql/servers.js';
import { HaproxyAdapter } from '../apply/haproxy/adapter.js';
import { parseSocketAddress } from '../apply/haproxy/runtime-client.js';
import { decideConfigOf } from '../config/decide-config-of.js';
import { listening } from './listen-failure.js';
import { handoverMsOf, leaseMsOf, rejoinMsOf, rejoinSettleMsOf } from '../config/sections/coordination.js';
import { WriterCoordinator } from '../coordinate/writer-coordinator.js';
import type { WriterStore } from '../coordinate/writer-store.js';
import type { ReportSource } from '../model/tick.js';
import { ClusterProber } from '../observe/probe-cluster.js';
import { probeOptionsFromConfig } from '../observe/probe-options.js';
import type { WardenConfig } from '../config/warden-config.js';
import { HealthPort } from './health-port.js';
import { tuneHeapForFleet } from './heap-tuning.js';
import type { Logger } from './logger.js';
import { RuntimeReportSource } from './report-source.js';
import type { Readiness } from './readiness.js';
import { readiness, staleAfterMs } from './readiness.js';
import { DataPathTrigger } from './data-path-trigger.js';
import { MysqlSession, probeSessionOptions } from '../observe/mysql-session.js';
import { ReformWatch } from './reform-watch.js';
import { checkStateFolder, defaultStateFile, StateFile } from './state-file.js';
import { instanceIdOf, writerStoreOf } from './store-from-config.js';
import { TickRecorder } from './tick-recorder.js';
import { WardenLoop } from './warden-loop.js';
import { OrchestratorClient } from '../observe/orchestrator/orchestrator-client.js';
import { OrchestratorSource } from '../observe/orchestrator/orchestrator-source.js';

export interface Closable {
  close(): Promise<void>;
}

export interface DaemonOptions {
  config: WardenConfig;
  log: Logger;
  /** starts the HTTP API / dashboard on the report source; injected so that runtime/ stays free of HTTP details */
  startReport?: (source: ReportSource) => Promise<Closable & { address: string }>;
}

export interface Endpoints {
  writer?: string;
  reader?: string;
  health?: string;
  api?: string;
}

export class Daemon {
  readonly endpoints: Endpoints = {};
  private readonly prober: ClusterProber;
  private readonly loop: WardenLoop;
  private readonly recorder: TickRecorder;
  private readonly proxy: BuiltinProxyAdapter | undefined;
  private readonly health: HealthPort | undefined;
  private readonly proxysql: ProxySqlAdapter | undefined;
  private readonly haproxy: HaproxyAdapter | undefined;
  private readonly fencer: GaleraFencer | undefined;
  /** data-path signals -> out-of-band ticks ([run] dataPathTrigger) */
  readonly trigger: DataPathTrigger | undefined;
  /** [run] reformWatchMs: a Galera view change runs a tick at once, while no writer is routed */
  readonly reformWatch: ReformWatch | undefined;
  private readonly unwatch: (() => void)[] = [];
  private readonly routers: RouterAdapter[];
  private store: WriterStore | undefined;
  /** [orchestrator]: polls Orchestrator's API beside the loop */
  readonly orchestrator: OrchestratorSource | undefined;
  private report: Closable | undefined;
  readonly source: RuntimeReportSource;
  private closing: Promise<void> | undefined;
  /** where the decision state and the maintenance marks are kept */
  readonly stateFile: string;

  /** Throws ConfigError when the state folder is unsafe (world-writable) or cannot be made. */
  constructor(private readonly o: DaemonOptions) {
    const { config, log } = o;
    this.stateFile = config.run.stateFile ?? defaultStateFile(config.cluster.name);
    checkStateFolder(this.stateFile, config.run.stateFile ? 'run.stateFile' : `run.stateFile (not set; default ${this.stateFile})`);
    this.prober = new ClusterProber(config.nodes, probeOptionsFromConfig(config));
    this.recorder = new TickRecorder({ history: config.run.history });
    const routers: RouterAdapter[] = [];
    if (config.proxy.enabled) {
      const p = config.proxy;
      this.proxy = new BuiltinProxyAdapter({
        writer: { host: p.host, port: p.writerPort },
        ...(p.readerEnabled ? { reader: { host: p.host, port: p.readerPort } } : {}),
        waitForBackendMs: p.waitForBackendMs,
        connectTimeoutMs: p.connectTimeoutMs,
        log: (level, msg, fields) => log[level](fields ?? {}, msg),
      });
      this.health = new HealthPort(p.host, p.healthPort, (draining) => this.readiness(draining));
      routers.push(this.proxy);
    }
    const ps = config.proxysql;
    if (ps.enabled && ps.hgW !== undefined && ps.hgR !== undefined && ps.password) {
      // ProxySQL as a router: one admin session kept open between ticks, each apply bounded by applyTimeoutMs
      this.proxysql = new ProxySqlAdapter({
        admin: { host: ps.host, port: ps.port, user: ps.user, password: ps.password, connectTimeoutMs: Math.min(2000, ps.applyTimeoutMs), queryTimeoutMs: ps.applyTimeoutMs },
        groups: hostgroups(ps.hgW, ps.hgR, ps.bckHgW, ps.bckHgR),
        saveToDisk: ps.saveToDisk,
        applyTimeoutMs: ps.applyTimeoutMs,
        keepAlive: true,
        nodes: config.nodes,
        warn: (m) => log.warn(m),
        // the ProxySQL-cluster lock of scheduler mode (same key): one writing warden per ProxySQL cluster
        ...(ps.clustered ? { clusterLock: { key: `${ps.clusterId}_${ps.hgW}_${ps.hgR}`, timeoutMs: ps.lockClusterTimeoutMs } } : {}),
      });
      routers.push(this.proxysql);
    }
    const hx = config.haproxy;
    if (hx) {
      // HAProxy as a router: the runtime API, one connection per command
      this.haproxy = new HaproxyAdapter({
        socket: parseSocketAddress(hx.socket),
        backends: { writer: hx.writerBackend, ...(hx.readerEnabled ? { reader: hx.readerBackend } : {}) },
        timeoutMs: hx.timeoutMs,
        signalPollMs: hx.signalPollMs,
        forceWriterHealth: hx.wardenCheck && config.proxy.enabled,
      });
      if (hx.wardenCheck && !config.proxy.enabled) log.warn({}, '[haproxy] wardenCheck needs the health port of [proxy], which is disabled: if this instance dies, its HAProxy keeps routing the last writer it was given');
      routers.push(this.haproxy);
    }
    const fencing = config.fencing;
    if (fencing.mode !== 'off') {
      // evs.evict on the survivors; needs SUPER or SYSTEM_VARIABLES_ADMIN for the probe user (docs/fencing.md)
      this.fencer = new GaleraFencer({
        nodes: config.nodes,
        probe: probeOptionsFromConfig(config),
        config: { ...fencing, restartHook: fencing.restartHook ? [...fencing.restartHook] : undefined },
        // the evict statement rides on the probe's kept session: no connect and login between decision and eviction
        ...(config.probe.reuseConnection && { kept: (node) => this.prober.lend(node.name) }),
        log: (level, msg, fields) => log[level](fields ?? {}, msg),
      });
    }
    const fencer = this.fencer;
    const coordinator = this.coordinator();
    this.orchestrator = this.orchestratorSource();
    const orchestrator = this.orchestrator;
    this.loop = new WardenLoop({
      observe: () => this.prober.tick(),
      decideConfig: decideConfigOf(config),
      routers,
      recorder: this.recorder,
      intervalMs: config.run.intervalMs,
      log,
      state: new StateFile(this.stateFile, (m) => log.warn({ stateFile: this.stateFile }, m)),
      ...(fencer ? { fencing: { config: fencer.config, execute: (plan) => fencer.execute(plan) } } : {}),
      ...(coordinator ? { coordinator } : {}),
      ...(orchestrator && config.orchestrator ? { orchestrator: { latest: () => orchestrator.latest(), config: { graceMs: config.orchestrator.graceMs } } } : {}),
      onTick: (record) => this.reformWatch?.update(record),
    });
    this.routers = routers;
    if (config.run.dataPathTrigger) {
      const loop = this.loop;
      this.trigger = new DataPathTrigger({ floorMs: config.run.dataPathFloorMs, run: async (node, signals, coalesced) => void (await loop.triggered(node, signals, coalesced)) });
    }
    if (config.run.reformWatchMs > 0 && config.cluster.topology === 'galera') this.reformWatch = this.reformWatchOf();
    this.source = new RuntimeReportSource(config.cluster.name, this.recorder, this.loop, config.nodes.map((n) => n.name), () => this.proxy?.stats(), this.health ? () => this.readiness(this.draining) : undefined, () => ({
      ...(this.trigger ? { dataPath: { ...this.trigger.counters } } : {}),
      ...(this.reformWatch ? { reformWatch: { ...this.reformWatch.counters } } : {}),
    }));
    this.source.topology = config.cluster.topology;
  }

  private draining = false;

  /**
   * Kept sessions with the probe's account, TLS and connect timeout. Its signals run a triggered tick directly,
   * not through DataPathTrigger's floor: the watch paces itself (after a signal it is silent until a tick that
   * started after it has ended), and a floor would only hold back its next signal (Joined, then Synced).
   */
  private reformWatchOf(): ReformWatch {
    const { config, log } = this.o;
    const probe = probeOptionsFromConfig(config);
    const specs = new Map(config.nodes.map((n) => [n.name, n]));
    return new ReformWatch({
      everyMs: config.run.reformWatchMs,
      open: (name) => {
        const n = specs.get(name)!;
        return new MysqlSession({ host: n.host, port: n.port }, probeSessionOptions(probe, { keepAlive: true }));
      },
      signal: (s) => void this.loop.triggered(s.node, [s]),
      log: (level, msg, fields) => log[level](fields ?? {}, msg),
    });
  }

  /** [coordination] store = "galera" (a table of the cluster, through the probe account) or "etcd" */
  private coordinator(): WriterCoordinator | undefined {
    const { config, log } = this.o;
    const c = config.coordination;
    const store = writerStoreOf(config);
    if (!store) return undefined;
    this.store = store;
    const instanceId = instanceIdOf(config);
    const leaseMs = leaseMsOf(c, config.run.intervalMs);
    const handoverMs = handoverMsOf(c, config.run.intervalMs, config.probe.timeoutMs, config.haproxy?.wardenCheck ? config.haproxy.checkInterMs : undefined);
    const rejoinMs = rejoinMsOf(c, config.routing, config.run.intervalMs, config.probe.timeoutMs);
    log.info({ store: store.kind, ...(c.store === 'etcd' ? { endpoints: c.endpoints, prefix: c.prefix } : { schema: c.schema }), instanceId, leaseMs, handoverMs, rejoinMs }, 'coordination: routing the writer of the shared record');
    const rejoinSettleMs = rejoinSettleMsOf(config.run.intervalMs, config.probe.timeoutMs);
    return new WriterCoordinator({ store, instanceId, leaseMs, handoverMs, rejoinMs, rejoinSettleMs, log });
  }

  /** [orchestrator]: the long-lived Orchestrator source; a change of leader or of its problems is logged once */
  private orchestratorSource(): OrchestratorSource | undefined {
    const { config, log } = this.o;
    const o = config.orchestrator;
    if (!o) return undefined;
    const client = new OrchestratorClient({
      urls: o.urls,
      clusterHint: o.clusterHint,
      watch: config.nodes.map((n) => ({ host: n.host, port: n.port })),
      timeoutMs: o.timeoutMs,
      ...(o.auth && { auth: o.auth }),
      tls: o.tls,
    });
    let said = '';
    return new OrchestratorSource({
      client,
      intervalMs: o.intervalMs,
      onPoll: (obs) => {
        const now = `${obs.leader ?? 'none'} ${obs.problems.map((p) => p.code).join(',')}`;
        if (now === said) return;
        said = now;
        if (obs.leader === null || obs.problems.length > 0) log.warn({ leader: obs.leader, problems: obs.problems }, `orchestrator: ${obs.problems[0]?.message ?? 'no leader'}`);
        else log.info({ leader: obs.leader }, `orchestrator: leader ${obs.leader} answers`);
      },
    });
  }

  /** what the health port's /ready answers: a routed writer and a tick younger than three intervals (plus the probe deadline) */
  private readiness(draining: boolean): Readiness {
    return readiness({ health: this.loop.health(), draining, now: Date.now(), staleAfterMs: staleAfterMs(this.o.config.run.intervalMs, this.o.config.probe.timeoutMs) });
  }

  async start(): Promise<Endpoints> {
    if (this.proxy) {
      const p = this.o.config.proxy;
      const proxy = this.proxy;
      const ep = await listening([{ key: '[proxy] writerPort', host: p.host, port: p.writerPort }, { key: '[proxy] readerPort', host: p.host, port: p.readerPort }], () => proxy.listen());
      this.endpoints.writer = ep.writer;
      if (ep.reader) this.endpoints.reader = ep.reader;
      const health = this.health!;
      const h = await listening([{ key: '[proxy] healthPort', host: p.host, port: p.healthPort }], () => health.listen());
      this.endpoints.health = `${h.address}:${h.port}`;
    }
    if (this.o.startReport) {
      const r = await this.o.startReport(this.source);
      this.report = r;
      this.endpoints.api = r.address;
    }
    this.orchestrator?.start();
    // a large fleet: hold V8's heap small (src/runtime/heap-tuning.ts)
    const heapFlags = tuneHeapForFleet(this.o.config.nodes.length);
    this.loop.start();
    const trigger = this.trigger;
    if (trigger) for (const r of this.routers) if (r.watchDataPath) this.unwatch.push(r.watchDataPath((sig) => trigger.signal(sig)));
    // [probe] reuseConnection: a kept probe session the server ended between probes is a signal too (no client
    // traffic needed: an idle writer's death is seen when the kernel closes its sockets)
    if (trigger && this.o.config.probe.reuseConnection) {
      this.unwatch.push(this.prober.watchSessions((node, reset) => trigger.signal({
        router: 'probe', node, kind: reset ? 'reset' : 'closed', at: Date.now(), detail: 'the server ended the kept probe session',
      })));
    }
    this.o.log.info({ ...this.endpoints, nodes: this.o.config.nodes.map((n) => n.name), intervalMs: this.o.config.run.intervalMs, ...(heapFlags.length > 0 && { heapFlags }) }, 'galera-warden running');
    return this.endpoints;
  }

  /** Graceful: readiness 503, no more ticks, stop accepting, let open connections finish for drainMs, close. */
  shutdown(): Promise<void> {
    this.closing ??= (async () => {
      const log = this.o.log;
      log.info('shutting down: draining');
      this.draining = true;
      this.health?.drain();
      this.stopTrigger();
      await this.loop.stop();
      await this.orchestrator?.close();
      if (this.proxy) {
        const drained = this.proxy.close();
        const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), this.o.config.proxy.drainMs).unref());
        if ((await Promise.race([drained.then(() => 'drained' as const), timer])) === 'timeout') {
          log.warn({ drainMs: this.o.config.proxy.drainMs }, 'connections still open after the drain time: closing them');
          await this.proxy.destroy();
        }
      }
      await this.proxysql?.close();
      await this.haproxy?.close();
      this.fencer?.destroy();
      await this.store?.close();
      await this.report?.close();
      await this.health?.close();
      this.prober.destroy();
      log.info('stopped');
    })();
    return this.closing;
  }

  /** Abrupt: sever everything now. */
  private stopTrigger(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.reformWatch?.stop();
    this.trigger?.stop();
  }

  async destroy(): Promise<void> {
    this.stopTrigger();
    await this.loop.stop();
    await this.orchestrator?.close();
    await this.proxy?.destroy();
    await this.proxysql?.destroy();
    await this.haproxy?.destroy();
    this.fencer?.destroy();
    this.store?.destroy();
    await this.report?.close();
    await this.health?.close();
    this.prober.destroy();
  }
}
