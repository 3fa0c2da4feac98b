// `galera-warden agent`: wires the admin session, the pod watchers, the Lease election (core), the work loop
// and the pod's HTTP endpoints, and owns the process's end: /shutdown drains and then exits 0; SIGTERM
// stops cleanly (waiting for a drain under way) and exits 0. Start-up: the HTTP endpoints and the pod
// watchers first, then a wait for the admin interface's first answer (the startupProbe's condition), then the
// election and the work loop: a core whose ProxySQL does not answer yet never takes the Lease. An abort (the
// CLI's SIGTERM / SIGINT) at any point of start-up closes what was opened and resolves with no agent.
import type { AgentSettings } from '../config/sections/agent.js';
import type { Logger } from '../runtime/logger.js';
import { AdminSession } from './admin-session.js';
import { AgentHttp } from './agent-http.js';
import type { ProbeAnswer } from './agent-http.js';
import { AgentRuntime } from './agent-runtime.js';
import { drain } from './drain.js';
import { KubeLeaseStore, kubeClients, loadKubeConfig } from './kube-client.js';
import { LeaseElector } from './lease-election.js';
import { PodWatcher, servingPods } from './pod-watcher.js';

/** /healthz/live answers 200 without a new admin call when one answered less than this ago */
export const LIVE_RECENT_MS = 5000;

export interface RunningAgent {
  readonly httpPort: number;
  /** resolves with the exit status once the agent has stopped */
  readonly done: Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** false: /shutdown drains but does not stop the agent (tests) */
  exitOnShutdown?: boolean;
  /** aborted: stop (during start-up: give start-up up, close what it opened, resolve undefined) */
  signal?: AbortSignal;
}

/** The running agent, or undefined when `o.signal` aborted start-up (everything it opened is closed by then). */
export async function startAgent(s: AgentSettings, log: Logger, o: StartOptions = {}): Promise<RunningAgent | undefined> {
  if (o.signal?.aborted) return undefined;
  const admin = new AdminSession({ host: s.adminHost, port: s.adminPort, user: s.adminUser, password: s.adminPassword, callTimeoutMs: s.callTimeoutMs, connectTimeoutMs: Math.min(2000, s.callTimeoutMs) });
  const k = kubeClients(loadKubeConfig({ kubeconfig: s.kubeconfig }), s.kubeRequestTimeoutMs);
  const ref: { rt?: AgentRuntime } = {};
  const poke = (): void => ref.rt?.poke();
  const onKubeError = (err: Error): void => log.warn({ err: err.message, code: (err as { code?: string }).code }, 'Kubernetes API');
  const cores = new PodWatcher({ clients: k, namespace: s.namespace, labelSelector: s.coreSelector, watchTimeoutSeconds: s.watchTimeoutSeconds, onChange: poke, onError: onKubeError });
  const satellites = s.mode === 'core'
    ? new PodWatcher({ clients: k, namespace: s.namespace, labelSelector: s.satelliteSelector, watchTimeoutSeconds: s.watchTimeoutSeconds, onChange: poke, onError: onKubeError })
    : undefined;
  const elector = s.mode === 'core'
    ? new LeaseElector({
      store: new KubeLeaseStore(k, s.namespace, s.leaseName), identity: s.podName,
      leaseDurationSeconds: s.leaseDurationSeconds, renewDeadlineMs: s.renewDeadlineMs, retryPeriodMs: s.retryPeriodMs,
      onChange: (leader, holder) => { log.info({ leader, holder, lease: `${s.namespace}/${s.leaseName}` }, leader ? 'this core leads: it keeps proxysql_servers' : 'this core stands by'); poke(); },
      onError: onKubeError,
    })
    : undefined;
  const rt = new AgentRuntime({ mode: s.mode, admin, cores, ...(satellites && { satellites }), ...(elector && { elector }), adminPort: s.adminPort, podName: s.podName, intervalMs: s.intervalMs, coreStaleMs: s.coreStaleMs, resyncAfterMs: s.resyncAfterMs, log });
  // ref.rt is set once start-up is over: pod changes before that do not run the work loop

  let draining: Promise<ProbeAnswer> | undefined;
  let stopping: Promise<void> | undefined;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });
  let wake!: () => void;
  const stopAsked = new Promise<void>((r) => { wake = r; });
  const probeMs = Math.min(1000, s.callTimeoutMs);
  const answer = async (sql: string): Promise<ProbeAnswer> => {
    await admin.query(sql, probeMs);
    return { ok: true, detail: 'ok' };
  };

  const http = await AgentHttp.listen(s.httpHost, s.httpPort, {
    started: async () => (admin.state.lastOkAt > 0 ? { ok: true, detail: 'admin answered' } : answer('SELECT 1')),
    // any admin call that answered lately (the drain's own, a tick's) proves the admin alive: no wait in line
    // behind a long drain call, so a kubelet never restarts a pod in the middle of its preStop drain
    live: async () => {
      const ago = Date.now() - admin.state.lastOkAt;
      return ago < LIVE_RECENT_MS ? { ok: true, detail: `admin answered ${ago} ms ago` } : answer('SELECT 1');
    },
    ready: async () => {
      if (draining) return { ok: false, detail: 'draining' };
      if (!s.readyNeedsOnlineServer) return answer('SELECT 1');
      const rows = await admin.query("SELECT COUNT(*) AS n FROM runtime_mysql_servers WHERE status = 'ONLINE'", probeMs);
      const n = Number(rows[0]?.n ?? 0);
      return { ok: n > 0, detail: n > 0 ? `${n} ONLINE servers` : 'no ONLINE server in runtime_mysql_servers' };
    },
    shutdown: () => {
      draining ??= (async () => {
        log.info({ shutdownDelaySeconds: s.shutdownDelaySeconds }, 'preStop: draining');
        await rt.stop();
        await elector?.stop(true);
        const r = await drain(admin, s.shutdownDelaySeconds);
        log.info({ clientsLeft: r.clientsLeft, waitedMs: r.waitedMs, ...(r.errors.length > 0 && { errors: r.errors }) }, r.clientsLeft === 0 ? 'drained: no client connected' : 'drain time is up');
        return { ok: true, detail: `drained: ${r.clientsLeft} clients left after ${r.waitedMs} ms` };
      })();
      return draining;
    },
    resync: async () => {
      rt.forceResync();
      return { ok: true, detail: 'resync requested' };
    },
    status: async () => status(s, admin, rt, cores, elector),
  });
  http.onShutdownAnswered = () => { if (o.exitOnShutdown !== false) void stop(); };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      wake();
      if (draining) await draining;
      await rt.stop();
      cores.stop();
      satellites?.stop();
      await elector?.stop(true);
      await http.close();
      await admin.close();
      log.info({}, 'agent stopped');
      resolveDone(0);
    })();
    return stopping;
  };

  o.signal?.addEventListener('abort', () => { void stop(); }, { once: true });
  if (o.signal?.aborted) void stop();
  if (!stopping) {
    cores.start();
    satellites?.start();
  }
  if (!(await firstAnswer(admin, s.callTimeoutMs, Math.min(1000, s.intervalMs), () => stopping !== undefined, stopAsked, log))) {
    await stopping;
    log.info({ mode: s.mode, pod: s.podName }, 'agent stopped during start-up');
    return undefined;
  }
  ref.rt = rt;
  elector?.start();
  rt.start();
  log.info({ mode: s.mode, pod: s.podName, namespace: s.namespace, admin: admin.address, http: `${s.httpHost}:${http.port}` }, 'agent started');
  return { httpPort: http.port, done, stop };
}

