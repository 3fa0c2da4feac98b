// Running the sandbox's helper programs (mariadb client, mariadbd --wsrep-recover, ip, openssl) with timeouts.
import { execFile } from 'node:child_process';
import { SandboxError } from '../model/errors.js';

export interface RunResult {
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** Runs a program; resolves with its output, rejects with a SandboxError naming the command and its stderr. */
export function run(cmd: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      cmd,
      args,
      { timeout: options.timeoutMs ?? 30_000, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        if (err) {
          const what = err.killed ? `timed out after ${options.timeoutMs ?? 30_000} ms` : `failed (${err.code ?? err.message})`;
          reject(new SandboxError(`${cmd} ${args.join(' ').slice(0, 200)} ${what}: ${String(stderr).trim().slice(-500)}`, { cause: err }));
          return;
        }
        resolve({ stdout: String(stdout), stderr: String(stderr) });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** Runs SQL as root over a node's unix socket (root@localhost authenticates by unix_socket). */
export async function sqlOverSocket(socket: string, query: string, timeoutMs = 10_000): Promise<string[][]> {
  const { stdout } = await run('mariadb', ['--no-defaults', '-uroot', '-S', socket, '-N', '-B', '-e', query], { timeoutMs });
  return stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
