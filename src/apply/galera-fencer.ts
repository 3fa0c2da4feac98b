// The fencing executor: carries out a FencingPlan on the survivors. Evicts with
// SET GLOBAL wsrep_provider_options='evs.evict=<uuid>' (idempotent: a second eviction of the same id, by this
// instance or another, changes nothing), after a causal read on a survivor has confirmed that the group lost
// the node too (unresponsive mode); clears stale evict lists with 'evs.evict='; runs the restart hook in the
// background. Every statement runs under a hard deadline, on a fresh connection or (with [probe] reuseConnection)
// on the probe's kept session of that node; execute() never throws.
// Needs SUPER or SYSTEM_VARIABLES_ADMIN (MariaDB 10.5+: also CONNECTION ADMIN is not needed) for SET GLOBAL.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { FencingConfig, FencingOutcome, FencingPlan } from '../model/fencing.js';
import type { NodeSpec } from '../model/node.js';
import { Deadline, DeadlineExceeded } from '../observe/deadline.js';
import { MysqlSession, probeSessionOptions } from '../observe/mysql-session.js';
import type { ProbeOptions } from '../observe/probe-options.js';

/** A gcomm uuid, and nothing else: it is spliced into a SET statement. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const OUTPUT_LIMIT = 300;

export type FencerLog = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

export interface FencerOptions {
  nodes: readonly Readonly<NodeSpec>[];
  /** credentials, TLS and connect timeout as the probes use them */
  probe: ProbeOptions;
  config: FencingConfig;
  log?: FencerLog;
  /** injected for tests: runs one statement on a node under a deadline */
  run?: (node: Readonly<NodeSpec>, statements: string[], timeoutMs: number) => Promise<void>;
  /**
   * [probe] reuseConnection: the probe's kept, logged-in session to `node`, lent for one statement run (undefined:
   * none usable); `release(keep)` hands it back (false: it failed, drop it). Saves the connect and login on the
   * critical path of an eviction; a failure on it is retried once on a fresh session within the same deadline.
   */
  kept?: (node: Readonly<NodeSpec>) => KeptSession | undefined;
  /** injected for tests: the causal read; resolves 'answered' or 'stalled', rejects when the survivor cannot be reached */
  groupCheck?: (node: Readonly<NodeSpec>, stallAfterMs: number, connectTimeoutMs: number) => Promise<'answered' | 'stalled'>;
}

/** A logged-in session lent by its owner (the probe of the same node). */
export interface KeptSession {
  session: Pick<MysqlSession, 'query' | 'destroy'>;
  release(keep: boolean): void;
}

interface RunningHook {
  node: string;
  uuid: string;
  started: number;
  child: ChildProcess;
  output: string;
}

/** The variables a restart hook inherits from the warden; nothing else (never a password variable). */
const HOOK_INHERITED = ['PATH', 'HOME', 'LANG'] as const;

/** The restart hook's whole environment: PATH, HOME and LANG as the warden has them, and the node's placeholders. */
export function hookEnv(source: NodeJS.ProcessEnv, node: Readonly<NodeSpec>, uuid: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of HOOK_INHERITED) {
    const v = source[k];
    if (v !== undefined) env[k] = v;
  }
  return { ...env, GW_NODE: node.name, GW_HOST: node.host, GW_PORT: String(node.port), GW_UUID: uuid };
}

const errText = (err: unknown): string => (err instanceof DeadlineExceeded ? `no answer within ${err.ms} ms` : err instanceof Error ? err.message : String(err));

export class GaleraFencer {
  readonly #o: FencerOptions;
  readonly #hooks = new Set<RunningHook>();
  #finished: FencingOutcome['restartsFinished'] = [];

  constructor(options: FencerOptions) {
    this.#o = options;
  }

  /**
   * Runs statements in order on one session to `node`: the probe's kept one when lent (kept), else or after it
   * failed a fresh one; rejects on error or after timeoutMs (one deadline for both).
   */
  async #run(node: Readonly<NodeSpec>, statements: string[], timeoutMs: number): Promise<void> {
    if (this.#o.run) return this.#o.run(node, statements, timeoutMs);
    let current: Pick<MysqlSession, 'destroy'> | undefined;
    const deadline = new Deadline(timeoutMs, () => current?.destroy('fencing statement deadline'));
    try {
      const kept = this.#o.kept?.(node);
      if (kept) {
        current = kept.session;
        try {
          for (const sql of statements) await deadline.race(kept.session.query(sql));
          kept.release(true);
          return;
        } catch (err) {
          kept.release(false);
          if (deadline.passed) throw err;
        }
      }
      await this.#runFresh(node, statements, timeoutMs, deadline, (s) => (current = s));
    } finally {
      deadline.clear();
    }
  }

