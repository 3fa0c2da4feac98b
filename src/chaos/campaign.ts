// `galera-warden chaos`: a fault campaign against a sandbox of its own. Two or more `galera-warden run`
// instances (built-in proxy each, the Galera writer record shared), each driving its own real HAProxy (and, with
// `--routers ...,proxysql`, a real ProxySQL beside each, driven by its own scheduler: galera-warden's scheduler
// mode sharing the same record, as pxcScheduler is deployed); write
// clients send unique rows through every router the whole time. Round by round a fault from the seeded plan is
// injected, held, healed, and the campaign waits until every router writes again. At the end every node is read
// back and the history checker (src/check) judges the whole history: no two nodes took writes at once, no
// acknowledged write is missing, nothing landed on a node its router had already demoted.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { parse, stringify } from 'smol-toml';
import type { Operation, ReadBack } from '../check/history.js';
import type { RoutingSpan, Verdict } from '../check/history-checker.js';
import { checkHistory } from '../check/history-checker.js';
import { createHistoryTable, readBackRows, WriteClient } from '../check/write-client.js';
import { EtcdWriterStore } from '../coordinate/etcd-writer-store.js';
import { RECORD_TABLE } from '../coordinate/galera-writer-store.js';
import { mergeConfig } from '../sandbox/merge-config.js';
import { Sandbox } from '../sandbox/sandbox.js';
import type { EtcdProcess } from './etcd-process.js';
import { startEtcd } from './etcd-process.js';
import type { HaproxyProcess } from './haproxy-process.js';
import { startHaproxy } from './haproxy-process.js';
import type { ProxysqlProcess } from './proxysql-process.js';
import { startProxysql } from './proxysql-process.js';
import type { FaultKind, PlannedFault } from './plan.js';
import { planRounds } from './plan.js';
import type { InjectedFault, RoundRecord, RoundSummary } from './summary.js';
import { byKind, summarizeRounds } from './summary.js';
import type { TcpRelay } from './tcp-relay.js';
import { startRelay } from './tcp-relay.js';
import type { WardenProcess } from './warden-process.js';
import { CLI, startWarden } from './warden-process.js';

export type ChaosRouter = 'proxy' | 'haproxy' | 'proxysql';

/** the adapter name a router's apply errors carry in /api/decisions */
const ADAPTER: Record<ChaosRouter, string> = { proxy: 'builtin', haproxy: 'haproxy', proxysql: 'proxysql' };
/** ProxySQL's writer and reader hostgroups in the campaign */
const HG_WRITER = 100;
const HG_READER = 101;

export interface CampaignOptions {
  rounds: number;
  seed: number;
  kinds: readonly FaultKind[];
  double: boolean;
  routers: readonly ChaosRouter[];
  /** galera-warden instances (2 or more) */
  instances: number;
  /** how long each fault is held before it is healed */
  durationMs: number;
  /** how long every router must have written on one node before the next round */
  settleMs: number;
  /** a round that has not recovered within this long after its heal ends the campaign */
  recoverTimeoutMs: number;
  /**
   * the sandbox's nodes use basePort+11.., the instances basePort+100+10k.., the HAProxys basePort+200+10k..,
   * the ProxySQLs basePort+310+2k (admin) and basePort+311+2k (MySQL)
   */
  basePort: number;
  netns: boolean;
  /** network-namespace sandbox: third octet of its 10.213.X.0/24 */
  subnet: number;
  /** the campaign's folder (sandbox, configs, history); removed at the end unless `keep` */
  dir: string;
  keep: boolean;
  /** the history as JSON lines (default: <dir>/history.jsonl, kept) */
  historyFile: string;
  /**
   * also write through two HAProxys that run without galera-warden (seed 004's peers + stick-table recipe,
   * servers checked against each node's `galera-warden healthcheck`), judged apart: the baseline under the same
   * faults (loopback sandboxes only). Their ports: basePort+300+i (health checks), basePort+400+10k (HAProxys).
   */
  baseline?: boolean;
  /**
   * Galera-native fencing of every instance ([fencing] mode; default "off"): "dead" evicts a killed node through a
   * survivor, "unresponsive" also a frozen one; an evicted node that resumes is restarted through `sandbox restart`
   */
  fencing?: 'off' | 'dead' | 'unresponsive';
  /** where the instances keep the writer record: the Galera nodes (default) or one etcd (basePort+340, peer +341) */
  store?: 'galera' | 'etcd';
  log: (line: string) => void;
}

