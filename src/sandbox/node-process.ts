// One sandbox node's process: start, recover its Galera position, wait until Synced, signal, stop.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SandboxError } from '../model/errors.js';
import type { SandboxNode } from './layout.js';
import { nodePaths } from './layout.js';
import { run, sleep, sqlOverSocket } from './shell.js';

export type ProcState = 'running' | 'frozen' | 'stopped';

const pidFile = (n: SandboxNode) => path.join(n.dir, 'warden.pid');

/**
 * Whether a live process is this node's mariadbd (or the `ip netns exec` that becomes it), from its /proc entries.
 * An empty command line is a process in the middle of an exec (`ip netns exec` replacing itself by mariadbd: the
 * kernel has switched to the new program but not yet laid out its arguments), so the program it runs decides.
 * A pid reused by another program never counts.
 */
export function isNodeProcess(cmdline: string, exe: string | undefined, cnf: string): boolean {
  if (cmdline.includes(cnf)) return true;
  if (cmdline !== '' || exe === undefined) return false;
  const program = path.basename(exe.replace(/ \(deleted\)$/, ''));
  return program === 'mariadbd' || program === 'ip';
}

/** The node's pid when its mariadbd is alive (checked against /proc so that a reused pid never counts). */
export function livePid(node: SandboxNode): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile(node), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    let exe: string | undefined;
    if (cmdline === '') {
      try {
        exe = fs.readlinkSync(`/proc/${pid}/exe`);
      } catch {
        exe = undefined;
      }
    }
    if (!isNodeProcess(cmdline, exe, nodePaths(node).cnf)) return undefined;
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return undefined;
    return pid;
  } catch {
    return undefined;
  }
}

export function procState(node: SandboxNode): ProcState {
  const pid = livePid(node);
  if (pid === undefined) return 'stopped';
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'T' || state === 't' ? 'frozen' : 'running';
}

export function launch(node: SandboxNode, binDir: string, args: string[]): number {
  const p = nodePaths(node);
  const out = fs.openSync(p.stdout, 'a');
  const mysqld = ['mariadbd', `--defaults-file=${p.cnf}`, ...args];
  const [cmd, ...argv] = node.netns ? ['ip', 'netns', 'exec', node.netns, ...mysqld] : mysqld;
  const child = spawn(cmd!, argv, {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, PATH: `${binDir}:${process.env.PATH ?? '/usr/bin:/bin'}` },
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new SandboxError(`${node.name}: could not start mariadbd`);
  child.unref();
  // `ip netns exec` execs mariadbd in place, so the child's pid is mariadbd's in both modes.
  fs.writeFileSync(pidFile(node), `${child.pid}\n`);
  return child.pid;
}

/** Reads grastate.dat: the saved position and whether this node may bootstrap a new cluster. */
function grastate(node: SandboxNode): { uuid: string; seqno: number } | undefined {
  try {
    const text = fs.readFileSync(path.join(nodePaths(node).data, 'grastate.dat'), 'utf8');
    const uuid = /^uuid:\s*(\S+)/m.exec(text)?.[1];
    const seqno = Number(/^seqno:\s*(-?\d+)/m.exec(text)?.[1]);
    return uuid ? { uuid, seqno } : undefined;
  } catch {
    return undefined;
  }
}

function markSafeToBootstrap(node: SandboxNode): void {
  const file = path.join(nodePaths(node).data, 'grastate.dat');
  if (!fs.existsSync(file)) return;
  const text = fs.readFileSync(file, 'utf8').replace(/^safe_to_bootstrap:\s*\d/m, 'safe_to_bootstrap: 1');
  fs.writeFileSync(file, text);
}

/**
 * After an unclean stop grastate.dat holds seqno -1: ask InnoDB for the last committed position
 * (`--wsrep-recover`) so that the node rejoins by IST instead of a full SST.
 */
export async function recoverPosition(node: SandboxNode): Promise<string | undefined> {
  const state = grastate(node);
  if (!state) return undefined;
  if (state.seqno >= 0) return `${state.uuid}:${state.seqno}`;
  const p = nodePaths(node);
  fs.rmSync(p.recoverLog, { force: true });
  const prefix = node.netns ? ['ip', 'netns', 'exec', node.netns] : [];
  const argv = [...prefix, 'mariadbd', `--defaults-file=${p.cnf}`, '--wsrep-recover', `--log-error=${p.recoverLog}`];
  await run(argv[0]!, argv.slice(1), { timeoutMs: 60_000 });
  const log = fs.readFileSync(p.recoverLog, 'utf8');
  return /Recovered position:\s*(\S+:-?\d+)/.exec(log)?.[1];
}

export interface StartOptions {
  binDir: string;
  /** start a new cluster from this node (--wsrep-new-cluster) */
  bootstrap: boolean;
}

export async function startNode(node: SandboxNode, options: StartOptions): Promise<number> {
  if (livePid(node) !== undefined) throw new SandboxError(`${node.name} is already running`);
  const args: string[] = [];
  const position = await recoverPosition(node);
  if (position) args.push(`--wsrep-start-position=${position}`);
  if (options.bootstrap) {
    markSafeToBootstrap(node);
    args.push('--wsrep-new-cluster');
  }
  return launch(node, options.binDir, args);
}

function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** The node's process died before it was Synced (e.g. a start that raced the survivors' view change). */
export class NodeExitedWhileStarting extends SandboxError {
  /** `output`: the process's own stdout/stderr (where `ip netns exec` says why it could not run mariadbd) */
  constructor(readonly node: string, errorLog: string, output?: string) {
    super(`${node} exited while starting; last lines of ${errorLog}:\n${tail(errorLog)}${output ? `\nlast lines of ${output}:\n${tail(output, 5)}` : ''}`);
  }
}

