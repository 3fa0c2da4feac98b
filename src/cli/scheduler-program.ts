// The scheduler-mode program, for ProxySQL's scheduler table (pxcScheduler's drop-in):
//   INSERT INTO scheduler (id,active,interval_ms,filename,arg1,arg2)
//     VALUES (10,1,2000,'/usr/bin/galera-warden-scheduler','--configfile=config.toml','--configpath=/etc/galera-warden');
// Deliberately tiny: no commander, no zod, no pino; it loads only what one run needs (a run is started every
// interval). Also reachable as `galera-warden scheduler ...`. With [global] daemonize = true it loops every
// daemonInterval instead of exiting (pxcScheduler's daemon mode).
// With [orchestrator] it is also proxy-oc-tool's drop-in (every 5000 ms in the seed): one Orchestrator poll per run.
// Exit status: 0 done (or another run / another ProxySQL node holds the lock), 1 the run failed (or fenced every
// node: coordination or Orchestrator unavailable), 2 bad config.
import fs from 'node:fs';
import type { PxcSchedulerSettings } from '../config/pxc-scheduler-config.js';
import { uptimeMs } from '../model/monotonic.js';

const RANK = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;

/** set once a write had to go through process.stdout / process.stderr: later lines follow it there, in order */
let streamed = false;

/**
 * A log line to fd 1 or 2 with one write(2): process.stdout on a pipe builds a socket first (~1 ms of a run that
 * writes one line). Through the stream when the descriptor would block, and from then on.
 */
function emit(fd: 1 | 2, line: string): void {
  const stream = (): NodeJS.WriteStream => (fd === 1 ? process.stdout : process.stderr);
  if (streamed) {
    stream().write(line);
    return;
  }
  const bytes = Buffer.from(line);
  let sent = 0;
  try {
    while (sent < bytes.length) sent += fs.writeSync(fd, bytes, sent);
  } catch {
    streamed = true;
    stream().write(bytes.subarray(sent));
  }
}

function logger(s: PxcSchedulerSettings | undefined) {
  const min = RANK[s?.log.level ?? 'info'];
  const toFile = s?.log.target === 'file' && s.log.file !== undefined ? s.log.file : undefined;
  return (level: keyof typeof RANK, msg: string, fields: Record<string, unknown> = {}): void => {
    if (RANK[level] < min && level !== 'error') return;
    const line = `${JSON.stringify({ level, time: new Date().toISOString(), pid: process.pid, ...fields, msg })}\n`;
    if (toFile) fs.appendFileSync(toFile, line);
    else emit(RANK[level] >= RANK.warn ? 2 : 1, line);
  };
}

function option(args: readonly string[], name: string): string | undefined {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

export const SCHEDULER_HELP = `Usage: galera-warden scheduler --configfile=config.toml [--configpath=DIR] [--deadline-ms=N] [--once]
       galera-warden-scheduler (the same, as a program for ProxySQL's scheduler table)

One observe -> decide -> apply run against ProxySQL (a pxcScheduler drop-in): reads the pxcScheduler-style
config, takes the lock file (and with clustered = true the ProxySQL-cluster lock), probes the Galera nodes
listed in the 8000+HG configuration hostgroups, moves the writer and reader hostgroups, saves its state.
With [orchestrator] (proxy-oc-tool's drop-in) it also polls Orchestrator once: downtimed nodes are set
OFFLINE_SOFT, and every node once no raft leader has answered for longer than graceMs (kept between runs).

Options:
  --configfile=FILE   the config file (pxcScheduler's config.toml format)
  --configpath=DIR    the folder of the config file
  --deadline-ms=N     the run ends by N ms after the process started (default: checkTimeOut + 1000)
  --once              one run even with [global] daemonize = true
  -h, --help          this help

Exit status: 0 done (or another run / another ProxySQL node holds the lock), 1 the run failed or fenced
every node (no coordination record, no Orchestrator leader past graceMs), 2 bad config.
Set up the configuration rows and the scheduler row with: galera-warden proxysql install --help
`;

/** Runs the scheduler command with pxcScheduler-style arguments; resolves with the exit status. */
export async function schedulerMain(args: readonly string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(SCHEDULER_HELP);
    return 0;
  }
  const { configFileFromArgs, parsePxcSchedulerConfig } = await import('../config/pxc-scheduler-config.js');
  let settings: PxcSchedulerSettings;
  try {
    const file = configFileFromArgs(args);
    let text: string;
    try {
      // sync: node:fs/promises loads a dozen more modules (readline among them) into a process that lives 0.2 s
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw new (await import('../model/errors.js')).ConfigError(`config ${file}: cannot read the config file: ${(err as Error).message}`);
    }
    settings = parsePxcSchedulerConfig(text, file);
  } catch (err) {
    process.stderr.write(`galera-warden scheduler: ${(err as Error).message}\n`);
    return 2;
  }
  const log = logger(settings);
  for (const i of settings.ignored) log('debug', i);
  const deadlineArg = option(args, 'deadline-ms');
  const deadlineMs = deadlineArg !== undefined ? Number(deadlineArg) : settings.probe.timeoutMs + 1000;
  if (!Number.isFinite(deadlineMs) || deadlineMs < 100) {
    process.stderr.write(`galera-warden scheduler: --deadline-ms must be a number of ms >= 100, got "${deadlineArg}"\n`);
    return 2;
  }
  const { runScheduler } = await import('../runtime/scheduler-run.js');
  // ms from process start until everything a run needs is loaded
  const loadMs = Math.round(uptimeMs() * 10) / 10;
  // the deadline counts from the process start, Node's own start-up included
  const startedAt = Date.now() - uptimeMs();
  const once = async (first: boolean) => {
    const r = await runScheduler({ settings, deadlineMs, log, ...(first ? { startedAt } : {}) });
    const level = r.exitCode === 0 ? 'info' : 'error';
    log(level, r.message, { status: r.status, ms: Math.round(r.durationMs), ...(r.error ? { code: r.error.code } : {}), ...(settings.log.performance ? { loadMs, steps: r.steps } : {}) });
    return r.exitCode;
  };
  if (!settings.run.daemonize || args.includes('--once')) {
    // the last resort: whatever is stuck, this process is gone soon after its deadline
    setTimeout(() => {
      log('error', `scheduler run still alive ${deadlineMs + 100} ms after the process started: exiting`, { code: 'E_DEADLINE' });
      process.exit(1);
    }, Math.max(1, deadlineMs + 100 - uptimeMs())).unref();
    return once(true);
  }
  let stop = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => { stop = true; });
  log('info', 'daemon mode: one run every daemonInterval', { intervalMs: settings.run.intervalMs });
  let first = true;
  while (!stop) {
    const started = Date.now();
    await once(first);
    first = false;
    const wait = Math.max(0, settings.run.intervalMs - (Date.now() - started));
    await new Promise((r) => setTimeout(r, wait));
  }
  return 0;
}
