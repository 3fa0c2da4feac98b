// What the launchers of real servers (etcd, ProxySQL, HAProxy) share: finding the binary, and making sure no child
// outlives this process (SIGKILL on exit), and stopping one by its pid.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/** The first candidate that is an executable file; undefined when none is. */
export function firstExecutable(candidates: readonly (string | undefined)[]): string | undefined {
  return candidates.find((c): c is string => {
    if (!c) return false;
    try {
      fs.accessSync(c, fs.constants.X_OK);
      return fs.statSync(c).isFile();
    } catch {
      return false;
    }
  });
}

const live = new Set<ChildProcess>();
let hooked = false;

/** SIGKILLs `child` when this process exits, unless it ended first; returns it. */
export function killOnExit<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!hooked) {
    hooked = true;
    process.on('exit', () => {
      for (const c of live) {
        if (c.pid && c.exitCode === null && c.signalCode === null) {
          try {
            process.kill(c.pid, 'SIGKILL');
          } catch {
            // gone already
          }
        }
      }
    });
  }
  return child;
}

const running = (c: ChildProcess) => c.exitCode === null && c.signalCode === null;

/** SIGCONT (a frozen one could not act on SIGTERM), SIGTERM, SIGKILL after `graceMs`; resolves when it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (!child.pid || !running(child)) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  try {
    process.kill(child.pid, 'SIGCONT');
    process.kill(child.pid, 'SIGTERM');
  } catch {
    // gone already
  }
  const t = setTimeout(() => { if (child.pid && running(child)) process.kill(child.pid, 'SIGKILL'); }, graceMs);
  await exited;
  clearTimeout(t);
}