export interface RetryOptions {
  /** starts in all, the first included */
  attempts: number;
  /** pause before the second start; doubled before each later one */
  pauseMs: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
}

/**
 * Runs `start` (a start that waits for the node's own readiness) until it succeeds, retrying only a start whose
 * process exited while starting: on a loaded host a node that rejoins while the survivors' view is still changing
 * can give up ("non-primary view with no members") and succeeds a moment later. Other failures are final.
 */
export async function startWithRetries(node: string, start: () => Promise<void>, o: RetryOptions): Promise<number> {
  const pause = o.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      return attempt;
    } catch (err) {
      if (!(err instanceof NodeExitedWhileStarting) || attempt >= o.attempts) {
        if (err instanceof NodeExitedWhileStarting) throw new SandboxError(`${node}: ${attempt} starts, each exited while starting; the last: ${err.message}`, { cause: err });
        throw err;
      }
      const ms = o.pauseMs * 2 ** (attempt - 1);
      o.log?.(`${node} exited while starting (start ${attempt} of ${o.attempts}); starting it again in ${ms} ms`);
      await pause(ms);
    }
  }
}

/** Resolves once the node reports wsrep_local_state=4 (Synced); fails early if its process dies. */
export async function waitSynced(node: SandboxNode, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const p = nodePaths(node);
  while (Date.now() < deadline) {
    if (livePid(node) === undefined) throw new NodeExitedWhileStarting(node.name, p.errorLog, p.stdout);
    try {
      const rows = await sqlOverSocket(p.socket, "SHOW GLOBAL STATUS LIKE 'wsrep_local_state'", 2000);
      if (rows[0]?.[1] === '4') return;
    } catch {
      // not accepting connections yet
    }
    await sleep(150);
  }
  throw new SandboxError(`${node.name} did not reach Synced within ${timeoutMs} ms; last lines of ${p.errorLog}:\n${tail(p.errorLog)}`);
}

export function signalNode(node: SandboxNode, signal: NodeJS.Signals): number {
  const pid = livePid(node);
  if (pid === undefined) throw new SandboxError(`${node.name} is not running`);
  process.kill(pid, signal);
  return pid;
}

/** Stops the node: SIGTERM (after SIGCONT if frozen), SIGKILL after graceMs. Resolves when it is gone. */
export async function stopNode(node: SandboxNode, graceMs: number): Promise<void> {
  const pid = livePid(node);
  if (pid === undefined) return;
  if (graceMs > 0) {
    process.kill(pid, 'SIGCONT');
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && livePid(node) !== undefined) await sleep(100);
  }
  if (livePid(node) !== undefined) process.kill(pid, 'SIGKILL');
  // a SIGKILLed mariadbd may take a while to be gone on a loaded machine
  const deadline = Date.now() + 60_000;
  while (livePid(node) !== undefined && Date.now() < deadline) await sleep(50);
}
