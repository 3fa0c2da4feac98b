// One scheduler-mode run (ProxySQL's scheduler table starts it every interval_ms): lock file -> admin session
// -> [cluster lock] -> monitor credentials and topology from ProxySQL -> probe every node -> [read the shared
// writer record] -> decide (with the state of the previous run, or the record's writer) -> [record a change of
// writer by compare-and-set] -> apply -> save the state -> exit. Every step runs under one deadline; a run
// that cannot finish in time ends with E_DEADLINE and changes nothing it has not verified. With [coordination]
// the run uses the store exactly as the daemon's loop does (scheduler-coordination.ts): it fails closed
// (COORDINATION_UNAVAILABLE) and applies the record's maintenance marks and traffic switch.
import fs from 'node:fs';
import path from 'node:path';
import { ProxySqlAdapter } from '../apply/proxysql/adapter.js';
import type { AdminClient, AdminClientOptions } from '../apply/proxysql/admin-client.js';
import { AdminClient as Admin, ProxySqlError } from '../apply/proxysql/admin-client.js';
import { hostgroups } from '../apply/proxysql/servers.js';
import type { PxcSchedulerSettings } from '../config/pxc-scheduler-config.js';
import { Secret } from '../config/secret.js';
import { decide } from '../decide/decide.js';
import { trafficOffFinding, trafficOffReason, trafficOffRouting } from '../decide/traffic-off.js';
import type { DecideResult, DecideState, DesiredRouting, Finding } from '../model/decision.js';
import type { DecideNode } from '../model/decide-config.js';
import type { ApplyOutcome } from '../model/tick.js';
import { probeCluster } from '../observe/probe-cluster.js';
import type { ProbeOptions } from '../observe/probe-options.js';
import { StateFile } from './state-file.js';
import { LockFile } from '../coordinate/lock-file.js';
import { adoptedState, parseProbeMemo, skipSlowProbes } from '../coordinate/cold-start.js';
import { acquireClusterLock } from '../coordinate/proxysql-cluster-lock.js';
import { COORDINATION_CONFLICT, COORDINATION_UNAVAILABLE } from '../coordinate/writer-coordinator.js';
import type { RunCoordination, StoreParams } from './scheduler-coordination.js';
import { openRunCoordination } from './scheduler-coordination.js';
import type { WriterStore } from '../coordinate/writer-store.js';
import type { OrchestratorObservation } from '../model/orchestrator.js';
import type { OrchestratorClient } from '../observe/orchestrator/orchestrator-client.js';
import { monotonicMs } from '../model/monotonic.js';

