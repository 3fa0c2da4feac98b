// Scenario `nodes` (issue 16): what one `galera-warden run` process costs per watched node. The daemon
// (bench/nodes-loop-child.ts: config loader, probes, WardenLoop, built-in proxy) watches 3, 30 and 300 fake
// Galera nodes (src/observe/testing/fake-galera-server.ts, served from this process) at intervalMs 1000, in two
// variants: `mixed` (a tenth answer each statement 100 ms late, a twentieth refuse connections) and `third-timeout` (the
// same, and a third accept TCP and never answer: every probe of theirs runs into probe.timeoutMs). Per cell:
// CPU of the warden process (fraction of one core), RSS, p50 / p99 / max tick duration and ticks over the
// interval, the most TCP sockets the warden had open at once and the most connections the fakes saw at once
// (a probe pile-up would show in both), event-loop delay. Targets at 300 nodes: CPU < 0.5 core, RSS < 150 MB,
// no tick over its interval, sockets <= nodes. Standalone: no sandbox.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FakeGaleraServer, SYNCED_PRIMARY_STATUS } from '../src/observe/testing/fake-galera-server.js';
import type { NodesLoopChildInput, NodesLoopFigures } from './nodes-loop-child.js';
import type { Scenario } from './runner.js';
import { table } from './lib/table.js';

const CHILD = fileURLToPath(new URL('./nodes-loop-child.js', import.meta.url));
const SIZES = [3, 30, 300] as const;
/** a slow node's delay before each answer (a probe is 4-5 statements: ~0.5 s in all, inside probe.timeoutMs) */
const SLOW_MS = 100;
const VARIANTS = ['mixed', 'third-timeout'] as const;
/** the nodes take ports P..P+299 on 127.0.0.1, the built-in proxy P..P+2 on this address (inside 300 ports) */
const PROXY_HOST = '127.0.0.2';
export type Variant = (typeof VARIANTS)[number];

export interface NodesLoopCell extends NodesLoopFigures {
  nodes: number;
  variant: Variant;
  /** [probe] reuseConnection (false: a new connection per probe, the default) */
  reuse: boolean;
  intervalMs: number;
  probeTimeoutMs: number;
  slow: number;
  refusing: number;
  silent: number;
  /** the most connections the fake nodes had open at once (sampled every 10 ms, outside the warden) */
  fakeConnectionsMax: number;
}

export interface NodesLoopResult {
  cells: NodesLoopCell[];
  seconds: number;
}

/** which nodes misbehave: slow every 10th, refusing every 20th, silent every 3rd (third-timeout) */
function roleOf(i: number, variant: Variant): 'silent' | 'refusing' | 'slow' | 'ok' {
  if (variant === 'third-timeout' && i % 3 === 2) return 'silent';
  if (i % 20 === 19) return 'refusing';
  if (i % 10 === 4) return 'slow';
  return 'ok';
}

async function runChild(input: NodesLoopChildInput, signal: AbortSignal): Promise<NodesLoopFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(input)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (err += String(d)));
    const kill = () => child.pid && process.kill(child.pid, 'SIGKILL');
    const timer = setTimeout(kill, (input.seconds + input.warmupSeconds + 60) * 1000);
    signal.addEventListener('abort', kill, { once: true });
    child.once('close', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', kill);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line) reject(new Error(`nodes-loop child exited with ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line) as NodesLoopFigures);
    });
  });
}

