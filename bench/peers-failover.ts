// Scenario `peers-failover` (issue 12): two routers per configuration, side by side under the same faults:
//   coordinated: two `galera-warden run` instances sharing the Galera-table writer record ([coordination]
//                store = "galera"), each driving its own HAProxy through the stats socket ([haproxy]; the
//                haproxy.cfg from `galera-warden haproxy config`);
//   peers:       two HAProxys with seed 004's peers + stick-table recipe (`galera-warden haproxy config --peers`);
//   plain:       two uncoordinated HAProxys, the usual way (first server, the others backup, httpchk).
// Every HAProxy checks the node-side `galera-warden healthcheck` of the bench (inter 1000 ms). Per router a
// prober writes every 20 ms on a new connection. Per round: when every router of a configuration wrote on
// the new writer, the spread between its first and last router, and how long its routers routed writes to
// different nodes; whether a router moved back to the old writer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { mergeConfig } from '../src/sandbox/merge-config.js';
import type { ConfigRoundsResult } from './lib/config-rounds.js';
import { reportConfigRounds, runConfigRounds } from './lib/config-rounds.js';
import { CLI } from './lib/env.js';
import { HAPROXY_USUAL, renderHaproxyConfig, serverStatus, statsCommand } from './lib/haproxy.js';
import type { ManagedProcess } from './lib/procs.js';
import { assertPortsFree, waitFor } from './lib/util.js';
import { WardenApi, wardenExtraConfig } from './lib/warden.js';
import type { BenchContext, Scenario } from './runner.js';

const FREEZE_MS = 10_000;
const ROUTE_EVERY_MS = 50;
const WRITE_EVERY_MS = 20;
const CHECK_INTER_MS = 1000;
const API = { user: 'bench', password: 'bench-secret' };
const BACKEND = 'galera_writer';

const LABELS = {
  coordinated: '2 wardens (Galera-table record), each driving its HAProxy',
  peers: '2 HAProxys, seed 004 peers + stick table',
  plain: '2 HAProxys, uncoordinated (first + backup)',
};
type Config = keyof typeof LABELS;

interface Hx {
  id: string;
  config: Config;
  port: number;
  socket: string;
  /** the proxy section that holds the servers */
  backend: string;
  proc: ManagedProcess;
}

interface Setup {
  hx: Hx[];
  wardens: { proc: ManagedProcess; api: WardenApi }[];
}

function startHaproxy(ctx: BenchContext, id: string, cfgText: string, extraArgs: string[] = []): ManagedProcess {
  const dir = ctx.env.o.workDir;
  const file = path.join(dir, `${id}.cfg`);
  fs.writeFileSync(file, cfgText);
  execFileSync('haproxy', ['-c', '-q', '-f', file, ...extraArgs], { stdio: 'pipe', timeout: 10_000 });
  return ctx.env.procs.spawn(id, 'haproxy', ['-db', '-f', file, ...extraArgs], path.join(dir, `${id}.log`));
}

