// A lock file per cluster and hostgroup pair, so that a second scheduler run started while one is still
// running exits at once (pxcScheduler's {ClusterId}_{hg}.pid). The file is created exclusively (O_EXCL) and
// holds {pid, host, since, expires}. A stale lock (its pid is gone, or it expired: lockfiletimeout) is taken
// over; the take-over itself is serialised by a second exclusive file, so two runs that both find the lock
// stale cannot both take it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WardenError } from '../model/errors.js';

export interface LockInfo {
  pid: number;
  host: string;
  /** epoch ms */
  since: number;
  /** epoch ms after which the lock counts as abandoned */
  expires: number;
}

export type LockAttempt = { acquired: true; lock: LockFile; tookOver?: LockInfo } | { acquired: false; holder: LockInfo };

export class LockError extends WardenError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_LOCK', message, options);
  }
}

/** Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readInfo(file: string): LockInfo | null {
  try {
    const v = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof v.pid === 'number' && typeof v.expires === 'number' ? v : null;
  } catch {
    return null;
  }
}

export class LockFile {
  private constructor(readonly file: string, readonly info: LockInfo) {}

  /** Takes the lock, or reports who holds it. Throws LockError only when the directory is unusable. */
  static acquire(file: string, timeoutMs: number, now: number = Date.now()): LockAttempt {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const info: LockInfo = { pid: process.pid, host: os.hostname(), since: now, expires: now + timeoutMs };
    if (LockFile.#create(file, info)) return { acquired: true, lock: new LockFile(file, info) };
    const holder = readInfo(file);
    const stale = holder === null || holder.expires <= now || (holder.host === info.host && !pidAlive(holder.pid));
    if (!stale) return { acquired: false, holder };
    // one take-over at a time; a take-over file left by a crashed run is itself stale after 5 s
    const takeover = `${file}.takeover`;
    try {
      if (Date.now() - fs.statSync(takeover).mtimeMs > 5000) fs.rmSync(takeover, { force: true });
    } catch { /* none */ }
    if (!LockFile.#create(takeover, info)) return { acquired: false, holder: holder ?? info };
    try {
      const again = readInfo(file);
      if (again !== null && (again.pid !== holder?.pid || again.since !== holder.since)) return { acquired: false, holder: again };
      fs.rmSync(file, { force: true });
      if (!LockFile.#create(file, info)) return { acquired: false, holder: readInfo(file) ?? info };
      return { acquired: true, lock: new LockFile(file, info), ...(holder ? { tookOver: holder } : {}) };
    } finally {
      fs.rmSync(takeover, { force: true });
    }
  }

  static #create(file: string, info: LockInfo): boolean {
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx', 0o644);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw new LockError(`lock file ${file}: ${(err as Error).message}`, { cause: err });
    }
    try {
      fs.writeSync(fd, JSON.stringify(info));
    } finally {
      fs.closeSync(fd);
    }
    return true;
  }

  /** Removes the file if it is still ours. */
  release(): void {
    const cur = readInfo(this.file);
    if (!cur || cur.pid !== this.info.pid || cur.since !== this.info.since) return;
    // unlinkSync: rmSync loads Node's rimraf module into every scheduler run for this one file (issue 16)
    try {
      fs.unlinkSync(this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