export interface CampaignResult {
  ok: boolean;
  verdict: Verdict | null;
  rounds: RoundRecord[];
  summaries: RoundSummary[];
  kinds: ReturnType<typeof byKind>;
  /** the baseline routers' own verdict and tables (with `baseline`) */
  baseline: { verdict: Verdict; summaries: RoundSummary[]; kinds: ReturnType<typeof byKind> } | null;
  /** why the campaign stopped early (a round that did not recover, a process that would not start) */
  aborted: string | null;
  epochs: { first: number; last: number };
}

const TABLE = 'app.chaos_history';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const letter = (k: number) => String.fromCharCode(97 + k);

async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(everyMs);
  }
  throw new Error(`no ${what} within ${timeoutMs} ms${last instanceof Error ? ` (${last.message})` : ''}`);
}

interface Instance {
  name: string;
  api: number;
  proxy: number;
  haproxyPort: number;
  config: string;
  warden?: WardenProcess;
  haproxy?: HaproxyProcess;
  proxysqlAdmin: number;
  proxysqlPort: number;
  proxysql?: ProxysqlProcess;
  /** with the cut-warden fault: the relays through which this instance (only) reaches each node */
  relays: TcpRelay[];
  /** decisions by incarnation (pid) and seq */
  decisions: Map<string, { at: number; durationMs: number; writers: string[]; failed: string[] }>;
}

interface DecisionView { seq: number; at: number; durationMs: number; writers: string[]; applyErrors: { router: string }[] }

export class ChaosCampaign {
  private sb: Sandbox | undefined;
  private readonly instances: Instance[] = [];
  private client: WriteClient | undefined;
  private poller: NodeJS.Timeout | undefined;
  private readonly baselineRouters: { name: string; port: number; haproxy: HaproxyProcess }[] = [];
  private readonly healthchecks: ChildProcess[] = [];
  private closed = false;
  private etcd: EtcdProcess | undefined;

  constructor(private readonly o: CampaignOptions) {}

  private routerNames(): string[] {
    return this.instances.flatMap((i) => this.o.routers.map((r) => `${r}-${i.name}`));
  }

  private async api<T>(i: Instance, p: string): Promise<T> {
    const res = await fetch(`http://127.0.0.1:${i.api}${p}`, { signal: AbortSignal.timeout(3000) });
    return (await res.json()) as T;
  }

