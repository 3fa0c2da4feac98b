#!/usr/bin/env node
// The scheduler-mode entry point, for ProxySQL's scheduler table (pxcScheduler's drop-in):
//   INSERT INTO scheduler (id,active,interval_ms,filename,arg1,arg2)
//     VALUES (10,1,2000,'/usr/bin/galera-warden-scheduler','--configfile=config.toml','--configpath=/etc/galera-warden');
// Deliberately tiny: no commander, no zod, no pino; it loads only what one run needs (a run is started every
// interval). Also reachable as `galera-warden scheduler ...`. With [global] daemonize = true it loops every
// daemonInterval instead of exiting (pxcScheduler's daemon mode).
// Exit status: 0 done (or another run / another ProxySQL node holds the lock), 1 the run failed, 2 bad config.
import fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { PxcSchedulerSettings } from '../config/pxc-scheduler-config.js';

const RANK = { trace: 10, debug: 20, info: 30, warn: 40, error: 50 } as const;

function logger(s: PxcSchedulerSettings | undefined) {
  const min = RANK[s?.log.level ?? 'info'];
  const toFile = s?.log.target === 'file' && s.log.file !== undefined ? s.log.file : undefined;
  return (level: keyof typeof RANK, msg: string, fields: Record<string, unknown> = {}): void => {
    if (RANK[level] < min && level !== 'error') return;
    const line = `${JSON.stringify({ level, time: new Date().toISOString(), pid: process.pid, ...fields, msg })}\n`;
    if (toFile) fs.appendFileSync(toFile, line);
    else if (RANK[level] >= RANK.warn) process.stderr.write(line);
    else process.stdout.write(line);
  };
}

function option(args: readonly string[], name: string): string | undefined {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a?.slice(name.length + 3);
}

/** Runs the scheduler command with pxcScheduler-style arguments; resolves with the exit status. */
export async function schedulerMain(args: readonly string[]): Promise<number> {
  const { configFileFromArgs, parsePxcSchedulerConfig } = await import('../config/pxc-scheduler-config.js');
  let settings: PxcSchedulerSettings;
  try {
    const file = configFileFromArgs(args);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
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
  const { runScheduler } = await import('../coordinate/scheduler-run.js');
  // ms from process start until everything a run needs is loaded
  const loadMs = Math.round(performance.now() * 10) / 10;
  const once = async () => {
    const r = await runScheduler({ settings, deadlineMs, log });
    const level = r.exitCode === 0 ? 'info' : 'error';
    log(level, r.message, { status: r.status, ms: Math.round(r.durationMs), ...(r.error ? { code: r.error.code } : {}), ...(settings.log.performance ? { loadMs, steps: r.steps } : {}) });
    return r.exitCode;
  };
  if (!settings.run.daemonize || args.includes('--once')) {
    // the last resort: whatever is stuck, this process is gone soon after its deadline
    setTimeout(() => {
      log('error', `scheduler run still alive ${deadlineMs + 1000} ms after its start: exiting`, { code: 'E_DEADLINE' });
      process.exit(1);
    }, deadlineMs + 1000).unref();
    return once();
  }
  let stop = false;
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => { stop = true; });
  log('info', 'daemon mode: one run every daemonInterval', { intervalMs: settings.run.intervalMs });
  while (!stop) {
    const started = Date.now();
    await once();
    const wait = Math.max(0, settings.run.intervalMs - (Date.now() - started));
    await new Promise((r) => setTimeout(r, wait));
  }
  return 0;
}

// run directly (not imported by `galera-warden scheduler`)
if (process.argv[1] !== undefined && import.meta.url === (await import('node:url')).pathToFileURL(fs.realpathSync(process.argv[1])).href) {
  const status = await schedulerMain(process.argv.slice(2));
  // a hard exit: nothing left behind (a wedged socket, a timer) may keep the process past its run
  process.exit(status);
}
