// The bench's world: a real 3-node Galera sandbox in its own folder and port range, a healthcheck per
// node, the warden with its built-in proxy, and two HAProxy instances, all routing writes to the same
// cluster side by side. Every process is the bench's own and is stopped by pid.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { mergeConfig } from '../../src/sandbox/merge-config.js';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import type { HaproxyProfile } from './haproxy.js';
import { HAPROXY_PERCONA, HAPROXY_USUAL, renderHaproxyConfig, serverStatus } from './haproxy.js';
import type { ManagedProcess } from './procs.js';
import { ProcessGroup } from './procs.js';
import { Reaper } from './reaper.js';
import { assertPortsFree, clock, waitFor, withTimeout } from './util.js';
import type { WardenSettings } from './warden.js';
import { WARDEN_SETTINGS, WardenApi, wardenExtraConfig } from './warden.js';

export const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/main.js');

export interface Router {
  id: string;
  label: string;
  port: number;
  note: string;
}

export interface RouterEvent {
  t: number;
  router: string;
  text: string;
}

export interface EnvOptions {
  basePort: number;
  workDir: string;
  log: (line: string) => void;
  signal: AbortSignal;
}

const API_USER = 'bench';
const API_PASSWORD = 'bench-secret';
const SYNC_TIMEOUT_MS = 180_000;

interface Haproxy {
  profile: HaproxyProfile;
  port: number;
  socket: string;
  proc: ManagedProcess;
}

export class BenchEnv {
  private readonly reaper: Reaper;
  readonly procs: ProcessGroup;
  readonly events: RouterEvent[] = [];
  readonly routers: Router[] = [];
  readonly api: WardenApi;
  readonly warden: WardenSettings = WARDEN_SETTINGS;
  sb: Sandbox | undefined;
  appPassword = '';
  wardenPassword = '';
  private readonly haproxies: Haproxy[] = [];
  private wardenProc: ManagedProcess | undefined;
  readonly ports: { sandboxBase: number; node: (i: number) => number; wardenWriter: number; wardenReader: number; wardenHealth: number; wardenApi: number; haproxy: number; haproxyPercona: number; healthcheck: (i: number) => number };

  constructor(readonly o: EnvOptions) {
    this.reaper = new Reaper(o.workDir);
    this.procs = new ProcessGroup((pid) => this.reaper.add(pid));
    const b = o.basePort;
    this.ports = {
      sandboxBase: b,
      node: (i) => b + 10 * i + 1,
      wardenWriter: b + 101,
      wardenReader: b + 102,
      wardenHealth: b + 103,
      wardenApi: b + 104,
      haproxy: b + 111,
      haproxyPercona: b + 121,
      healthcheck: (i) => b + 200 + i,
    };
    this.api = new WardenApi(this.ports.wardenApi, API_USER, API_PASSWORD);
  }

  get sandbox(): Sandbox {
    if (!this.sb) throw new Error('the sandbox is not up');
    return this.sb;
  }

  get nodeNames(): string[] {
    return this.sandbox.layout.nodes.map((n) => n.name);
  }

  nodeIndex(name: string): number {
    const n = this.sandbox.layout.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n.index;
  }

  private file(name: string): string {
    return path.join(this.o.workDir, name);
  }