async function setUp(ctx: BenchContext): Promise<Setup> {
  const { env } = ctx;
  const sb = env.sandbox;
  const dir = env.o.workDir;
  const b = ctx.options.basePort;
  const p = { apiA: b + 401, hxA: b + 411, apiB: b + 421, hxB: b + 431, peers1: b + 441, peers2: b + 451, plain1: b + 461, plain2: b + 471 };
  await assertPortsFree([p.apiA, p.hxA, p.hxA + 1, p.apiB, p.hxB, p.hxB + 1, p.peers1, p.peers1 + 1, p.peers2, p.peers2 + 1, p.plain1, p.plain2]);
  // the sandbox's config with each node's healthcheck port: the generated haproxy.cfg checks those (httpchk)
  const base = parse(fs.readFileSync(sb.configPath, 'utf8')) as { nodes: { name: string; healthPort?: number }[] };
  for (const n of base.nodes) n.healthPort = env.ports.healthcheck(env.nodeIndex(n.name));
  const baseText = stringify(base);
  const haproxySection = (socket: string, writerPort: number, reader: boolean) =>
    `[haproxy]\nsocket = "${socket}"\nwriterBackend = "${BACKEND}"\nreaderBackend = "galera_reader"\nreaderEnabled = ${reader}\nbind = "127.0.0.1"\nwriterPort = ${writerPort}\nreaderPort = ${writerPort + 1}\ncheckInterMs = ${CHECK_INTER_MS}\n`;
  const writeConfig = (name: string, extra: string) => {
    const file = path.join(dir, `${name}.toml`);
    fs.writeFileSync(file, mergeConfig(baseText, extra));
    return file;
  };
  const haproxyConfig = (cfg: string, args: string[] = []) => execFileSync(process.execPath, [CLI, 'haproxy', 'config', '--config', cfg, ...args], { encoding: 'utf8', timeout: 30_000 });
  const hx: Hx[] = [];
  const wardens: Setup['wardens'] = [];

  // coordinated: a HAProxy per warden, the warden's config generates its haproxy.cfg
  for (const [name, api, port] of [['a', p.apiA, p.hxA], ['b', p.apiB, p.hxB]] as const) {
    const socket = path.join(dir, `hx-${name}.sock`);
    const extra = wardenExtraConfig(env.warden, { writer: 0, reader: 0, health: 0, api }, path.join(dir, `warden-${name}-state.json`), API)
      .replace(/\[proxy\][^[]*/, '[proxy]\nenabled = false\n\n');
    const cfg = writeConfig(`warden-${name}`, `${extra}\n[coordination]\nstore = "galera"\ninstanceId = "bench-${name}"\n\n${haproxySection(socket, port, true)}`);
    const proc = startHaproxy(ctx, `hx-${name}`, haproxyConfig(cfg));
    hx.push({ id: `hx-${name}`, config: 'coordinated', port, socket, backend: BACKEND, proc });
    const warden = env.procs.spawn(`warden-${name}`, process.execPath, [CLI, 'run', '--config', cfg], path.join(dir, `warden-${name}.log`));
    wardens.push({ proc: warden, api: new WardenApi(api, API.user, API.password) });
  }
  // seed 004: every HAProxy lists both peers, itself included (its local name given with -L)
  const peerArgs = [['peers-1', p.peers1], ['peers-2', p.peers2]].map(([n, port]) => `--peer=${String(n)}=127.0.0.1:${Number(port) + 1}`);
  for (const [name, port] of [['peers-1', p.peers1], ['peers-2', p.peers2]] as const) {
    const socket = path.join(dir, `${name}.sock`);
    const cfg = writeConfig(name, haproxySection(socket, port, false));
    const proc = startHaproxy(ctx, name, haproxyConfig(cfg, ['--peers', ...peerArgs]), ['-L', name]);
    hx.push({ id: name, config: 'peers', port, socket, backend: BACKEND, proc });
  }
  // plain: the usual Galera HAProxy, two of them, nothing shared
  const servers = sb.layout.nodes.map((n) => ({ name: n.name, host: n.host, port: n.sqlPort, checkPort: env.ports.healthcheck(n.index) }));
  for (const [name, port] of [['plain-1', p.plain1], ['plain-2', p.plain2]] as const) {
    const socket = path.join(dir, `${name}.sock`);
    const proc = startHaproxy(ctx, name, renderHaproxyConfig(HAPROXY_USUAL, { bind: `127.0.0.1:${port}`, servers, statsSocket: socket }));
    hx.push({ id: name, config: 'plain', port, socket, backend: 'writer', proc });
  }
  for (const w of wardens) {
    await waitFor('the coordinated wardens to elect a writer', 30_000, async () => {
      if (!w.proc.running) throw new Error(`a warden exited; see ${dir}/warden-*.log`);
      return (await w.api.cluster()).writers.length === 1 ? true : undefined;
    }, { everyMs: 250, signal: ctx.signal });
  }
  return { hx, wardens };
}

/** Every configuration back on node1. */
async function restore(ctx: BenchContext, s: Setup): Promise<void> {
  const signal = ctx.signal;
  for (const h of s.hx) if (!h.proc.running) throw new Error(`${h.id} exited; see ${ctx.env.o.workDir}/${h.id}.log`);
  // coordinated: a switchover through one warden moves the shared record; both follow
  const [a] = s.wardens;
  await waitFor('a switchover of the coordinated wardens to node1', ctx.env.warden.minHoldMs + 30_000, async () => {
    const views = await Promise.all(s.wardens.map((w) => w.api.cluster()));
    if (views.every((c) => c.writers.length === 1 && c.writers[0] === 'node1')) return true;
    if (views[0]!.writers.includes('node1') || views[0]!.readers.includes('node1')) await a!.api.switchover('node1');
    return undefined;
  }, { everyMs: 1000, signal });
  // peers and plain: every server UP again by HAProxy's own checks
  for (const h of s.hx.filter((x) => x.config !== 'coordinated')) {
    await waitFor(`${h.id}: every server UP`, 60_000, async () => {
      const st = Object.values(await serverStatus(h.socket, h.backend));
      return st.length === 3 && st.every((x) => x === 'UP') ? true : undefined;
    }, { everyMs: 250, signal });
  }
  // peers: the stick table keeps the failed-over writer (that is the recipe); forget it on both
  for (const h of s.hx) {
    await waitFor(`${h.id} to route to node1`, 30_000, async () => {
      if ((await ctx.env.nodeVia(h.port)) === 'node1') return true;
      if (h.config === 'peers') for (const x of s.hx.filter((y) => y.config === 'peers')) await statsCommand(x.socket, `clear table ${BACKEND}`);
      return undefined;
    }, { everyMs: 500, signal });
  }
}

export const peersFailover: Scenario<ConfigRoundsResult> = {
  name: 'peers-failover',
  title: 'Two routers, one writer: coordinated wardens driving HAProxy beside seed 004\'s HAProxy peers and uncoordinated HAProxys',
  async run(ctx) {
    const s = await setUp(ctx);
    try {
      return await runConfigRounds(ctx, {
        routers: s.hx.map((h) => ({ id: h.id, config: h.config, port: h.port })),
        kinds: ['prober'],
        everyMs: WRITE_EVERY_MS,
        nodePerWrite: true,
        freezeMs: FREEZE_MS,
        watchAfterMs: ctx.env.warden.minHoldMs + 6000,
        recoveryTimeoutMs: 60_000,
        routeEveryMs: ROUTE_EVERY_MS,
        restore: () => restore(ctx, s),
        settings: {
          writeEveryMs: WRITE_EVERY_MS, routeEveryMs: ROUTE_EVERY_MS, freezeMs: FREEZE_MS, watchAfterSyncedMs: ctx.env.warden.minHoldMs + 6000, checkInterMs: CHECK_INTER_MS,
          coordinated: { ...ctx.env.warden, store: 'galera', leaseMs: 3 * ctx.env.warden.intervalMs, haproxy: 'galera-warden haproxy config: default-server inter 1000 fall 2 rise 2 on-marked-down shutdown-sessions, httpchk GET / on the node healthcheck' },
          peers: 'galera-warden haproxy config --peers: stick-table type integer size 1 peers, stick on int(1), inter 1000 fall 2 rise 1 on-marked-down shutdown-sessions, node1 first, node2/node3 backup',
          plain: HAPROXY_USUAL.note,
        },
      });
    } finally {
      for (const w of s.wardens) await w.proc.stop();
      for (const h of s.hx) await h.proc.stop();
    }
  },
  report(result, ctx) {
    return [
      reportConfigRounds(result, { labels: LABELS, baseline: 'plain', multiRouter: true, freezeMs: FREEZE_MS }),
      `all routers route to new writer: the fault until the last router of the configuration sent a new connection to another node than node1 (SELECT @@wsrep_node_name on a new connection every ${ROUTE_EVERY_MS} ms per router, up to 8 at once; answers while Galera is stalled); route spread: its last router minus its first. all routers wrote on new writer: the same for acknowledged INSERTs (a prober per router, a new connection every ${WRITE_EVERY_MS} ms), which cannot come before Galera re-formed. vs baseline: median / median of the two uncoordinated HAProxys.`,
      'disagreement: time in which the two routers of a configuration sent new connections to different nodes (each router\'s latest route answer, while at most 0.5 s old), over the whole round.',
      `writes failed: the probers' errors from the fault to the end of the round (a router that routes nowhere fails a write at once; one that routes to the frozen node holds it until the node answers, so fewer failures is not better by itself). moved back: rounds in which writes or new connections landed on node1 again after the new writer took them (in brackets how many of them per round, median (max)), watched until ${(ctx.env.warden.minHoldMs + 6000) / 1000} s after node1 was Synced again.`,
      `coordinated: run.intervalMs ${ctx.env.warden.intervalMs}, retryDown ${ctx.env.warden.retryDown}, minHoldMs ${ctx.env.warden.minHoldMs}, [coordination] store "galera" (lease ${3 * ctx.env.warden.intervalMs} ms), no built-in proxy; every HAProxy checks the node healthcheck every ${CHECK_INTER_MS} ms.`,
    ].join('\n');
  },
};