export async function cell(n: number, variant: Variant, reuse: boolean, seconds: number, basePort: number, signal: AbortSignal): Promise<NodesLoopCell> {
  const fakes: FakeGaleraServer[] = [];
  const nodes: NodesLoopChildInput['nodes'] = [];
  const counts = { slow: 0, refusing: 0, silent: 0 };
  try {
    for (let i = 0; i < n; i++) {
      const name = `n${String(i + 1).padStart(3, '0')}`;
      const port = basePort + i;
      const role = roleOf(i, variant);
      if (role !== 'ok') counts[role]++;
      // refusing: nothing listens on its port
      if (role !== 'refusing') {
        fakes.push(await FakeGaleraServer.start({
          mode: role === 'silent' ? 'silent' : 'answer',
          answerDelayMs: role === 'slow' ? SLOW_MS : 0,
          status: { ...SYNCED_PRIMARY_STATUS, wsrep_local_index: String(i), wsrep_cluster_size: String(n), wsrep_gcomm_uuid: `a1a1a1a1-0000-11f1-8000-${String(i).padStart(12, '0')}`, wsrep_incoming_addresses: '' },
          // as PXC: no mysql.wsrep_cluster_members (the members check is skipped)
          members: { errno: 1146, message: "Table 'mysql.wsrep_cluster_members' doesn't exist" },
        }, port));
      }
      nodes.push({ name, host: '127.0.0.1', port });
    }
    let fakeConnectionsMax = 0;
    const sampler = setInterval(() => {
      let open = 0;
      for (const f of fakes) open += f.openConnections;
      if (open > fakeConnectionsMax) fakeConnectionsMax = open;
    }, 10);
    const input: NodesLoopChildInput = { nodes, intervalMs: 1000, probeTimeoutMs: 800, connectTimeoutMs: 800, seconds, warmupSeconds: 3, proxyHost: PROXY_HOST, writerPort: basePort, readerPort: basePort + 1, healthPort: basePort + 2, reuseConnection: reuse };
    try {
      const figures = await runChild(input, signal);
      return { nodes: n, variant, reuse, intervalMs: input.intervalMs, probeTimeoutMs: input.probeTimeoutMs, ...counts, ...figures, fakeConnectionsMax };
    } finally {
      clearInterval(sampler);
    }
  } finally {
    await Promise.all(fakes.map((f) => f.close()));
  }
}

export const nodesLoop: Scenario<NodesLoopResult> = {
  name: 'nodes',
  title: 'Many nodes, one process: `galera-warden run` watching 3, 30 and 300 fake Galera nodes at intervalMs 1000',
  standalone: true,
  async run(ctx) {
    const seconds = ctx.options.quick ? 10 : 30;
    const cells: NodesLoopCell[] = [];
    for (const variant of VARIANTS) {
      for (const n of SIZES) {
        ctx.log(`nodes: ${n} nodes, ${variant}, ${seconds} s`);
        cells.push(await cell(n, variant, false, seconds, ctx.options.basePort, ctx.signal));
      }
    }
    // beside the default: the largest fleet with one kept connection per node (no connection set-up per probe)
    for (const variant of VARIANTS) {
      ctx.log(`nodes: 300 nodes, ${variant}, reuseConnection, ${seconds} s`);
      cells.push(await cell(300, variant, true, seconds, ctx.options.basePort, ctx.signal));
    }
    return { cells, seconds };
  },
  report: (r) => {
    const rows = r.cells.map((c) => [
      `${c.nodes}`, `${c.variant}${c.reuse ? ', reuse' : ''}`, `${c.slow}/${c.refusing}/${c.silent}`, c.cpuCores.toFixed(3), `${c.rssStartMb} -> ${c.rssEndMb} (peak ${c.rssMaxMb})`, `${c.heapUsedEndMb} / ${c.heapTotalEndMb}`,
      `${c.tickP50} / ${c.tickP99} / ${c.tickMax}`, `${c.overruns} of ${c.ticks}`, `${c.socketsMax} / ${c.fakeConnectionsMax}`, `${c.eventLoopDelayP99Ms}`,
    ]);
    return [
      `${r.seconds} s per cell after a 3 s warm-up; intervalMs 1000, probe.timeoutMs 800; slow = each answer ${SLOW_MS} ms late, refusing = nothing listens, silent = never answers`,
      table(['nodes', 'variant', 'slow/refusing/silent', 'CPU (cores)', 'RSS MB start -> end (peak)', 'heap MB used / total', 'tick ms p50 / p99 / max', 'ticks over interval', 'sockets max (warden / fakes)', 'loop delay p99 ms'], rows),
      'reuse: [probe] reuseConnection = true (one kept connection per node); the other rows use the default, a new connection per probe',
      'targets at 300 nodes: CPU < 0.5 core, RSS < 150 MB, no tick over its interval, sockets <= nodes (no pile-up)',
    ].join('\n');
  },
};