export interface SchedulerRunOptions {
  settings: PxcSchedulerSettings;
  /** the run ends by this many ms after it started */
  deadlineMs: number;
  log: (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
  now?: () => number;
  /** epoch ms the deadline counts from (the process start); default: now */
  startedAt?: number;
  /** [coordination]: the store to use instead of the Galera table (tests) */
  openStore?: (p: StoreParams) => WriterStore;
  /** [orchestrator]: the client to use instead of one built from the settings (tests) */
  orchestratorClient?: OrchestratorClient;
}

export type SchedulerRunStatus = 'applied' | 'unchanged' | 'locked' | 'not-cluster-holder' | 'failed';

export interface SchedulerRunResult {
  status: SchedulerRunStatus;
  /** 0 on success or when another run holds the lock; 1 on failure */
  exitCode: number;
  durationMs: number;
  message: string;
  decision?: DecideResult;
  /** what was applied: the decision's routing, or nothing at all while traffic is switched off */
  routed?: DesiredRouting;
  /** coordination and traffic findings of this run */
  findings?: Finding[];
  applied?: ApplyOutcome;
  error?: { code: string; message: string };
  /** ms spent per step (pxcScheduler's `performance`), in order */
  steps: Record<string, number>;
  /** [orchestrator]: what this run's poll observed (also saved for the next run) */
  orchestrator?: OrchestratorObservation;
}

/** `${clusterId}_${hgW}_${hgR}`: names the lock file, the state file and the cluster lock. */
export const runKey = (s: PxcSchedulerSettings): string => `${s.cluster.id}_${s.cluster.hgW}_${s.cluster.hgR}`;

export function lockFilePath(s: PxcSchedulerSettings): string {
  return path.join(s.run.lockDir, `galera-warden_${runKey(s)}.pid`);
}

export function stateFilePath(s: PxcSchedulerSettings): string {
  return path.join(s.run.lockDir, `galera-warden_${runKey(s)}.state.json`);
}

/** The previous run's probes (for pxcScheduler's skip of a node slower than checkTimeOut). */
export function probeMemoPath(s: PxcSchedulerSettings): string {
  return path.join(s.run.lockDir, `galera-warden_${runKey(s)}.probes.json`);
}

/** [orchestrator]: the last poll's observation, for the next run (the grace period and the downtimes live on). */
export function orchestratorMemoPath(s: PxcSchedulerSettings): string {
  return path.join(s.run.lockDir, `galera-warden_${runKey(s)}.orchestrator.json`);
}

/** What the run knows of the shared writer record, for the next run ([coordination] only). */
export function recordMemoPath(s: PxcSchedulerSettings): string {
  return path.join(s.run.lockDir, `galera-warden_${runKey(s)}.record.json`);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

/** decision findings a run with [orchestrator] logs: the downtimes, the lost leader, the fence, the poll's problems */
const ORCHESTRATOR_FINDINGS = new Set(['DOWNTIMED', 'EXTERNAL_FENCE', 'ORCHESTRATOR_LEADER_LOST', 'ORCHESTRATOR_PROBLEM']);

class DeadlineError extends Error {
  readonly code = 'E_DEADLINE';
}

export async function runScheduler(o: SchedulerRunOptions): Promise<SchedulerRunResult> {
  const now = o.now ?? Date.now;
  const started = now();
  // counted from the process start when given: Node's own start-up is part of the run's time
  const deadline = Math.min(started, o.startedAt ?? started) + o.deadlineMs;
  const s = o.settings;
  const steps: Record<string, number> = {};
  let mark = monotonicMs();
  const timed = (name: string) => {
    const t = monotonicMs();
    steps[name] = Math.round((t - mark) * 10) / 10;
    mark = t;
  };
  const done = (r: Omit<SchedulerRunResult, 'durationMs' | 'steps'>): SchedulerRunResult => ({ ...r, durationMs: now() - started, steps });
  const attempt = LockFile.acquire(lockFilePath(s), s.run.lockFileTimeoutMs, started);
  if (!attempt.acquired) {
    return done({ status: 'locked', exitCode: 0, message: `another run (pid ${attempt.holder.pid} on ${attempt.holder.host}) holds ${lockFilePath(s)}: exiting` });
  }
  if (attempt.tookOver) o.log('warn', `took over a stale lock file ${lockFilePath(s)} (pid ${attempt.tookOver.pid})`);
  const admin: AdminClientOptions = {
    host: s.proxysql.host, port: s.proxysql.port, user: s.proxysql.user, password: new Secret(s.proxysql.password),
    // inner steps stop a little before the run's own deadline, so that their precise error is the one reported
    connectTimeoutMs: 2000, queryTimeoutMs: 2000, deadline: deadline - Math.min(200, o.deadlineMs / 10),
  };
  const where = `ProxySQL admin ${s.proxysql.host}:${s.proxysql.port}`;
  let step = `connecting to ${where}`;
  let client: AdminClient | undefined;
  let coordination: RunCoordination | undefined;
  // a hard stop: whatever hangs, the run returns by its deadline
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(`scheduler run did not finish within its deadline of ${o.deadlineMs} ms (while ${step})`)), Math.max(1, deadline - now()));
  });
  try {
    return await Promise.race([expired, (async (): Promise<SchedulerRunResult> => {
      client = await Admin.connect(admin);
      timed('connect');
      step = `taking the cluster lock via ${where}`;
      if (s.proxysql.clustered) {
        const lock = await acquireClusterLock({
          local: client, self: { host: s.proxysql.host, port: s.proxysql.port }, key: runKey(s), timeoutMs: s.run.lockClusterTimeoutMs,
          connectPeer: (p) => Admin.connect({ ...admin, ...p, connectTimeoutMs: 1000, queryTimeoutMs: 1000 }),
          log: (m) => o.log('warn', m), now,
        });
        if (!lock.acquired) return done({ status: 'not-cluster-holder', exitCode: 0, message: lock.reason });
        timed('clusterLock');
      }
      step = `reading monitor credentials and hostgroups from ${where}`;
      const vars = await client.query("SELECT variable_name, variable_value FROM runtime_global_variables WHERE variable_name IN ('mysql-monitor_username','mysql-monitor_password')");
      const v = Object.fromEntries(vars.map((r) => [r.variable_name ?? '', r.variable_value ?? '']));
      const session = client;
      const groups = hostgroups(s.cluster.hgW, s.cluster.hgR, s.cluster.bckHgW, s.cluster.bckHgR);
      const adapterFor = (known?: readonly DecideNode[]) => new ProxySqlAdapter({
        admin, groups,
        saveToDisk: s.proxysql.saveToDisk, applyTimeoutMs: Math.max(1, deadline - now()), keepAlive: true,
        connect: async () => session, warn: (m) => o.log('warn', m),
        ...(known ? { nodes: known } : {}),
      });
      const nodes = await adapterFor().readTopology();
      timed('topology');
      if (nodes.length === 0) throw new ProxySqlError('E_PROXYSQL_VERIFY', `ProxySQL ${session.address}: no server in hostgroups ${s.cluster.bckHgW}/${s.cluster.bckHgR}: add the 8000+HG configuration rows (galera-warden proxysql install)`);
      const twice = nodes.filter((n, k) => nodes.findIndex((m) => m.name === n.name) !== k);
      if (twice.length > 0) throw new ProxySqlError('E_PROXYSQL_VERIFY', `ProxySQL ${session.address}: the comments of hostgroups ${s.cluster.bckHgW}/${s.cluster.bckHgR} give the name ${twice.map((n) => `"${n.name}"`).join(', ')} to more than one server: each node needs its own name`);
      // the nodes by name (the comments' names, or host:port), for what ProxySQL routes by (cold start, adoption)
      const adapter = adapterFor(nodes);
      const probe: ProbeOptions = {
        user: v['mysql-monitor_username'] ?? 'monitor',
        password: new Secret(v['mysql-monitor_password'] ?? ''),
        timeoutMs: Math.max(1, Math.min(s.probe.timeoutMs, deadline - now() - 500)),
        connectTimeoutMs: Math.max(1, Math.min(s.probe.timeoutMs, deadline - now() - 500)),
        ...(s.probe.tls ? { tls: { ...readTls(s.probe.tls), verifyCertificate: true, verifyIdentity: false } } : {}),
        ...(s.decide.topology === 'replication' ? { replication: true } : {}),
      };
      // [orchestrator]: one poll beside the probes, ended by the same budget as they are
      const orc = s.orchestrator;
      let orchestrator: OrchestratorObservation | undefined;
      const polled = orc === undefined ? undefined : (async () => {
        const { pollWithin, saveObservation } = await import('./scheduler-orchestrator.js');
        const obs = await pollWithin({
          settings: orc, watch: nodes.map((n) => ({ host: n.host, port: n.port })), memoFile: orchestratorMemoPath(s),
          budgetMs: Math.max(1, deadline - now() - 500), now, warn: (m) => o.log('warn', m),
          ...(o.orchestratorClient ? { client: o.orchestratorClient } : {}),
        });
        saveObservation(orchestratorMemoPath(s), obs, (m) => o.log('warn', m));
        orchestrator = obs;
      })();
      step = `probing ${nodes.map((n) => n.name).join(', ')}${orc ? ` and polling Orchestrator (${orc.urls.join(', ')})` : ''}`;
      // the apply's reads of ProxySQL's own monitors go over the admin session while the probes run
      adapter.prefetchMonitorCheck();
      const [probed] = await Promise.all([probeCluster(nodes, probe), polled]);
      if (orchestrator) {
        timed('orchestrator');
        const obs: OrchestratorObservation = orchestrator;
        o.log(obs.leader === null || obs.problems.length > 0 ? 'warn' : 'debug', obs.leader === null ? `orchestrator: ${obs.problems[0]?.message ?? 'no leader'}` : `orchestrator: leader ${obs.leader}${obs.problems.length > 0 ? `; ${obs.problems.map((p) => p.message).join('; ')}` : ''}`, { leader: obs.leader });
      }
      const skip = skipSlowProbes(probed, parseProbeMemo(readText(probeMemoPath(s))), s.decide.maxObservationAgeMs);
      for (const n of skip.skipped) o.log('warn', `${n}: probe slower than checkTimeOut (${probe.timeoutMs} ms): node skipped for this run, judged on the previous run's observation`, { node: n });
      const observation = skip.observation;
      timed('probe');
      if (s.coordination.store !== 'none') {
        // the store's operations (a read, at most two compare-and-sets and a re-read) must fit in the time left
        const timeoutMs = Math.max(50, Math.min(s.coordination.timeoutMs, Math.floor((deadline - now() - 300) / 3)));
        coordination = openRunCoordination({
          settings: s, nodes, timeoutMs, memoFile: recordMemoPath(s), runKey: runKey(s), log: o.log,
          session: { user: probe.user, password: probe.password.reveal(), connectTimeoutMs: Math.min(probe.connectTimeoutMs, timeoutMs), ...(probe.tls ? { tls: probe.tls } : {}) },
          ...(o.openStore ? { openStore: o.openStore } : {}),
        });
        step = `reading the coordination record (${s.coordination.cluster})`;
        await coordination.coordinator.sync(now());
        timed('record');
      }
      const coord = coordination?.coordinator;
      const state = new StateFile(stateFilePath(s), (m) => o.log('warn', m));
      let previous: DecideState | null = state.load();
      // the shared record names the writer: a run without a state file follows it, not ProxySQL
      if (previous === null && !coord?.hasRecord()) {
        // cold start: adopt what ProxySQL routes by instead of electing by weight
        const current = await adapter.snapshot();
        previous = adoptedState(current, nodes.map((n) => n.name), now(), s.decide.singlePrimary ? 1 : Math.max(1, s.decide.maxNumWriters));
        if (previous) o.log('info', `no state file ${stateFilePath(s)}: cold start adopting the writer ONLINE in hostgroup ${s.cluster.hgW} (${current.writers.join(', ') || 'none'}) while it is eligible; parked: ${current.parked.join(', ') || 'none'}`);
      }
      const at = now();
      if (coord) previous = coord.seed(previous);
      const orchestratorInput = orchestrator && orc ? { orchestrator: { observation: orchestrator, config: { graceMs: orc.graceMs } } } : {};
      const decideFrom = (p: DecideState | null) => decide({ observation, previous: p, config: { ...s.decide, nodes }, now: at, ...(coord ? { external: coord.external({}) } : {}), ...orchestratorInput });
      let decision = decideFrom(previous);
      const findings: Finding[] = [];
      if (coord) {
        step = `recording the writer in the coordination record (${s.coordination.cluster})`;
        const settled = await coord.settle(decision, previous, at, decideFrom);
        decision = settled.result;
        findings.push(...settled.findings);
      }
      const traffic = coord?.traffic();
      const off = traffic && !traffic.trafficEnabled ? trafficOffReason(traffic, 'record') : undefined;
      // Orchestrator's verdicts, said every run (a scheduler run has no memory of what it said before)
      if (orchestrator) findings.push(...decision.findings.filter((f) => ORCHESTRATOR_FINDINGS.has(f.code)));
      if (off !== undefined) findings.push(trafficOffFinding(off));
      const routed = off === undefined ? decision.desired : trafficOffRouting(decision.desired, off);
      timed('decide');
      for (const c of decision.changes) o.log('info', c.message, { node: c.node, pool: c.pool, reasons: c.reasons });
      for (const f of findings) o.log(f.severity === 'critical' || f.severity === 'error' ? 'error' : 'warn', f.message, { code: f.code });
      step = `applying to ${where}`;
      const applied = await adapter.apply(routed);
      timed('apply');
      // saved whatever the apply's outcome, as the daemon does: the hysteresis and the sticky writer must not
      // depend on whether ProxySQL took the change (an apply that failed is retried by the next run)
      try {
        state.save(decision.next);
        writeAtomic(probeMemoPath(s), JSON.stringify(skip.memo));
      } catch (err) {
        o.log('error', `could not save the decision state ${stateFilePath(s)}: ${(err as Error).message}`);
      }
      coordination?.save();
      const extra = { decision, routed, findings, applied, ...(orchestrator ? { orchestrator } : {}) };
      if (!applied.ok) {
        return done({ status: 'failed', exitCode: 1, message: applied.error?.message ?? 'apply failed', ...extra, ...(applied.error ? { error: applied.error } : {}) });
      }
      // fail closed: what was applied routes no writer because the store did not answer; the run says so (exit 1)
      const closed = findings.find((f) => (f.code === COORDINATION_UNAVAILABLE || f.code === COORDINATION_CONFLICT) && routed.writers.length === 0);
      if (closed) return done({ status: applied.changed ? 'applied' : 'unchanged', exitCode: 1, message: closed.message, ...extra, error: { code: closed.code, message: closed.message } });
      // fail closed: no Orchestrator leader past the grace period; every node is out, the run says why (exit 1)
      const fenced = findings.find((f) => f.code === 'EXTERNAL_FENCE' && f.scope === 'cluster');
      if (fenced) return done({ status: applied.changed ? 'applied' : 'unchanged', exitCode: 1, message: fenced.message, ...extra, error: { code: fenced.code, message: fenced.message } });
      return done({
        status: applied.changed ? 'applied' : 'unchanged', exitCode: 0, ...extra,
        message: applied.changed ? applied.actions.join('; ') : `no change (writers ${routed.writers.join(', ') || 'none'}${off !== undefined ? `; ${off}` : ''})`,
      });
    })()]);
  } catch (err) {
    const code = (err as { code?: string }).code ?? 'E_SCHEDULER';
    return done({ status: 'failed', exitCode: 1, message: (err as Error).message, error: { code, message: (err as Error).message } });
  } finally {
    clearTimeout(timer);
    client?.destroy();
    coordination?.store.destroy();
    attempt.lock.release();
  }
}

function readTls(t: { ca?: string; cert?: string; key?: string }): { ca?: string; cert?: string; key?: Secret<string> } {
  return {
    ...(t.ca ? { ca: fs.readFileSync(t.ca, 'utf8') } : {}),
    ...(t.cert ? { cert: fs.readFileSync(t.cert, 'utf8') } : {}),
    ...(t.key ? { key: new Secret(fs.readFileSync(t.key, 'utf8')) } : {}),
  };
}
