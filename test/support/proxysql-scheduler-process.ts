// Runs the scheduler entry point (dist/src/cli/scheduler-main.js) as a child process, as ProxySQL's
// scheduler would, and writes pxcScheduler config files for it. Every child is stopped by its pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEDULER_MAIN = fileURLToPath(new URL('../../src/cli/scheduler-main.js', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
});

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** process start to exit, ms */
  ms: number;
  /** the JSON log lines */
  lines: Record<string, unknown>[];
}

export function runScript(script: string, args: string[], timeoutMs = 30_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const timer = setTimeout(() => {
      if (child.exitCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
    }, timeoutMs);
    child.once('close', (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      children.delete(child);
      const lines = `${stdout}\n${stderr}`.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, stdout, stderr, ms, lines });
    });
  });
}

/** One scheduler run with pxcScheduler's arguments. */
export function runSchedulerProcess(configFile: string, extra: string[] = [], timeoutMs = 30_000): Promise<RunResult> {
  return runScript(SCHEDULER_MAIN, [`--configfile=${path.basename(configFile)}`, `--configpath=${path.dirname(configFile)}`, ...extra], timeoutMs);
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
