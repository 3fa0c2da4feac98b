// Scenario `proxy-cost` (issue 16, item 2; standalone, no sandbox): what the proxies themselves cost, without
// MariaDB in the way. One fake MySQL backend per proxy (bench/proxy-cost-child.ts: greets, answers each
// chunk, closes on COM_QUIT); the built-in proxy's listener, a bare Node proxy (two sockets joined by hand:
// the floor of any Node proxy) and HAProxy `nbthread 1`, all loaded at the same time by raw `net` clients in
// this process, so the machine's load of the moment hits them alike. Printed: CPU (utime + stime) per 1000
// operations, ops/s and p99 per proxy, and the ratio to HAProxy.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProcessGroup } from './lib/procs.js';
import { int, table } from './lib/table.js';
import { round1, sleep, waitFor } from './lib/util.js';
import { percentile } from './lib/analysis.js';
import type { Scenario } from './runner.js';

const CHILD = fileURLToPath(new URL('./proxy-cost-child.js', import.meta.url));
const HOST = '127.0.0.1';
const PROXIES = ['builtin', 'bare', 'haproxy'] as const;
type Proxy = (typeof PROXIES)[number];
const WORKLOADS = [
  { id: 'connect-per-query', clients: 3 },
  { id: 'persistent', clients: 32 },
] as const;
type Workload = (typeof WORKLOADS)[number]['id'];
const PASSES = 2;

export interface ProxyCostCell {
  workload: Workload;
  clients: number;
  proxy: Proxy;
  pass: number;
  ops: number;
  opsPerSec: number;
  p99Ms: number;
  cpuMsPer1000: number;
}

export interface ProxyCostResult {
  seconds: number;
  load: { start: number[]; end: number[] };
  cells: ProxyCostCell[];
}

const QUERY = (() => {
  const b = Buffer.alloc(40, 0x43);
  b.writeUIntLE(36, 0, 3);
  b[3] = 0;
  b[4] = 3;
  return b;
})();
const QUIT = Buffer.from([1, 0, 0, 0, 1]);

function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The next `data` (or a failure) on a client socket. */
function next(sock: net.Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    const ok = () => {
      sock.off('close', bad);
      resolve();
    };
    const bad = () => {
      sock.off('data', ok);
      reject(new Error('closed'));
    };
    sock.once('data', ok);
    sock.once('close', bad);
  });
}

interface Target {
  proxy: Proxy;
  port: number;
  pid: number;
}

async function measure(targets: Target[], workload: Workload, clients: number, ms: number, signal: AbortSignal): Promise<Map<Proxy, { ops: number; lat: number[]; cpuMs: number; seconds: number }>> {
  const stats = new Map(targets.map((t) => [t.proxy, { ops: 0, lat: [] as number[], cpuMs: 0, seconds: 0 }]));
  let measuring = false;
  let stop = false;
  const loop = async (t: Target) => {
    const s = stats.get(t.proxy)!;
    let sock: net.Socket | undefined;
    try {
      while (!stop && !signal.aborted) {
        const t0 = performance.now();
        if (workload === 'connect-per-query' || sock === undefined) {
          sock = net.connect({ host: HOST, port: t.port, noDelay: true });
          sock.on('error', () => undefined);
          await next(sock);
        }
        sock.write(QUERY);
        await next(sock);
        if (workload === 'connect-per-query') {
          const closed = new Promise((r) => sock!.once('close', r));
          sock.end(QUIT);
          await closed;
          sock = undefined;
        }
        if (measuring) {
          s.ops++;
          s.lat.push(performance.now() - t0);
        }
      }
    } catch {
      await sleep(10);
    } finally {
      sock?.destroy();
    }
  };
  const loops = targets.flatMap((t) => Array.from({ length: clients }, async () => {
    while (!stop && !signal.aborted) await loop(t);
  }));
  await sleep(500, signal);
  const cpu0 = new Map(targets.map((t) => [t.proxy, cpuMs(t.pid)]));
  const t0 = performance.now();
  measuring = true;
  await sleep(ms, signal);
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  for (const t of targets) {
    const s = stats.get(t.proxy)!;
    s.cpuMs = cpuMs(t.pid) - cpu0.get(t.proxy)!;
    s.seconds = seconds;
  }
  stop = true;
  await Promise.all(loops);
  return stats;
}