  async start(): Promise<void> {
    const { log } = this.o;
    const p = this.ports;
    const nodePorts = [1, 2, 3].flatMap((i) => [1, 2, 3, 4].map((k) => p.sandboxBase + 10 * i + k));
    await assertPortsFree([...nodePorts, p.wardenWriter, p.wardenReader, p.wardenHealth, p.wardenApi, p.haproxy, p.haproxyPercona, p.healthcheck(1), p.healthcheck(2), p.healthcheck(3)]);

    log(`sandbox: 3 MariaDB Galera nodes on 127.0.0.1:${p.node(1)},${p.node(2)},${p.node(3)} in ${this.file('sandbox')}`);
    this.sb = await Sandbox.up({ dir: this.file('sandbox'), nodes: 3, basePort: p.sandboxBase, log: (l) => log(`  ${l}`) });
    const sb = this.sb;
    this.appPassword = sb.password('app');
    this.wardenPassword = sb.password('warden');
    await sb.sql(1, [
      'CREATE TABLE app.bench (id BIGINT AUTO_INCREMENT PRIMARY KEY, router VARCHAR(32) NOT NULL, client VARCHAR(16) NOT NULL, seq INT NOT NULL, node VARCHAR(64) NOT NULL, ts TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6))',
      'CREATE TABLE app.kv (id INT PRIMARY KEY, v INT NOT NULL)',
    ].join(';'));

    // One node-side healthcheck per node (HAProxy's httpchk target), with the sandbox's plain config
    // (probe defaults: connect 1000 ms, deadline 2000 ms).
    for (const n of sb.layout.nodes) {
      const proc = this.procs.spawn(`healthcheck-${n.name}`, process.execPath,
        [CLI, 'healthcheck', '--config', sb.configPath, '--node', n.name, '--listen', `127.0.0.1:${p.healthcheck(n.index)}`, '--hold-ms', '0'],
        this.file(`healthcheck-${n.name}.log`));
      await waitFor(`healthcheck of ${n.name}`, 15_000, async () => {
        if (!proc.running) throw new Error(`healthcheck of ${n.name} exited; see ${this.file(`healthcheck-${n.name}.log`)}`);
        const r = await fetch(`http://127.0.0.1:${p.healthcheck(n.index)}/`, { signal: AbortSignal.timeout(3000) });
        return r.status === 200 ? true : undefined;
      }, { everyMs: 200, signal: this.o.signal });
    }

    // The warden with its built-in proxy.
    const cfg = this.file('warden-bench.toml');
    // merged, not appended: the sandbox's config has a [run] table of its own (a second one is a TOML error)
    fs.writeFileSync(cfg, mergeConfig(fs.readFileSync(sb.configPath, 'utf8'), wardenExtraConfig(this.warden,
      { writer: p.wardenWriter, reader: p.wardenReader, health: p.wardenHealth, api: p.wardenApi }, this.file('warden-state.json'), { user: API_USER, password: API_PASSWORD })));
    // BENCH_WARDEN_NODE_ARGS: Node options for the warden alone (profiling: `--perf-basic-prof`, `--cpu-prof`)
    const nodeArgs = (process.env.BENCH_WARDEN_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const warden = this.procs.spawn('warden', process.execPath, [...nodeArgs, CLI, 'run', '--config', cfg], this.file('warden.log'));
    this.wardenProc = warden;
    warden.onLine((line, t) => {
      if (!line.startsWith('{')) return;
      try {
        const e = JSON.parse(line) as { pool?: string; node?: string; from?: string; to?: string; msg?: string; severed?: unknown };
        if (e.pool !== undefined && e.node !== undefined) this.events.push({ t, router: 'builtin', text: `${e.node} ${e.pool}: ${e.from ?? '?'} -> ${e.to ?? '?'}` });
        else if (e.severed !== undefined && e.msg) this.events.push({ t, router: 'builtin', text: `applied: ${e.msg}` });
      } catch {
        // not JSON
      }
    });
    this.routers.push({
      id: 'builtin', label: 'built-in proxy (warden)', port: p.wardenWriter,
      note: `run.intervalMs ${this.warden.intervalMs}, probe ${this.warden.connectTimeoutMs}/${this.warden.probeTimeoutMs} ms, retryDown ${this.warden.retryDown}, retryUp ${this.warden.retryUp}, minHoldMs ${this.warden.minHoldMs} (default), sticky writer (failBack off)`,
    });
    await waitFor('the warden to elect a writer', 30_000, async () => {
      if (!warden.running) throw new Error(`the warden exited; see ${this.file('warden.log')}`);
      return (await this.api.cluster()).writers.length === 1 ? true : undefined;
    }, { everyMs: 200, signal: this.o.signal });

    // HAProxy, two profiles.
    const servers = sb.layout.nodes.map((n) => ({ name: n.name, host: n.host, port: n.sqlPort, checkPort: p.healthcheck(n.index) }));
    for (const [profile, port] of [[HAPROXY_USUAL, p.haproxy], [HAPROXY_PERCONA, p.haproxyPercona]] as const) {
      const socket = this.file(`${profile.id}.sock`);
      const cfgFile = this.file(`${profile.id}.cfg`);
      fs.writeFileSync(cfgFile, renderHaproxyConfig(profile, { bind: `127.0.0.1:${port}`, servers, statsSocket: socket }));
      execFileSync('haproxy', ['-c', '-q', '-f', cfgFile], { stdio: 'pipe', timeout: 10_000 });
      const proc = this.procs.spawn(profile.id, 'haproxy', ['-db', '-f', cfgFile], this.file(`${profile.id}.log`));
      proc.onLine((line, t) => {
        const m = /Server writer\/(\S+) is (\w+)(.*)/.exec(line);
        if (!m) return;
        const text = `${m[1]} ${m[2]}${m[3]!.replace(/,? ?\d+ active and \d+ backup servers.*$/, '').slice(0, 120)}`;
        // HAProxy prints the same alert on stdout (log) and stderr (foreground): keep one.
        const dup = this.events.some((e) => e.router === profile.id && e.text === text && Math.abs(e.t - t) < 200);
        if (!dup) this.events.push({ t, router: profile.id, text });
      });
      this.haproxies.push({ profile, port, socket, proc });
      this.routers.push({ id: profile.id, label: profile.label, port, note: profile.note });
    }
    log(`routers: ${this.routers.map((r) => `${r.label} on :${r.port}`).join(', ')}`);
    await this.restore('node1');
  }

  /** mysql2 options for the app user through `port`. */
  appOptions(port: number, connectTimeout = 10_000): mysql.ConnectionOptions {
    return { host: '127.0.0.1', port, user: 'app', password: this.appPassword, database: 'app', connectTimeout };
  }

  /** A new connection through `port`: the node it lands on. */
  async nodeVia(port: number): Promise<string> {
    const c = await withTimeout(mysql.createConnection(this.appOptions(port, 5000)), 6000, `connect to :${port}`);
    c.on('error', () => undefined);
    try {
      const [rows] = await withTimeout(c.query('SELECT @@wsrep_node_name AS n'), 5000, `query via :${port}`);
      return (rows as { n: string }[])[0]!.n;
    } finally {
      c.destroy();
    }
  }

  async haproxyStatus(id: string): Promise<Record<string, string>> {
    const h = this.haproxies.find((x) => x.profile.id === id);
    if (!h) throw new Error(`no haproxy ${id}`);
    return serverStatus(h.socket);
  }

  /**
   * Brings the cluster and every router back to the round's starting point: all nodes running and
   * Synced, the warden's writer on `writer` (by switchover: it is sticky), HAProxy's servers all UP,
   * and a new connection through each router landing on `writer`.
   */
  async restore(writer: string): Promise<{ ms: number; switchover: boolean }> {
    const t0 = clock();
    const sb = this.sandbox;
    const signal = this.o.signal;
    this.assertRunning();
    for (const r of await sb.status()) {
      if (r.process === 'frozen') sb.thaw(r.index);
      if (r.process === 'stopped') {
        this.o.log(`  restarting ${r.name}`);
        await sb.start(r.index, { wait: false });
      }
    }
    for (const n of sb.layout.nodes) await sb.waitSynced(n.index, SYNC_TIMEOUT_MS);
    await waitFor('a 3-node Primary view on every node', 60_000, async () => {
      const st = await sb.status();
      return st.every((s) => s.clusterSize === 3 && s.clusterStatus === 'Primary' && s.state === 'Synced') ? true : undefined;
    }, { everyMs: 250, signal });

    let switchover = false;
    await waitFor(`the warden to take ${writer} back into a pool (hold ${this.warden.minHoldMs} ms)`, this.warden.minHoldMs + 30_000, async () => {
      const c = await this.api.cluster();
      return c.writers.includes(writer) || c.readers.includes(writer) ? true : undefined;
    }, { everyMs: 250, signal });
    if (!(await this.api.cluster()).writers.includes(writer)) {
      switchover = true;
      await waitFor(`a switchover to ${writer}`, 30_000, async () => {
        const c = await this.api.cluster();
        if (c.writers.length === 1 && c.writers[0] === writer) return true;
        const r = await this.api.switchover(writer);
        if (!r.ok) this.o.log(`  switchover refused: ${r.message}`);
        return undefined;
      }, { everyMs: 1000, signal });
    }
    for (const h of this.haproxies) {
      await waitFor(`${h.profile.label}: every server UP`, 60_000, async () => {
        const st = await serverStatus(h.socket);
        return Object.values(st).length === 3 && Object.values(st).every((s) => s === 'UP') ? true : undefined;
      }, { everyMs: 250, signal });
    }
    for (const r of this.routers) {
      await waitFor(`${r.label} to route to ${writer}`, 30_000, async () => ((await this.nodeVia(r.port)) === writer ? true : undefined), { everyMs: 250, signal });
    }
    return { ms: clock() - t0, switchover };
  }

  async describeMachine(): Promise<Record<string, unknown>> {
    const version = (cmd: string, args: string[]) => {
      try {
        return execFileSync(cmd, args, { encoding: 'utf8', timeout: 5000 }).split('\n')[0]!.trim();
      } catch {
        return 'unknown';
      }
    };
    return {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
      node: process.version,
      haproxy: version('haproxy', ['-v']),
      mariadb: version('mariadbd', ['--version']),
    };
  }

  /** Stops everything the bench started: its processes by pid, then the sandbox nodes. */
  async stop(): Promise<void> {
    await this.procs.stopAll();
    if (this.sb) {
      await this.sb.down();
      this.sb = undefined;
    }
    this.reaper.stop();
  }

  killAllSync(): void {
    this.procs.killAllSync();
    this.sb?.killAllSync();
  }

  /** The pid of a router's process (the warden for the built-in proxy). */
  routerPid(id: string): number | undefined {
    if (id === 'builtin') return this.wardenProc?.pid;
    return this.haproxies.find((h) => h.profile.id === id)?.proc.pid;
  }

  /** CPU time (user + system, ms) a router's process has used so far; undefined when unknown. */
  routerCpuMs(id: string): number | undefined {
    const pid = this.routerPid(id);
    if (pid === undefined) return undefined;
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // fields 14 and 15 of /proc/PID/stat (utime, stime) in clock ticks of 10 ms
      return (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      return undefined;
    }
  }

  /** Throws when a router process has exited. */
  assertRunning(): void {
    if (this.wardenProc && !this.wardenProc.running) throw new Error(`the warden exited; see ${this.file('warden.log')}`);
    for (const h of this.haproxies) if (!h.proc.running) throw new Error(`${h.profile.label} exited; see ${this.file(`${h.profile.id}.log`)}`);
  }
}
