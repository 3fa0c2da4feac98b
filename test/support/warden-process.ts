// Starts `galera-warden run` as a real child process for end-to-end tests, and stops it by pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeConfig } from '../../src/sandbox/merge-config.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

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

/** Writes a config file: the sandbox's own config plus the given extra TOML sections (tables in both merged, the extra's keys win). */
export function writeConfig(baseConfig: string, extra: string, file: string): string {
  fs.writeFileSync(file, mergeConfig(fs.readFileSync(baseConfig, 'utf8'), extra));
  return file;
}

/**
 * The extra TOML of a `run` instance that shares the Galera-table writer record: fast ticks and probes, its
 * own state file, the built-in proxy on port..port+2 (writer, reader, health) and the API on port+3.
 */
export function coordinatedInstanceToml(o: { instanceId: string; port: number; stateFile: string; apiAuth?: { user: string; password: string }; coordination?: string }): string {
  const p = o.port;
  return `
[routing]
retryUp = 2
retryDown = 1
minHoldMs = 3000

[probe]
connectTimeoutMs = 400
timeoutMs = 600

[run]
intervalMs = 300
stateFile = "${o.stateFile}"

[coordination]
${o.coordination ?? `store = "galera"\ninstanceId = "${o.instanceId}"\ntimeoutMs = 1500`}

[proxy]
host = "127.0.0.1"
writerPort = ${p}
readerPort = ${p + 1}
healthPort = ${p + 2}
waitForBackendMs = 20000
drainMs = 500

[api]
host = "127.0.0.1"
port = ${p + 3}
${o.apiAuth ? `user = "${o.apiAuth.user}"\npassword = "${o.apiAuth.password}"\n` : ''}`;
}
