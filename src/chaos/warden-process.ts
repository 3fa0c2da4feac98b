// Starts `galera-warden run` as a child process (the chaos campaign, end-to-end tests), reads its JSON log
// lines, and stops it by pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../cli/main.js');

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
});

export interface WardenProcess {
  child: ChildProcess;
  /** JSON log entries seen so far */
  logs: Record<string, unknown>[];
  stderr: string[];
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function startWarden(configFile: string, extraArgs: string[] = []): WardenProcess {
  const child = spawn(process.execPath, [CLI, 'run', '--config', configFile, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    buf += String(d);
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ raw: line });
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => stderr.push(String(d)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    children.delete(child);
    resolve(code);
  }));
  return {
    child, logs, stderr, exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.pid) process.kill(child.pid, signal);
      return exited;
    },
  };
}

