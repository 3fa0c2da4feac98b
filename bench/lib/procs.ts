// The bench's child processes (warden, healthchecks, HAProxy): spawned with their output in log files,
// each line time-stamped on arrival for the round reports, always stopped by pid.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { clock, sleep } from './util.js';

export type LineListener = (line: string, t: number) => void;

export class ManagedProcess {
  readonly exited: Promise<number | null>;
  private readonly listeners = new Set<LineListener>();
  private exitCode: number | null | undefined;

  constructor(readonly name: string, private readonly child: ChildProcess, logFile: string) {
    const log = fs.createWriteStream(logFile, { flags: 'a' });
    const pipe = (stream: NodeJS.ReadableStream | null) => {
      if (!stream) return;
      let buf = '';
      stream.on('data', (d: Buffer) => {
        log.write(d);
        buf += String(d);
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          const t = clock();
          for (const l of this.listeners) l(line, t);
        }
      });
    };
    pipe(child.stdout);
    pipe(child.stderr);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code;
        log.end(`\n# ${name} exited (code ${code}, signal ${signal})\n`);
        resolve(code);
      });
      child.once('error', (err) => {
        this.exitCode = -1;
        log.end(`\n# ${name} failed to start: ${err.message}\n`);
        resolve(-1);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined && this.child.pid !== undefined;
  }

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves when the process is gone (or after 5 s more). */
  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.kill('SIGTERM');
    if (await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)])) return;
    this.kill('SIGKILL');
    await Promise.race([this.exited, sleep(5000)]);
  }

  kill(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export class ProcessGroup {
  private readonly procs: ManagedProcess[] = [];

  /** `onSpawn` learns every pid (for the crash reaper). */
  constructor(private readonly onSpawn: (pid: number | undefined) => void = () => undefined) {}

  spawn(name: string, cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ManagedProcess {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    const p = new ManagedProcess(name, child, logFile);
    this.procs.push(p);
    this.onSpawn(child.pid);
    return p;
  }

  /** Stops every process, last started first. */
  async stopAll(): Promise<void> {
    for (const p of [...this.procs].reverse()) await p.stop();
  }

  /** Synchronous last resort (process exit): SIGKILL whatever still runs. */
  killAllSync(): void {
    for (const p of this.procs) p.kill('SIGKILL');
  }
}