/** Start-up's wait: true once the admin interface has answered, false when the agent is stopped first. */
async function firstAnswer(admin: AdminSession, callMs: number, retryMs: number, stopped: () => boolean, stopAsked: Promise<void>, log: Logger): Promise<boolean> {
  let told = false;
  while (!stopped()) {
    try {
      await admin.query('SELECT 1', callMs);
      return true;
    } catch (err) {
      // a probe's own call may have answered meanwhile
      if (admin.state.lastOkAt > 0) return true;
      if (!told && !stopped()) log.info({ admin: admin.address, err: (err as Error).message }, 'start-up: waiting for the ProxySQL admin interface');
      told = true;
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([stopAsked, new Promise<void>((r) => { timer = setTimeout(r, retryMs); })]);
    clearTimeout(timer);
  }
  return false;
}

async function status(s: AgentSettings, admin: AdminSession, rt: AgentRuntime, cores: PodWatcher, elector: LeaseElector | undefined): Promise<unknown> {
  let checksums: unknown[] | string = [];
  try {
    checksums = await admin.query('SELECT hostname, port, name, version, epoch, checksum, diff_check FROM stats_proxysql_servers_checksums ORDER BY name, hostname, port', Math.min(1000, s.callTimeoutMs));
  } catch (err) {
    checksums = (err as Error).message;
  }
  return {
    mode: s.mode,
    pod: s.podName,
    admin: { address: admin.address, ...admin.state },
    leader: elector ? { leading: elector.leader, holder: elector.holder ?? null, ...elector.counts } : null,
    acting: rt.acting,
    coresSeen: servingPods(cores.pods.values()).map((p) => ({ name: p.name, ip: p.ip })),
    podListSynced: cores.synced,
    lastReload: rt.lastReload ?? null,
    counts: rt.counts,
    lastError: rt.lastError ?? null,
    checksums,
  };
}
