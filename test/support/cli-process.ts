// Runs the real CLI as child processes for integration tests: one-shot commands (status, sandbox
// status) and long-running `healthcheck` servers queried over HTTP. Every child is stopped by its pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { CLI } from './warden-process.js';
import { waitFor } from './sandbox-fixture.js';

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(c.pid, 'SIGKILL');
});

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `galera-warden ARGS` to completion (SIGKILLed by pid after timeoutMs). */
export function runCli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return runNodeScript(CLI, args, timeoutMs);
}

/** Runs a Node.js script to completion (SIGKILLed by pid after timeoutMs); `ms` is process start to exit. `nodeArgs`: Node's own options, before the script. */
export function runNodeScript(script: string, args: string[], timeoutMs = 30_000, nodeArgs: string[] = []): Promise<CliResult & { ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [...nodeArgs, script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      resolve({ code, stdout, stderr, ms });
    });
  });
}

export type { HealthcheckBody } from '../../src/runtime/healthcheck-server.js';
import type { HealthcheckBody } from '../../src/runtime/healthcheck-server.js';

export interface HealthcheckAnswer {
  status: number;
  body: HealthcheckBody;
  /** the raw body text, for secret checks */
  text: string;
}

export interface HealthcheckProcess {
  port: number;
  child: ChildProcess;
  /** everything the process wrote to stderr (its log) and stdout */
  output(): string;
  check(): Promise<HealthcheckAnswer>;
  stop(): Promise<void>;
}

/** Starts `galera-warden healthcheck --config F --node N --listen 127.0.0.1:PORT [flags]` and waits until it answers. */
export async function startHealthcheck(config: string, node: string, port: number, flags: string[] = []): Promise<HealthcheckProcess> {
  const child = spawn(process.execPath, [CLI, 'healthcheck', '--config', config, '--node', node, '--listen', `127.0.0.1:${port}`, ...flags], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += String(d)));
  child.stderr.on('data', (d: Buffer) => (out += String(d)));
  const exited = new Promise<void>((resolve) => child.once('close', () => {
    children.delete(child);
    resolve();
  }));
  const hc: HealthcheckProcess = {
    port,
    child,
    output: () => out,
    async check() {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      return { status: res.status, body: JSON.parse(text) as HealthcheckBody, text };
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
      await exited;
    },
  };
  try {
    await waitFor(`healthcheck of ${node} to listen on ${port}`, 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`healthcheck exited with ${child.exitCode}: ${out}`);
      await hc.check();
      return true;
    }, 100);
  } catch (err) {
    await hc.stop();
    throw err;
  }
  return hc;
}