  /**
   * A real ProxySQL beside the instance, driven as pxcScheduler is: ProxySQL's own scheduler runs galera-warden's
   * scheduler mode every 2 s (`proxysql install --active --apply`), and the runs share the instances' writer record.
   * Its routing never depends on the instance's process: a ProxySQL driven by a `run` daemon keeps its last
   * routing when that daemon dies (ProxySQL has nothing like HAProxy's dead-man check), which this campaign caught
   * as overlapping writes (docs/chaos.md).
   */
  private async startProxysql(i: Instance): Promise<void> {
    const sb = this.sb!;
    i.proxysql = await startProxysql({
      adminPort: i.proxysqlAdmin, mysqlPort: i.proxysqlPort, appUser: 'app', appPassword: sb.password('app'), writerHostgroup: HG_WRITER,
      monitorUser: 'warden', monitorPassword: sb.password('warden'),
    });
    const dir = path.join(this.o.dir, `proxysql-${i.name}`);
    fs.mkdirSync(dir, { recursive: true });
    const config = path.join(dir, 'config.toml');
    fs.writeFileSync(config, [
      '[global]', 'logLevel = "info"', 'logTarget = "file"', `logFile = "${path.join(dir, 'scheduler.log')}"`, 'lockfiletimeout = 60', 'lockclustertimeout = 600', `lockfilepath = "${dir}"`, '',
      '[proxysql]', 'host = "127.0.0.1"', `port = ${i.proxysqlAdmin}`, 'user = "admin"', 'password = "admin"', 'clustered = false', '',
      '[pxccluster]', `hgW = ${HG_WRITER}`, `hgR = ${HG_READER}`, 'clusterId = 10', 'checkTimeOut = 1000', 'retryUp = 2', 'retryDown = 2', '',
      '[coordination]', 'store = "galera"', `cluster = "${sb.layout.clusterName}"`, `instanceId = "proxysql-${i.name}"`, 'timeoutMs = 1000', '',
    ].join('\n'));
    const nodes = sb.layout.nodes.flatMap((n, j) => ['--node', `${n.host}:${n.sqlPort}:${1000 - j}:${n.name}`]);
    execFileSync(process.execPath, [CLI, 'proxysql', 'install', '--configfile', config, ...nodes, '--interval-ms', '2000', '--active', '--apply'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** the writer the live instances route (undefined: none, or they disagree) */
  private async writer(): Promise<string | undefined> {
    const views = await Promise.all(this.instances.filter((i) => i.warden && i.warden.child.exitCode === null).map((i) => this.api<{ writers: string[] }>(i, '/api/cluster').catch(() => undefined)));
    const ws = new Set(views.map((v) => (v?.writers.length === 1 ? v.writers[0] : '')));
    const [w] = [...ws];
    return ws.size === 1 && w ? w : undefined;
  }

  private async epoch(): Promise<number> {
    if (this.etcd) {
      // the record is in etcd: read it as an instance would
      const store = new EtcdWriterStore({ cluster: this.sb!.layout.clusterName, endpoints: [this.etcd.endpoint], instanceId: 'chaos-campaign', leaseMs: 10_000, timeoutMs: 5000 });
      try {
        const r = await store.read();
        if (!r.ok) throw new Error(`etcd ${this.etcd.endpoint}: ${r.error.message}`);
        return r.record?.epoch ?? 0;
      } finally {
        await store.close().catch(() => undefined);
      }
    }
    for (const n of this.sb!.layout.nodes) {
      try {
        const rows = await this.sb!.sql(n.index, `SELECT COALESCE(MAX(epoch), 0) FROM galera_warden.${RECORD_TABLE}`, 5000);
        return Number(rows[0]?.[0] ?? 0);
      } catch {
        // the next node
      }
    }
    throw new Error('no node answered for the writer record');
  }

  private startInstance(i: Instance): void {
    this.saveLogs(i);
    i.warden = startWarden(i.config);
  }

  /** appends what the instance's process logged to <dir>/warden-<name>.log (JSON lines), for a failed round's post-mortem */
  private saveLogs(i: Instance): void {
    const w = i.warden;
    if (!w || w.logs.length === 0) return;
    fs.appendFileSync(path.join(this.o.dir, `warden-${i.name}.log`), `${w.logs.map((l) => JSON.stringify(l)).join('\n')}\n${w.stderr.join('')}`);
    w.logs.length = 0;
  }

  private async poll(): Promise<void> {
    await Promise.all(this.instances.map(async (i) => {
      const pid = i.warden?.child.pid;
      if (!pid || i.warden?.child.exitCode !== null) return;
      const list = await this.api<DecisionView[]>(i, '/api/decisions?limit=100').catch(() => [] as DecisionView[]);
      for (const d of list) i.decisions.set(`${pid}:${d.seq}`, { at: d.at, durationMs: d.durationMs, writers: d.writers, failed: d.applyErrors.map((e) => e.router) });
    }));
  }

  /** per router: from when its instance had routed which writers (ticks whose apply failed there are left out) */
  routings(): Record<string, RoutingSpan[]> {
    const out: Record<string, RoutingSpan[]> = {};
    for (const i of this.instances) {
      for (const r of this.o.routers) {
        // a ProxySQL router follows its own scheduler runs, not this instance's decisions: no timeline
        if (r === 'proxysql') continue;
        const adapter = ADAPTER[r];
        out[`${r}-${i.name}`] = [...i.decisions.values()].filter((d) => !d.failed.includes(adapter)).map((d) => ({ from: d.at + d.durationMs, decidedAt: d.at, writers: d.writers })).sort((a, b) => a.from - b.from);
      }
    }
    return out;
  }

  private async setUp(): Promise<void> {
    const { o } = this;
    fs.mkdirSync(o.dir, { recursive: true });
    o.log(`sandbox: 3 nodes (${o.netns ? 'network namespaces' : 'loopback'}) in ${o.dir}, ports from ${o.basePort}`);
    this.sb = await Sandbox.up({ dir: path.join(o.dir, 'sandbox'), nodes: 3, basePort: o.basePort, mode: o.netns ? 'netns' : 'loopback', subnet: o.subnet, log: (l) => o.log(`  ${l}`) });
    const sb = this.sb;
    if (o.store === 'etcd') {
      this.etcd = await startEtcd({ clientPort: o.basePort + 340, peerPort: o.basePort + 341, name: 'chaos' });
      o.log(`etcd (the writer record) at ${this.etcd.endpoint}`);
    }
    const coordination = this.etcd ? `store = "etcd"\nendpoints = ["${this.etcd.endpoint}"]` : 'store = "galera"';
    const n1 = sb.node(1);
    const direct = await mysql.createConnection({ host: n1.host, port: n1.sqlPort, user: 'app', password: sb.password('app') });
    try {
      await createHistoryTable(direct, TABLE);
    } finally {
      direct.destroy();
    }
    for (let k = 0; k < o.instances; k++) {
      const name = letter(k);
      const proxy = o.basePort + 100 + 10 * k;
      const i: Instance = {
        name, api: proxy + 3, proxy, haproxyPort: o.basePort + 200 + 10 * k, proxysqlAdmin: o.basePort + 310 + 2 * k, proxysqlPort: o.basePort + 311 + 2 * k,
        config: path.join(o.dir, `warden-${name}.toml`), decisions: new Map(), relays: [],
      };
      // listed at once: close() stops whatever of it was started, should the set-up fail half-way
      this.instances.push(i);
      // cut-warden: the instance reaches every node through relays of its own (basePort+450+10k+i); its HAProxy
      // reaches them directly, so that only the instance is cut off
      let nodes = '';
      if (o.kinds.includes('cut-warden')) {
        for (const n of sb.layout.nodes) i.relays.push(await startRelay(o.basePort + 450 + 10 * k + n.index, { host: n.host, port: n.sqlPort }));
        nodes = sb.layout.nodes.map((n, j) => `[[nodes]]\nname = "${n.name}"\nhost = "127.0.0.1"\nport = ${i.relays[j]!.port}\nweight = ${1000 - j}\n`).join('\n');
      }
      const socket = path.join(o.dir, `haproxy-${name}.sock`);
      const haproxy = o.routers.includes('haproxy') ? `\n[haproxy]\nsocket = "${socket}"\nbind = "127.0.0.1"\nwriterPort = ${i.haproxyPort}\nreaderPort = ${i.haproxyPort + 1}\ncheckInterMs = 1000\n` : '';
      if (o.routers.includes('proxysql')) await this.startProxysql(i);
      const fencing = (o.fencing ?? 'off') === 'off' ? '' : `\n[fencing]\nmode = "${o.fencing}"\nrestartHook = ${JSON.stringify([process.execPath, CLI, 'sandbox', '--dir', sb.dir, 'restart', '{node}'])}\n`;
      const extra = `
[routing]
retryUp = 2
retryDown = 2
minHoldMs = 3000

[probe]
connectTimeoutMs = 1000
timeoutMs = 1500

[run]
intervalMs = 300
history = 5000
stateFile = "${path.join(o.dir, `state-${name}.json`)}"
logLevel = "info"

[coordination]
${coordination}
instanceId = "warden-${name}"
timeoutMs = 1500

[proxy]
host = "127.0.0.1"
writerPort = ${proxy}
readerPort = ${proxy + 1}
healthPort = ${proxy + 2}
waitForBackendMs = 3000
drainMs = 500

[api]
host = "127.0.0.1"
port = ${i.api}
${haproxy}${fencing}`;
      const base = fs.readFileSync(sb.configPath, 'utf8');
      fs.writeFileSync(i.config, mergeConfig(base, `${extra}\n${nodes}`));
      if (haproxy) {
        // the HAProxy reaches the nodes directly (not through the instance's relays) and checks the instance's health port
        const direct = path.join(o.dir, `haproxy-${name}.toml`);
        fs.writeFileSync(direct, mergeConfig(base, extra));
        const text = execFileSync(process.execPath, [CLI, 'haproxy', 'config', '--config', direct], { encoding: 'utf8' });
        i.haproxy = await startHaproxy(() => text, { socket });
      }
      this.startInstance(i);
    }
    const w = await until('writer routed by every instance', 120_000, () => this.writer(), 300);
    o.log(`instances ${this.instances.map((i) => `warden-${i.name} (proxy ${i.proxy}${i.haproxy ? `, haproxy ${i.haproxyPort}` : ''}${i.proxysql ? `, proxysql ${i.proxysqlPort} (admin ${i.proxysqlAdmin})` : ''}, api ${i.api})`).join(', ')} route ${w}`);
    this.poller = setInterval(() => void this.poll(), 500);
    if (o.baseline) await this.startBaseline();
    const routers = [
      ...this.instances.flatMap((i) => this.o.routers.map((r) => ({ name: `${r}-${i.name}`, host: '127.0.0.1', port: r === 'proxy' ? i.proxy : r === 'haproxy' ? i.haproxyPort : i.proxysqlPort }))),
      ...this.baselineRouters.map((b) => ({ name: b.name, host: '127.0.0.1', port: b.port })),
    ];
    this.client = new WriteClient({ routers, clientsPerRouter: 2, user: 'app', password: sb.password('app'), table: TABLE, everyMs: 40, connectTimeoutMs: 2000, writeTimeoutMs: 3000, runId: `chaos_${o.seed}` });
    this.client.start();
  }

  /** seed 004's recipe: node health checks, two HAProxys sharing a stick table through peers */
  private async startBaseline(): Promise<void> {
    const { o } = this;
    const sb = this.sb!;
    const base = parse(fs.readFileSync(sb.configPath, 'utf8')) as { nodes: { name: string; healthPort?: number }[] };
    for (const [k, n] of sb.layout.nodes.entries()) {
      const port = o.basePort + 300 + k;
      const child = spawn(process.execPath, [CLI, 'healthcheck', '--config', sb.configPath, '--node', n.name, '--listen', `127.0.0.1:${port}`], { stdio: 'ignore' });
      this.healthchecks.push(child);
      process.once('exit', () => child.exitCode === null && child.kill('SIGKILL'));
      base.nodes.find((x) => x.name === n.name)!.healthPort = port;
      await until(`answer of the health check of ${n.name} on 127.0.0.1:${port}`, 30_000, async () => ((await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) })).status > 0 ? true : undefined), 250);
    }
    const names = ['peers-1', 'peers-2'];
    const port = (k: number) => o.basePort + 400 + 10 * k;
    const peerArgs = names.map((n, k) => `--peer=${n}=127.0.0.1:${port(k) + 2}`);
    for (const [k, name] of names.entries()) {
      const socket = path.join(o.dir, `${name}.sock`);
      const cfg = path.join(o.dir, `${name}.toml`);
      fs.writeFileSync(cfg, mergeConfig(stringify(base), `[haproxy]\nsocket = "${socket}"\nbind = "127.0.0.1"\nwriterPort = ${port(k)}\nreaderPort = ${port(k) + 1}\nreaderEnabled = false\ncheckInterMs = 1000\n`));
      const text = execFileSync(process.execPath, [CLI, 'haproxy', 'config', '--config', cfg, '--peers', ...peerArgs], { encoding: 'utf8' });
      this.baselineRouters.push({ name, port: port(k), haproxy: await startHaproxy(() => text, { socket, args: ['-L', name] }) });
    }
    o.log(`baseline: ${names.join(', ')} (HAProxy alone, seed 004's peers + stick table, checking each node's healthcheck) on ${names.map((_, k) => port(k)).join(', ')}`);
  }

