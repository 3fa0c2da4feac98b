// Benchmark: one scheduler-mode run of galera-warden (ProxySQL's scheduler starts a process per run), from
// process start to exit, for a 3-node Galera cluster and the ProxySQL admin test server. Compare: pxcScheduler
// 1.5.2 (a Go binary) takes ~26 ms per run. Reports the first run (applies) and steady runs (nothing to change),
// plus the time each step takes inside the process (pxcScheduler's `performance`).
//
// Call: `const r = await benchSchedulerRun({ runs: 20 }); console.log(formatSchedulerRun(r));`
// Without `nodes`, it brings up its own sandbox (slot 6: ports 31200-31399) and takes it down again.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeProxySqlAdmin } from '../src/apply/proxysql/testing/fake-proxysql-admin.js';
import { seedExample } from '../src/apply/proxysql/testing/seed-example.js';
import { Sandbox } from '../src/sandbox/sandbox.js';

// what `galera-warden proxysql install` puts in ProxySQL's scheduler table (galera-warden-scheduler)
const SCHEDULER_MAIN = fileURLToPath(new URL('../src/cli/scheduler-launch.cjs', import.meta.url));

export interface SchedulerRunBenchOptions {
  /** steady runs to time (default 20), each beside one run of `node -e 0` */
  runs?: number;
  /** an existing cluster and the account to probe it with; default: a sandbox of its own */
  nodes?: { host: string; port: number }[];
  monitorUser?: string;
  monitorPassword?: string;
  /** sandbox slot when it starts its own (default 6) */
  slot?: number;
  adminPort?: number;
  /** the scheduler entry point to start (default dist/src/cli/scheduler-launch.cjs) */
  entry?: string;
  log?: (line: string) => void;
}

export interface Stats {
  min: number;
  median: number;
  p90: number;
  max: number;
}

/** One kind of process, timed run by run: wall from spawn to exit, CPU (user + sys) of the child. */
export interface ProcessCost {
  wallMs: Stats;
  /** CPU per run, ms: the mean over the runs (the kernel counts children's CPU in 10 ms ticks, so the mean of the total is exact, single runs are not) */
  cpuMs: number;
}

export interface SchedulerRunBenchResult {
  /** the first run, which writes ProxySQL's hostgroups (process start to exit, ms) */
  firstMs: number;
  /** steady runs, nothing to change */
  steady: ProcessCost;
  /** `node -e 0`, one run after each steady run (same machine, same moment) */
  emptyNode: ProcessCost;
  /** inside the process: time to load the modules, then each step (medians, ms) */
  loadMs: number;
  steps: Record<string, number>;
  runs: number;
}

const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => Math.round(s[Math.min(s.length - 1, Math.floor(q * s.length))]! * 10) / 10;
  return { min: at(0), median: at(0.5), p90: at(0.9), max: at(1) };
};

const TICK_MS = 10; // USER_HZ = 100 on Linux: /proc reports clock ticks of 10 ms

/** user + sys CPU of this process's children that have exited and been waited for (Linux), ms */
function childrenCpuMs(): number {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  // the fields after "(comm)": state is field 3; cutime and cstime are fields 16 and 17
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}

interface Spawned {
  ms: number;
  cpuMs: number;
  out: string;
  code: number | null;
}

function spawnTimed(args: string[]): Promise<Spawned> {
  return new Promise((resolve) => {
    const cpu0 = childrenCpuMs();
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (out += String(d)));
    const timer = setTimeout(() => child.pid && process.kill(child.pid, 'SIGKILL'), 30_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, cpuMs: childrenCpuMs() - cpu0, out, code });
    });
  });
}

async function runOnce(entry: string, config: string): Promise<Spawned & { line: Record<string, unknown> | undefined }> {
  const r = await spawnTimed([entry, `--configfile=${path.basename(config)}`, `--configpath=${path.dirname(config)}`]);
  const line = r.out.split('\n').filter((l) => l.includes('"status"')).map((l) => JSON.parse(l) as Record<string, unknown>).pop();
  return { ...r, line };
}

const cost = (runs: Spawned[]): ProcessCost => ({
  wallMs: stats(runs.map((r) => r.ms)),
  cpuMs: Math.round((runs.reduce((a, r) => a + r.cpuMs, 0) / runs.length) * 10) / 10,
});