export const proxyCost: Scenario<ProxyCostResult> = {
  name: 'proxy-cost',
  title: 'The proxies alone: built-in proxy, a bare Node proxy and HAProxy nbthread 1 in front of fake backends, side by side',
  standalone: true,
  async run(ctx) {
    const { options, signal, log } = ctx;
    const seconds = options.quick ? 2 : 6;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-proxy-cost-'));
    const procs = new ProcessGroup();
    const loadStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
    try {
      const targets: Target[] = [];
      for (const [i, proxy] of PROXIES.entries()) {
        const backendPort = options.basePort + 60 + i * 2;
        const port = backendPort + 1;
        const start = async (name: string, args: string[]) => {
          const p = procs.spawn(name, process.execPath, [CHILD, ...args], path.join(dir, `${name}.log`));
          let ready = false;
          p.onLine((line) => {
            if (line === 'ready') ready = true;
          });
          await waitFor(`${name} ready`, 10_000, () => {
            if (!p.running) throw new Error(`${name} exited`);
            return ready ? true : undefined;
          }, { everyMs: 20, signal });
          return p;
        };
        await start(`backend-${proxy}`, ['backend', String(backendPort)]);
        let pid: number | undefined;
        if (proxy === 'haproxy') {
          const cfg = path.join(dir, 'haproxy.cfg');
          fs.writeFileSync(cfg, `global\n  nbthread 1\n  maxconn 4000\ndefaults\n  mode tcp\n  timeout connect 2s\n  timeout client 60s\n  timeout server 60s\nlisten w\n  bind ${HOST}:${port}\n  server node1 ${HOST}:${backendPort}\n`);
          const p = procs.spawn('haproxy', 'haproxy', ['-db', '-f', cfg], path.join(dir, 'haproxy.log'));
          await waitFor('haproxy listening', 10_000, () => new Promise<true | undefined>((resolve) => {
            const s = net.connect({ host: HOST, port }, () => {
              s.destroy();
              resolve(true);
            });
            s.on('error', () => resolve(undefined));
          }), { everyMs: 50, signal });
          pid = p.pid;
        } else {
          pid = (await start(proxy, [proxy, String(port), String(backendPort)])).pid;
        }
        if (pid === undefined) throw new Error(`${proxy}: no pid`);
        targets.push({ proxy, port, pid });
      }
      const cells: ProxyCostCell[] = [];
      for (const w of WORKLOADS) {
        for (let pass = 0; pass < PASSES; pass++) {
          const stats = await measure(targets, w.id, w.clients, seconds * 1000, signal);
          for (const [proxy, s] of stats) {
            const lat = Float64Array.from(s.lat).sort();
            cells.push({
              workload: w.id, clients: w.clients, proxy, pass, ops: s.ops, opsPerSec: Math.round(s.ops / s.seconds),
              p99Ms: Math.round(percentile(lat, 99) * 100) / 100, cpuMsPer1000: s.ops === 0 ? 0 : round1((s.cpuMs / s.ops) * 1000),
            });
          }
          log(`  ${w.id} pass ${pass + 1}: ${[...stats].map(([p, s]) => `${p} ${int(s.ops / s.seconds)}/s`).join(', ')}`);
        }
      }
      return { seconds, load: { start: loadStart, end: os.loadavg().map((x) => Math.round(x * 100) / 100) }, cells };
    } finally {
      await procs.stopAll();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
  report(r) {
    const range = (xs: number[], f: (x: number) => string) => {
      const a = f(Math.min(...xs));
      const b = f(Math.max(...xs));
      return a === b ? a : `${a}-${b}`;
    };
    const rows: string[][] = [];
    for (const w of WORKLOADS) {
      const of = (p: Proxy) => r.cells.filter((c) => c.workload === w.id && c.proxy === p);
      const h = of('haproxy');
      for (const p of PROXIES) {
        const cs = of(p);
        const ratio = cs.map((c) => c.cpuMsPer1000 / (h.find((x) => x.pass === c.pass)?.cpuMsPer1000 ?? NaN));
        rows.push([w.id, String(w.clients), p, range(cs.map((c) => c.opsPerSec), int), range(cs.map((c) => c.p99Ms), (x) => x.toFixed(2)),
          range(cs.map((c) => c.cpuMsPer1000), (x) => x.toFixed(1)), p === 'haproxy' ? 'baseline' : `${range(ratio, (x) => x.toFixed(2))}x`]);
      }
    }
    return [
      `${r.seconds} s per pass, ${PASSES} passes; every proxy loaded at the same time, each with its own fake backend; clients per proxy: connect-per-query (connect, greeting, one query, COM_QUIT, close) and persistent connections (one query at a time each)`,
      table(['workload', 'clients', 'proxy', 'ops/s', 'p99 ms', 'CPU ms per 1000 ops', 'CPU vs HAProxy'], rows),
      `bare = two Node sockets joined by hand, nothing else (the floor of a Node proxy); load average ${r.load.start.join(' ')} at the start, ${r.load.end.join(' ')} at the end`,
    ].join('\n');
  },
};