  /** every node Synced; every router's last 3 writes after `since` on one node, for settleMs */
  private async recovered(since: number, repairs: string[], timeoutMs: number): Promise<{ at: number; writer: string } | null> {
    const sb = this.sb!;
    const deadline = Date.now() + timeoutMs;
    let repairedAt = Date.now();
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0) return null;
      const status = await sb.status();
      const lagging = status.filter((n) => n.state !== 'Synced' || n.clusterStatus !== 'Primary');
      if (lagging.length > 0) {
        // a node that has not rejoined by itself (a thawed node the group evicted) is restarted, once a minute
        if (Date.now() - repairedAt > 60_000) {
          for (const n of lagging) {
            repairs.push(`restarted ${n.name} (${n.process}, ${n.state ?? n.error ?? 'no answer'})`);
            this.o.log(`  repair: ${n.name} did not rejoin (${n.state ?? n.error ?? n.process}); restarting it`);
            await sb.restart(n.index).catch((err: Error) => this.o.log(`  repair of ${n.name} failed: ${err.message}`));
          }
          repairedAt = Date.now();
        }
        await sleep(500);
        continue;
      }
      const ops = this.client!.since(since);
      const last = this.routerNames().map((r) => ops.filter((x) => x.router === r && x.outcome === 'ok').slice(-3));
      const nodes = new Set(last.flat().map((x) => x.node!));
      const baselineWrites = this.baselineRouters.every((b) => ops.filter((x) => x.router === b.name && x.outcome === 'ok').length >= 3);
      if (last.every((l) => l.length === 3) && nodes.size === 1 && baselineWrites) {
        const at = Math.min(...last.map((l) => l[0]!.completeAt));
        return { at, writer: [...nodes][0]! };
      }
      await sleep(300);
    }
  }

  private async inject(f: PlannedFault, writer: string): Promise<{ fault: InjectedFault; heal: () => Promise<void> }> {
    const sb = this.sb!;
    if (f.kind === 'restart-warden') {
      const i = this.instances[f.index % this.instances.length]!;
      await i.warden?.stop('SIGKILL');
      return { fault: { kind: f.kind, target: `warden-${i.name}`, role: 'instance' }, heal: async () => this.startInstance(i) };
    }
    if (f.kind === 'store-down') {
      const etcd = this.etcd;
      if (!etcd) throw new Error('store-down needs the etcd store');
      await etcd.kill();
      return { fault: { kind: f.kind, target: 'etcd', role: 'instance' }, heal: () => etcd.start() };
    }
    if (f.kind === 'cut-warden') {
      const i = this.instances[f.index % this.instances.length]!;
      for (const r of i.relays) await r.sever();
      return {
        fault: { kind: f.kind, target: `warden-${i.name}`, role: 'instance' },
        heal: async () => {
          for (const r of i.relays) await r.restore();
        },
      };
    }
    const nodes = sb.layout.nodes;
    const others = nodes.filter((n) => n.name !== writer);
    const node = f.aim === 'writer' ? nodes.find((n) => n.name === writer) ?? nodes[0]! : others[f.index % others.length]!;
    const fault: InjectedFault = { kind: f.kind, target: node.name, role: node.name === writer ? 'writer' : 'other' };
    // a node that just rejoined may refuse a desync for a moment (ERROR 1396): tried for up to 10 s
    const set = async (sql: string) => {
      for (let attempt = 1; ; attempt++) {
        try {
          await sb.sql(node.index, sql);
          return;
        } catch (err) {
          if (attempt >= 10) throw new Error(`${node.name}: ${sql}: ${(err as Error).message.split('\n').filter((l) => /ERROR/.test(l)).join(' ') || (err as Error).message}`);
          await sleep(1000);
        }
      }
    };
    switch (f.kind) {
      case 'kill':
        sb.kill(node.index);
        return { fault, heal: () => sb.start(node.index, { wait: false }) };
      case 'freeze':
        sb.freeze(node.index);
        return { fault, heal: async () => void sb.thaw(node.index) };
      case 'desync':
        await set('SET GLOBAL wsrep_desync=ON');
        return { fault, heal: () => set('SET GLOBAL wsrep_desync=OFF') };
      case 'reject-queries':
        await set('SET GLOBAL wsrep_reject_queries=ALL');
        return { fault, heal: () => set('SET GLOBAL wsrep_reject_queries=NONE') };
      case 'read-only':
        await set('SET GLOBAL read_only=ON');
        return { fault, heal: () => set('SET GLOBAL read_only=OFF') };
      case 'isolate':
        await sb.isolate(node.index);
        return { fault, heal: () => sb.heal(node.index) };
    }
  }

  async run(): Promise<CampaignResult> {
    const { o } = this;
    const rounds: RoundRecord[] = [];
    let aborted: string | null = null;
    let first = 0;
    let lastEpoch = 0;
    let ops: Operation[] = [];
    let verdict: Verdict | null = null;
    let wardenOps: Operation[] = [];
    let baseline: CampaignResult['baseline'] = null;
    try {
      await this.setUp();
      first = await this.epoch();
      const start = await this.recovered(Date.now(), [], o.recoverTimeoutMs);
      if (!start) throw new Error('the routers did not all write on one node after the start');
      o.log(`writes flow through ${this.routerNames().join(', ')} to ${start.writer} (record epoch ${first})`);
      for (const planned of planRounds(o.seed, o.rounds, o.kinds, o.double)) {
        const startAt = Date.now();
        const writerBefore = (await this.writer()) ?? null;
        const injectedAt = Date.now();
        const injected: { fault: InjectedFault; heal: () => Promise<void> }[] = [];
        for (const f of planned.faults) {
          try {
            injected.push(await this.inject(f, writerBefore ?? ''));
          } catch (err) {
            // a fault the cluster would not take is skipped (and said), not the end of the campaign
            o.log(`round ${planned.round}: could not inject ${f.kind} (${(err as Error).message}); skipped`);
            injected.push({ fault: { kind: `${f.kind} (not injected)`, target: '-', role: 'instance' }, heal: async () => undefined });
          }
        }
        o.log(`round ${planned.round}: ${injected.map((x) => `${x.fault.kind} ${x.fault.target}`).join(' + ')} for ${o.durationMs} ms`);
        await sleep(o.durationMs);
        for (const x of injected) await x.heal();
        const healedAt = Date.now();
        const repairs: string[] = [];
        const back = await this.recovered(healedAt, repairs, o.recoverTimeoutMs);
        if (back) await sleep(o.settleMs);
        rounds.push({ round: planned.round, faults: injected.map((x) => x.fault), startAt, injectedAt, healedAt, recoveredAt: back?.at ?? null, endAt: Date.now(), writerBefore, writerAfter: back?.writer ?? null, repairs });
        if (!back) {
          aborted = `round ${planned.round} (${injected.map((x) => `${x.fault.kind} ${x.fault.target}`).join(' + ')}) did not recover within ${o.recoverTimeoutMs} ms of its heal: not every node Synced, or not every router writing on one node`;
          o.log(aborted);
          break;
        }
        o.log(`  every router writes on ${back.writer} ${((back.at - healedAt) / 1000).toFixed(2)} s after the heal`);
      }
    } catch (err) {
      aborted = `the campaign stopped: ${(err as Error).message}`;
      o.log(aborted);
    }
    try {
      ops = (await this.client?.stop()) ?? [];
      if (this.poller) clearInterval(this.poller);
      await this.poll();
      for (const i of this.instances) {
        await i.warden?.stop('SIGTERM');
        this.saveLogs(i);
      }
      if (this.sb && ops.length > 0) {
        lastEpoch = await this.epoch().catch((err: Error) => {
          throw new Error(`reading the record's epoch: ${err.message}`);
        });
        const readBack = await this.readBack();
        const isBaseline = new Set(this.baselineRouters.map((b) => b.name));
        wardenOps = ops.filter((x) => !isBaseline.has(x.router));
        verdict = checkHistory(wardenOps, readBack, { maxWriterChanges: lastEpoch - first, routings: this.routings() });
        if (isBaseline.size > 0) {
          const bOps = ops.filter((x) => isBaseline.has(x.router));
          const v = checkHistory(bOps, readBack);
          const summaries = summarizeRounds(rounds, bOps, v);
          baseline = { verdict: v, summaries, kinds: byKind(rounds, summaries) };
        }
        this.writeHistory(ops, rounds, readBack, verdict, baseline?.verdict);
      }
    } catch (err) {
      aborted ??= `the campaign could not be judged: ${(err as Error).message}`;
      o.log(aborted);
    }
    const summaries = verdict ? summarizeRounds(rounds, wardenOps, verdict) : [];
    return { ok: aborted === null && verdict !== null && verdict.ok, verdict, rounds, summaries, kinds: verdict ? byKind(rounds, summaries) : [], baseline, aborted, epochs: { first, last: lastEpoch } };
  }

  private async readBack(): Promise<ReadBack[]> {
    const sb = this.sb!;
    const out: ReadBack[] = [];
    for (const n of sb.layout.nodes) {
      // a causal read (wsrep_sync_wait) that times out answers "Lock wait timeout": the node is still applying
      for (let attempt = 1; ; attempt++) {
        try {
          const c = await mysql.createConnection({ host: n.host, port: n.sqlPort, user: 'app', password: sb.password('app'), connectTimeout: 5000 });
          try {
            out.push(await readBackRows(c, TABLE, n.name, `chaos_${this.o.seed}`));
          } finally {
            c.destroy();
          }
          break;
        } catch (err) {
          if (attempt >= 4) throw new Error(`the read-back of ${n.name} (${n.host}:${n.sqlPort}) failed ${attempt} times: ${(err as Error).message}`);
          this.o.log(`  read-back of ${n.name} failed (${(err as Error).message}); trying again`);
          await sleep(3000);
        }
      }
    }
    return out;
  }

  private writeHistory(ops: readonly Operation[], rounds: readonly RoundRecord[], readBack: readonly ReadBack[], verdict: Verdict, baseline?: Verdict): void {
    const { o } = this;
    const lines = [
      { type: 'campaign', seed: o.seed, rounds: o.rounds, faults: o.kinds, double: o.double, routers: o.routers, instances: o.instances, durationMs: o.durationMs, fencing: o.fencing ?? 'off', store: o.store ?? 'galera' },
      ...rounds.map((r) => ({ type: 'round', ...r })),
      ...ops.map((op) => ({ type: 'op', ...op })),
      ...Object.entries(this.routings()).flatMap(([router, spans]) => spans.map((s) => ({ type: 'routing', router, ...s }))),
      ...readBack.map((rb) => ({ type: 'readback', from: rb.from, rows: rb.rows.length })),
      { type: 'verdict', ok: verdict.ok, counts: verdict.counts, violations: verdict.violations, totals: verdict.totals, longestGap: verdict.longestGap },
      ...(baseline ? [{ type: 'baseline-verdict', routers: this.baselineRouters.map((b) => b.name), ok: baseline.ok, counts: baseline.counts, violations: baseline.violations, totals: baseline.totals, longestGap: baseline.longestGap }] : []),
    ];
    fs.mkdirSync(path.dirname(o.historyFile), { recursive: true });
    fs.writeFileSync(o.historyFile, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  }

  /** Stops every process the campaign started (by pid), tears the sandbox down; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.poller) clearInterval(this.poller);
    await this.client?.stop().catch(() => undefined);
    for (const i of this.instances) await i.warden?.stop('SIGKILL').catch(() => undefined);
    for (const i of this.instances) await i.haproxy?.stop().catch(() => undefined);
    for (const i of this.instances) await i.proxysql?.stop().catch(() => undefined);
    for (const b of this.baselineRouters) await b.haproxy.stop().catch(() => undefined);
    for (const i of this.instances) for (const r of i.relays) await r.close().catch(() => undefined);
    for (const h of this.healthchecks) if (h.exitCode === null && h.pid) h.kill('SIGKILL');
    await this.etcd?.stop().catch(() => undefined);
    if (this.sb) await this.sb.down().catch(() => undefined);
    if (!this.o.keep) {
      for (const e of fs.existsSync(this.o.dir) ? fs.readdirSync(this.o.dir) : []) {
        const p = path.join(this.o.dir, e);
        if (p !== this.o.historyFile) fs.rmSync(p, { recursive: true, force: true });
      }
    }
  }
}
