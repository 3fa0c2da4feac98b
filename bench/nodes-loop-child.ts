// The process bench/nodes-loop.ts measures: `galera-warden run`'s Daemon (config loader, probes, WardenLoop,
// built-in proxy) watching the nodes it is given, for a fixed time. It measures itself, from inside, after a
// warm-up: CPU (process.cpuUsage), RSS (sampled), every tick's duration (the loop's own tick records), the
// largest number of TCP sockets open at once (probe connections: a pile-up shows here), event-loop delay.
// Prints one JSON line (NodesLoopFigures) and exits. Argument: a JSON NodesLoopChildInput.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config/load-config.js';
import { Daemon } from '../src/runtime/daemon.js';
import { createLogger } from '../src/runtime/logger.js';

export interface NodesLoopChildInput {
  nodes: { name: string; host: string; port: number }[];
  intervalMs: number;
  probeTimeoutMs: number;
  connectTimeoutMs: number;
  /** measured seconds, after the warm-up */
  seconds: number;
  warmupSeconds: number;
  /** the built-in proxy's address and ports */
  proxyHost: string;
  writerPort: number;
  readerPort: number;
  healthPort: number;
  /** [probe] reuseConnection: one kept connection per node instead of a new one per probe (the default) */
  reuseConnection?: boolean;
}

export interface NodesLoopFigures {
  ticks: number;
  /** tick durations, ms */
  tickP50: number;
  tickP99: number;
  tickMax: number;
  /** ticks longer than the interval (the loop's own count over the measured time) */
  overruns: number;
  /** CPU over the measured time, as a fraction of one core */
  cpuCores: number;
  rssStartMb: number;
  rssMaxMb: number;
  rssEndMb: number;
  heapUsedEndMb: number;
  heapTotalEndMb: number;
  /** memory of Buffers and ArrayBuffers (outside the JS heap) */
  externalEndMb: number;
  /** the most TCP client sockets open at once (sampled every 10 ms) */
  socketsMax: number;
  eventLoopDelayP99Ms: number;
}

const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

function toml(i: NodesLoopChildInput, stateFile: string): string {
  const nodes = i.nodes.map((n, k) => `[[nodes]]\nname = "${n.name}"\nhost = "${n.host}"\nport = ${n.port}\nweight = ${1000 - k}\n`).join('');
  return `[cluster]\nname = "bench-nodes"\n[credentials]\nuser = "warden"\npassword = "bench"\n` +
    `[probe]\nconnectTimeoutMs = ${i.connectTimeoutMs}\ntimeoutMs = ${i.probeTimeoutMs}\nreuseConnection = ${i.reuseConnection === true}\n` +
    `[run]\nintervalMs = ${i.intervalMs}\nstateFile = "${stateFile}"\nlogLevel = "warn"\n` +
    `[proxy]\nenabled = true\nhost = "${i.proxyHost}"\nwriterPort = ${i.writerPort}\nreaderPort = ${i.readerPort}\nhealthPort = ${i.healthPort}\n` +
    `[api]\nenabled = false\n${nodes}`;
}

async function main(input: NodesLoopChildInput): Promise<NodesLoopFigures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-nodes-'));
  try {
    const file = path.join(dir, 'warden.toml');
    fs.writeFileSync(file, toml(input, path.join(dir, 'state.json')));
    const config = await loadConfig(file);
    const log = createLogger({ level: 'error', format: 'json' });
    const daemon = new Daemon({ config, log });
    await daemon.start();
    try {
      await new Promise((r) => setTimeout(r, input.warmupSeconds * 1000));
      const durations: number[] = [];
      let lastSeq = daemon.source.latest()?.seq ?? 0;
      const overruns0 = daemon.source.counters().overruns;
      let socketsMax = 0;
      const rssStart = process.memoryUsage().rss;
      let rssMax = rssStart;
      const delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const sampler = setInterval(() => {
        const t = daemon.source.latest();
        if (t && t.seq !== lastSeq) {
          // every tick is seen: ticks are >= 1 interval apart, samples 10 ms
          lastSeq = t.seq;
          durations.push(t.durationMs);
        }
        const sockets = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
        if (sockets > socketsMax) socketsMax = sockets;
      }, 10);
      const rssTimer = setInterval(() => {
        rssMax = Math.max(rssMax, process.memoryUsage().rss);
      }, 250);
      await new Promise((r) => setTimeout(r, input.seconds * 1000));
      clearInterval(sampler);
      clearInterval(rssTimer);
      const cpu = process.cpuUsage(cpu0);
      const wallMs = performance.now() - t0;
      delay.disable();
      const sorted = [...durations].sort((a, b) => a - b);
      const mem = process.memoryUsage();
      return {
        ticks: durations.length,
        tickP50: Math.round(quantile(sorted, 0.5)),
        tickP99: Math.round(quantile(sorted, 0.99)),
        tickMax: Math.round(sorted[sorted.length - 1] ?? NaN),
        overruns: daemon.source.counters().overruns - overruns0,
        cpuCores: Math.round(((cpu.user + cpu.system) / 1000 / wallMs) * 1000) / 1000,
        rssStartMb: mb(rssStart),
        rssMaxMb: mb(Math.max(rssMax, mem.rss)),
        rssEndMb: mb(mem.rss),
        heapUsedEndMb: mb(mem.heapUsed),
        heapTotalEndMb: mb(mem.heapTotal),
        externalEndMb: mb(mem.external),
        socketsMax,
        eventLoopDelayP99Ms: Math.round((delay.percentile(99) / 1e6) * 10) / 10,
      };
    } finally {
      await daemon.destroy();
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const figures = await main(JSON.parse(process.argv[2] ?? '{}') as NodesLoopChildInput);
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