  async #runFresh(node: Readonly<NodeSpec>, statements: string[], timeoutMs: number, deadline: Deadline, opened: (s: MysqlSession) => void): Promise<void> {
    const p = this.#o.probe;
    const session = new MysqlSession(node, probeSessionOptions(p, { connectTimeoutMs: timeoutMs }));
    opened(session);
    try {
      await deadline.race(session.ready);
      for (const sql of statements) await deadline.race(session.query(sql));
      session.close();
    } catch (err) {
      session.destroy();
      throw err;
    }
  }

  /**
   * A causal read on a survivor: it goes through the group's total order, so it stalls while a member of the
   * view does not answer the group and returns at once while every member does (measured on MariaDB 10.11 /
   * galera 26.4: ~1 ms normally; stalled from ~250 ms after a member's SIGSTOP). Logging in is bounded
   * separately, so that an unreachable survivor is an error, never taken for a stall.
   */
  async #groupCheck(node: Readonly<NodeSpec>, stallAfterMs: number, connectTimeoutMs: number): Promise<'answered' | 'stalled'> {
    if (this.#o.groupCheck) return this.#o.groupCheck(node, stallAfterMs, connectTimeoutMs);
    const p = this.#o.probe;
    const session = new MysqlSession(node, probeSessionOptions(p, { connectTimeoutMs }));
    const login = new Deadline(connectTimeoutMs, () => session.destroy('group check login deadline'));
    try {
      await login.race(session.ready);
      await login.race(session.query('SET SESSION wsrep_sync_wait=8'));
    } catch (err) {
      session.destroy();
      throw err;
    } finally {
      login.clear();
    }
    const read = new Deadline(stallAfterMs, () => session.destroy('group check stalled'));
    try {
      await read.race(session.query("SHOW GLOBAL STATUS LIKE 'wsrep_cluster_size'"));
      session.close();
      return 'answered';
    } catch (err) {
      session.destroy();
      if (err instanceof DeadlineExceeded || read.passed) return 'stalled';
      throw err;
    } finally {
      read.clear();
    }
  }

  get config(): FencingConfig {
    return this.#o.config;
  }

  #node(name: string): Readonly<NodeSpec> | undefined {
    return this.#o.nodes.find((n) => n.name === name);
  }

  /** Never throws: every failure is part of the outcome. */
  async execute(plan: FencingPlan): Promise<FencingOutcome> {
    const outcome: FencingOutcome = { cleared: [], restartsFinished: this.#takeFinished() };
    try {
      if (plan.evict) outcome.evict = await this.#evict(plan.evict);
      // lists are cleared only on ticks without an eviction: an eviction changes what is stale
      if (!plan.evict) outcome.cleared = await Promise.all(plan.clear.map((c) => this.#clear(c.node)));
      if (plan.restart) outcome.restart = this.#restart(plan.restart.node, plan.restart.uuid);
    } catch (err) {
      this.#o.log?.('error', 'fencing executor failed unexpectedly', { err: errText(err) });
    }
    return outcome;
  }

  async #evict(e: NonNullable<FencingPlan['evict']>): Promise<NonNullable<FencingOutcome['evict']>> {
    const started = performance.now();
    const base = { node: e.node, uuid: e.uuid, reason: e.reason };
    const elapsed = () => Math.round(performance.now() - started);
    if (!UUID.test(e.uuid)) return { ...base, done: false, durationMs: 0, error: `refusing to evict "${e.uuid}": not a gcomm uuid` };
    const cfg = this.#o.config;
    let groupStalled: boolean | undefined;
    let groupCheckMs: number | undefined;
    if (e.groupCheck) {
      const via = e.via[0] !== undefined ? this.#node(e.via[0]) : undefined;
      if (via === undefined) return { ...base, done: false, durationMs: elapsed(), error: 'no survivor to run the group check on' };
      const t = performance.now();
      try {
        groupStalled = (await this.#groupCheck(via, cfg.groupCheckTimeoutMs, cfg.actionTimeoutMs)) === 'stalled';
      } catch (err) {
        return { ...base, done: false, durationMs: elapsed(), error: `group check on ${via.name} failed: ${errText(err)}` };
      }
      groupCheckMs = Math.round(performance.now() - t);
      if (!groupStalled) return { ...base, done: false, groupStalled, groupCheckMs, durationMs: elapsed() };
    }
    const errors: string[] = [];
    for (const name of e.via) {
      const node = this.#node(name);
      if (node === undefined) continue;
      try {
        await this.#run(node, [`SET GLOBAL wsrep_provider_options='evs.evict=${e.uuid}'`], cfg.actionTimeoutMs);
        this.#o.log?.('warn', `evicted ${e.node} (${e.uuid}) through ${name}`, { node: e.node, uuid: e.uuid, via: name, reason: e.reason });
        return { ...base, done: true, via: name, ...(groupStalled !== undefined && { groupStalled, groupCheckMs }), durationMs: elapsed() };
      } catch (err) {
        errors.push(`${name}: ${errText(err)}`);
      }
    }
    return { ...base, done: false, ...(groupStalled !== undefined && { groupStalled, groupCheckMs }), durationMs: elapsed(), error: `no survivor took the eviction: ${errors.join('; ') || 'none configured'}` };
  }

  async #clear(name: string): Promise<{ node: string; ok: boolean; error?: string }> {
    const node = this.#node(name);
    if (node === undefined) return { node: name, ok: false, error: 'not configured' };
    try {
      await this.#run(node, ["SET GLOBAL wsrep_provider_options='evs.evict='"], this.#o.config.actionTimeoutMs);
      this.#o.log?.('info', `cleared the evict list of ${name}`, { node: name });
      return { node: name, ok: true };
    } catch (err) {
      return { node: name, ok: false, error: errText(err) };
    }
  }

  #restart(name: string, uuid: string): NonNullable<FencingOutcome['restart']> {
    const hook = this.#o.config.restartHook;
    const node = this.#node(name);
    if (!hook || hook.length === 0 || node === undefined) return { node: name, uuid, started: false, error: 'no restart hook configured' };
    if ([...this.#hooks].some((h) => h.node === name)) return { node: name, uuid, started: false, error: 'a restart of this node is already running' };
    const argv = hook.map((a) => a.replaceAll('{node}', name).replaceAll('{host}', node.host).replaceAll('{port}', String(node.port)).replaceAll('{uuid}', uuid));
    try {
      const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], env: hookEnv(process.env, node, uuid) });
      const h: RunningHook = { node: name, uuid, started: Date.now(), child, output: '' };
      this.#hooks.add(h);
      const keep = (d: Buffer) => {
        h.output = (h.output + String(d)).slice(-OUTPUT_LIMIT);
      };
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      const timer = setTimeout(() => child.kill('SIGKILL'), this.#o.config.restartTimeoutMs);
      timer.unref();
      const done = (exitCode: number | null) => {
        clearTimeout(timer);
        if (!this.#hooks.delete(h)) return;
        this.#finished.push({ node: name, uuid, ok: exitCode === 0, exitCode, durationMs: Date.now() - h.started, output: h.output.trim() });
        this.#o.log?.(exitCode === 0 ? 'info' : 'error', `restart hook for ${name} exited with ${exitCode ?? 'a signal'}`, { node: name, output: h.output.trim() });
      };
      child.once('error', (err) => {
        h.output = err.message;
        done(null);
      });
      child.once('exit', (code) => done(code));
      this.#o.log?.('warn', `restart hook started for ${name}`, { node: name, argv });
      return { node: name, uuid, started: true };
    } catch (err) {
      return { node: name, uuid, started: false, error: errText(err) };
    }
  }

  #takeFinished(): FencingOutcome['restartsFinished'] {
    const f = this.#finished;
    this.#finished = [];
    return f;
  }

  /** Restart hooks still running. */
  get running(): number {
    return this.#hooks.size;
  }

  /** Abrupt: kill running restart hooks. */
  destroy(): void {
    for (const h of this.#hooks) h.child.kill('SIGKILL');
  }
}
