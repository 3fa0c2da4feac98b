// [orchestrator] in scheduler mode (proxy-oc-tool's drop-in): one Orchestrator poll per run, bounded by what the
// run's deadline leaves, on top of the observation the previous run saved (the memo file). The memo carries what a
// long-lived source keeps in memory: since when the warden watches, when a leader last answered with the downtimed
// list (the grace period counts from there, across runs), and the leader's last word on the instances (still in
// force while no leader answers).
import fs from 'node:fs';
import type { SchedulerOrchestratorSettings } from '../config/pxc-scheduler-config.js';
import { Secret } from '../config/secret.js';
import type { InstanceKey, OrchestratorInstance, OrchestratorObservation } from '../model/orchestrator.js';
import { OrchestratorClient, initialObservation } from '../observe/orchestrator/orchestrator-client.js';

export interface SchedulerPollOptions {
  settings: SchedulerOrchestratorSettings;
  /** the nodes the run routes to (looked up one by one when the cluster list does not name them) */
  watch: readonly InstanceKey[];
  /** the previous run's observation */
  memoFile: string;
  /** the poll ends by this many ms from now, whatever Orchestrator does */
  budgetMs: number;
  now: () => number;
  warn: (msg: string) => void;
  /** replaceable for tests */
  client?: OrchestratorClient;
}

const isKey = (v: unknown): v is InstanceKey => typeof v === 'object' && v !== null && typeof (v as InstanceKey).host === 'string' && Number.isInteger((v as InstanceKey).port);

function isInstance(v: unknown): v is OrchestratorInstance {
  if (!isKey(v)) return false;
  const i = v as unknown as Record<string, unknown>;
  return typeof i.downtimed === 'boolean' && typeof i.downtimeReason === 'string' && typeof i.downtimeEnd === 'string' && typeof i.readOnly === 'boolean'
    && typeof i.lastCheckValid === 'boolean' && (i.master === null || isKey(i.master)) && (i.lagSeconds === null || typeof i.lagSeconds === 'number') && typeof i.clusterName === 'string';
}

/** The saved observation, or undefined when it is missing or not one (the caller starts a fresh watch). */
export function parseOrchestratorMemo(text: string | undefined): OrchestratorObservation | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  const ok = num(o.at) && num(o.watchingSince) && (o.leader === null || typeof o.leader === 'string') && (o.leaderSeenAt === null || num(o.leaderSeenAt))
    && (o.master === null || isKey(o.master)) && Array.isArray(o.instances) && o.instances.every(isInstance) && Array.isArray(o.problems);
  return ok ? (v as OrchestratorObservation) : undefined;
}

/** The observation a run starts from: the memo's, or a fresh watch that starts now. */
export function previousObservation(memoFile: string, now: number, warn: (msg: string) => void): OrchestratorObservation {
  let text: string | undefined;
  try {
    text = fs.readFileSync(memoFile, 'utf8');
  } catch {
    return initialObservation(now);
  }
  const memo = parseOrchestratorMemo(text);
  if (memo === undefined) {
    warn(`${memoFile}: not a saved Orchestrator observation: ignored (the grace period starts now)`);
    return initialObservation(now);
  }
  // a clock set back must not make the grace period longer than configured
  return { ...memo, watchingSince: Math.min(memo.watchingSince, now), ...(memo.leaderSeenAt !== null ? { leaderSeenAt: Math.min(memo.leaderSeenAt, now) } : {}) };
}

function readPem(file: string | undefined): string | undefined {
  return file === undefined ? undefined : fs.readFileSync(file, 'utf8');
}

export function schedulerOrchestratorClient(s: SchedulerOrchestratorSettings, watch: readonly InstanceKey[], timeoutMs: number): OrchestratorClient {
  const key = readPem(s.tls.key);
  const ca = readPem(s.tls.ca);
  const cert = readPem(s.tls.cert);
  return new OrchestratorClient({
    urls: s.urls, clusterHint: s.clusterHint, watch, timeoutMs,
    ...(s.auth ? { auth: { user: s.auth.user, password: new Secret(s.auth.password) } } : {}),
    tls: {
      verifyCertificate: s.tls.verifyCertificate,
      ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert } : {}), ...(key !== undefined ? { key: new Secret(key) } : {}),
      ...(s.tls.serverName !== undefined ? { serverName: s.tls.serverName } : {}),
    },
  });
}

/**
 * One poll within budgetMs. A client call waits at most a third of the budget (a poll is up to three rounds of
 * calls: leader-check, the leader's lists, the instances they miss); a poll that still has not ended by the budget
 * counts as a poll in which no leader answered. Never throws.
 */
export async function pollWithin(o: SchedulerPollOptions): Promise<OrchestratorObservation> {
  const previous = previousObservation(o.memoFile, o.now(), o.warn);
  const timeoutMs = Math.max(50, Math.min(o.settings.timeoutMs, Math.floor(o.budgetMs / 3)));
  const gaveUp = (message: string): OrchestratorObservation => ({
    ...previous, at: o.now(), leader: null,
    problems: [{ code: 'ORCH_NO_LEADER', message }],
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const client = o.client ?? schedulerOrchestratorClient(o.settings, o.watch, timeoutMs);
    const late = new Promise<OrchestratorObservation>((resolve) => {
      timer = setTimeout(() => resolve(gaveUp(`the Orchestrator poll did not end within the ${Math.max(0, o.budgetMs)} ms the run's deadline left (${o.settings.urls.join(', ')})`)), Math.max(1, o.budgetMs));
    });
    return await Promise.race([client.poll(previous, o.now), late]);
  } catch (err) {
    return gaveUp(`the Orchestrator poll failed: ${(err as Error).message}`);
  } finally {
    clearTimeout(timer);
  }
}

/** Saves the observation for the next run (atomically; failures are warnings: the next run starts a fresh watch). */
export function saveObservation(memoFile: string, obs: OrchestratorObservation, warn: (msg: string) => void): void {
  try {
    const tmp = `${memoFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(obs), { mode: 0o600 });
    fs.renameSync(tmp, memoFile);
  } catch (err) {
    warn(`could not save the Orchestrator observation ${memoFile}: ${(err as Error).message}`);
  }
}