export async function benchSchedulerRun(o: SchedulerRunBenchOptions = {}): Promise<SchedulerRunBenchResult> {
  const log = o.log ?? (() => undefined);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-scheduler-'));
  let sb: Sandbox | undefined;
  let admin: FakeProxySqlAdmin | undefined;
  try {
    let nodes = o.nodes;
    let user = o.monitorUser ?? 'warden';
    let password = o.monitorPassword ?? '';
    if (!nodes) {
      const slot = o.slot ?? 6;
      log(`starting a 3-node sandbox (slot ${slot})`);
      sb = await Sandbox.up({ dir: path.join(dir, 'sandbox'), nodes: 3, basePort: 30000 + 200 * slot, subnet: 100 + slot });
      nodes = [1, 2, 3].map((i) => ({ host: sb!.node(i).host, port: sb!.node(i).sqlPort }));
      user = 'warden';
      password = sb.password('warden');
    }
    admin = await FakeProxySqlAdmin.start({ port: o.adminPort ?? 31220, monitorUser: user, monitorPassword: password });
    seedExample(admin, { writer: 100, reader: 101 }, nodes);
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, `[global]\nlogLevel = "info"\nperformance = true\nlockfilepath = "${dir}"\n[proxysql]\nport = ${admin.port}\nuser = "admin"\npassword = "admin"\n[pxccluster]\nhgW = 100\nhgR = 101\ncheckTimeOut = 2000\n`);
    const entry = o.entry ?? SCHEDULER_MAIN;
    const first = await runOnce(entry, config);
    if (first.line?.status !== 'applied') throw new Error(`the first scheduler run did not apply: ${JSON.stringify(first.line)}`);
    const runs: Spawned[] = [];
    const empty: Spawned[] = [];
    const loads: number[] = [];
    const steps: Record<string, number[]> = {};
    for (let i = 0; i < (o.runs ?? 20); i++) {
      const r = await runOnce(entry, config);
      if (r.code !== 0) throw new Error(`scheduler run ${i + 1} failed: ${r.line ? JSON.stringify(r.line) : r.out}`);
      runs.push(r);
      empty.push(await spawnTimed(['-e', '0']));
      if (typeof r.line?.loadMs === 'number') loads.push(r.line.loadMs);
      for (const [k, v] of Object.entries((r.line?.steps ?? {}) as Record<string, number>)) (steps[k] ??= []).push(v);
    }
    return {
      firstMs: Math.round(first.ms * 10) / 10,
      steady: cost(runs),
      emptyNode: cost(empty),
      loadMs: loads.length > 0 ? stats(loads).median : NaN,
      steps: Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, stats(v).median])),
      runs: runs.length,
    };
  } finally {
    await admin?.close();
    if (sb) await sb.down();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

export function formatSchedulerRun(r: SchedulerRunBenchResult): string {
  const s = r.steady;
  const e = r.emptyNode;
  return [
    `scheduler-mode run, process start to exit (3-node Galera, ProxySQL admin test server; pxcScheduler 1.5.2: ~26 ms)`,
    `  first run (applies):   ${r.firstMs} ms`,
    `  steady runs (n=${r.runs}), each beside one run of node -e 0:`,
    `                         wall min / median / p90 / max (ms)   CPU user+sys per run (ms)`,
    `    galera-warden        ${s.wallMs.min} / ${s.wallMs.median} / ${s.wallMs.p90} / ${s.wallMs.max}`.padEnd(63) + `${s.cpuMs}`,
    `    node -e 0            ${e.wallMs.min} / ${e.wallMs.median} / ${e.wallMs.p90} / ${e.wallMs.max}`.padEnd(63) + `${e.cpuMs}`,
    `    ratio                wall (median) ${ratio(s.wallMs.median, e.wallMs.median)}`.padEnd(63) + ratio(s.cpuMs, e.cpuMs) + '   (target <= 1.5x both)',
    `  inside the process:    load ${r.loadMs} ms, ${Object.entries(r.steps).map(([k, v]) => `${k} ${v}`).join(', ')} ms`,
  ].join('\n');
}
