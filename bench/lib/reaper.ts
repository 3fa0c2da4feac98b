// Last line of defence: a small detached watcher that SIGKILLs the bench's processes (listed in
// <workDir>/pids, and the sandbox nodes' pid files) if the bench process dies without cleaning up
// (out of memory, SIGKILL). It only kills processes whose command line names the work folder.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const SCRIPT = `
const fs = require('fs'), path = require('path');
const ppid = Number(process.argv[1]), dir = process.argv[2];
const alive = (p) => { try { process.kill(p, 0); return true; } catch { return false; } };
function pids() {
  const out = [];
  try { for (const l of fs.readFileSync(path.join(dir, 'pids'), 'utf8').split('\\n')) if (l.trim()) out.push(Number(l)); } catch {}
  try {
    for (const d of fs.readdirSync(path.join(dir, 'sandbox'))) {
      try { out.push(Number(fs.readFileSync(path.join(dir, 'sandbox', d, 'warden.pid'), 'utf8'))); } catch {}
    }
  } catch {}
  return out.filter((p) => Number.isInteger(p) && p > 1);
}
setInterval(() => {
  if (alive(ppid)) return;
  for (const p of pids()) {
    try {
      if (!fs.readFileSync('/proc/' + p + '/cmdline', 'utf8').includes(dir)) continue;
      process.kill(p, 'SIGCONT');
      process.kill(p, 'SIGKILL');
    } catch {}
  }
  process.exit(0);
}, 1000);
`;

export class Reaper {
  private readonly pidFile: string;
  private readonly pid: number | undefined;

  constructor(private readonly workDir: string) {
    this.pidFile = path.join(workDir, 'pids');
    fs.writeFileSync(this.pidFile, '');
    const child = spawn(process.execPath, ['-e', SCRIPT, String(process.pid), workDir], { detached: true, stdio: 'ignore' });
    child.unref();
    this.pid = child.pid;
  }

  /** Records a process the bench started. */
  add(pid: number | undefined): void {
    if (pid !== undefined) fs.appendFileSync(this.pidFile, `${pid}\n`);
  }

  /** The bench cleaned up by itself: the watcher is no longer needed. */
  stop(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}
