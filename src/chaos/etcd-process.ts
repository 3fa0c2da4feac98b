// A real etcd, one member on the given ports, a fresh data dir under the temp folder, started in the foreground
// and ended by its pid (by its owner, and on process exit): the chaos campaign's store and the tests'. The binary is
// ETCD_BIN, then Debian's /usr/bin/etcd (package etcd-server); without one the tests skip, saying how to enable
// them (`skipEtcd`).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstExecutable, killOnExit } from './child-processes.js';

export interface EtcdProcess {
  /** http://127.0.0.1:<clientPort> */
  endpoint: string;
  /** the pid of the running etcd (the last one started) */
  pid: number;
  dataDir: string;
  /** SIGKILL, wait for the exit */
  kill(): Promise<void>;
  /** start again on the same data dir and ports, wait until it answers */
  start(): Promise<void>;
  /** SIGTERM (SIGKILL after 10 s), wait for the exit, remove the data dir */
  stop(): Promise<void>;
}

/** The etcd binary to test against, or undefined when there is none. */
export function etcdBin(): string | undefined {
  return firstExecutable([process.env.ETCD_BIN, '/usr/bin/etcd']);
}

/** false when a binary is there; else the reason to hand to describe/it `skip`. */
export const skipEtcd: string | false = etcdBin() === undefined
  ? 'no etcd binary: install Debian\'s etcd-server (scripts/install-deps.sh) or set ETCD_BIN=/path/to/etcd to run the tests against a real etcd'
  : false;


const exited = (c: ChildProcess): Promise<void> =>
  c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((resolve) => c.once('exit', () => resolve()));

async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: unknown };
    return res.ok && String(body.health) === 'true';
  } catch {
    return false;
  }
}

export async function startEtcd(opts: { clientPort: number; peerPort: number; name?: string }): Promise<EtcdProcess> {
  const bin = etcdBin();
  if (!bin) throw new Error(skipEtcd || 'no etcd binary');
  const name = opts.name ?? `gw-etcd-${opts.clientPort}`;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-etcd-'));
  const dataDir = path.join(root, 'data');
  const logFile = path.join(root, 'etcd.log');
  const endpoint = `http://127.0.0.1:${opts.clientPort}`;
  const peer = `http://127.0.0.1:${opts.peerPort}`;
  const args = [
    '--name', name, '--data-dir', dataDir,
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer,
    '--initial-cluster', `${name}=${peer}`, '--initial-cluster-state', 'new', '--initial-cluster-token', name,
  ];
  let child: ChildProcess | undefined;

  const spawnOnce = async (): Promise<void> => {
    const log = fs.openSync(logFile, 'a');
    const c = spawn(bin, args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    killOnExit(c);
    child = c;
    const deadline = Date.now() + 60_000;
    while (!(await answers(endpoint))) {
      if (c.exitCode !== null || c.signalCode !== null) {
        throw new Error(`etcd on ${endpoint} exited (${c.exitCode ?? c.signalCode}) before answering; log: ${fs.readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n')}`);
      }
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`etcd on ${endpoint} did not answer /health within 60 s; log ${logFile}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const signal = async (sig: NodeJS.Signals, graceMs?: number): Promise<void> => {
    const c = child;
    if (!c?.pid) return;
    const done = exited(c);
    if (c.exitCode === null && c.signalCode === null) c.kill(sig);
    if (graceMs !== undefined) {
      const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
      await done;
      clearTimeout(timer);
    } else await done;
  };

  try {
    await spawnOnce();
  } catch (err) {
    await signal('SIGKILL');
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }

  return {
    endpoint,
    get pid() {
      return child?.pid ?? -1;
    },
    dataDir,
    kill: () => signal('SIGKILL'),
    start: async () => {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`etcd on ${endpoint} is still running (pid ${child.pid})`);
      await spawnOnce();
    },
    stop: async () => {
      await signal('SIGTERM', 10_000);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
