// Runs the scheduler entry point (dist/src/cli/scheduler-main.js) as a child process, as ProxySQL's
// scheduler would, and writes pxcScheduler config files for it. Every child is stopped by its pid.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeScript } from './cli-process.js';

export const SCHEDULER_MAIN = fileURLToPath(new URL('../../src/cli/scheduler-main.js', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** process start to exit, ms */
  ms: number;
  /** the JSON log lines */
  lines: Record<string, unknown>[];
}

export async function runScript(script: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  const r = await runNodeScript(script, args, timeoutMs);
  const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { ...r, lines };
}

/**
 * A deadline for runs whose subject is not the deadline: the default one (checkTimeOut + 1000 ms) counts from the
 * process start, and on a busy 2-core host Node's own start-up can take most of it (a run ended "deadline passed
 * before login" 80 ms after it began).
 */
export const GENEROUS_DEADLINE = '--deadline-ms=20000';

/** One scheduler run with pxcScheduler's arguments (and GENEROUS_DEADLINE unless `extra` names a deadline). */
export function runSchedulerProcess(configFile: string, extra: string[] = [], timeoutMs = 30_000): Promise<RunResult> {
  const deadline = extra.some((a) => a.startsWith('--deadline-ms')) ? [] : [GENEROUS_DEADLINE];
  return runScript(SCHEDULER_MAIN, [`--configfile=${path.basename(configFile)}`, `--configpath=${path.dirname(configFile)}`, ...deadline, ...extra], timeoutMs);
}

export const statusOf = (r: RunResult): string | undefined => r.lines.map((l) => l.status as string | undefined).filter((s) => s !== undefined).pop();

export interface PxcConfigInput {
  dir: string;
  adminPort: number;
  hgW?: number;
  hgR?: number;
  clusterId?: number;
  clustered?: boolean;
  checkTimeOut?: number;
  extra?: string;
}

export function writePxcConfig(i: PxcConfigInput): string {
  fs.mkdirSync(i.dir, { recursive: true });
  const file = path.join(i.dir, 'config.toml');
  fs.writeFileSync(file, `[global]
logLevel = "info"
logTarget = "stdout"
lockfiletimeout = 60
lockclustertimeout = 600
lockfilepath = "${i.dir}"

[proxysql]
host = "127.0.0.1"
port = ${i.adminPort}
user = "admin"
password = "admin"
clustered = ${i.clustered ?? false}

[pxccluster]
hgW = ${i.hgW ?? 100}
hgR = ${i.hgR ?? 101}
clusterId = ${i.clusterId ?? 10}
checkTimeOut = ${i.checkTimeOut ?? 2000}
retryUp = 0
retryDown = 0
${i.extra ?? ''}
`);
  return file;
}
