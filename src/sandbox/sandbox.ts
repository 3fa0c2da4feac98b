// The Galera sandbox: a real N-node MariaDB Galera cluster on loopback (or in network namespaces),
// built from Debian's mariadb-server, galera-4 and rsync. A user feature and the project's test bed.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxError, UsageError } from '../model/errors.js';
import { certPaths, makeCerts } from './certs.js';
import type { LayoutOptions, SandboxLayout, SandboxNode, SandboxTopology } from './layout.js';
import { MAX_NODES, nodePaths, planLayout } from './layout.js';
import { renderMyCnf, SST_METHOD } from './my-cnf.js';
import { assertNetworkFree, createNetwork, destroyNetwork, healNode, isolateNode } from './netns.js';
import type { ProcState } from './node-process.js';
import { launch, livePid, procState, signalNode, startNode, startWithRetries, stopNode, waitSynced } from './node-process.js';
import type { ReplicationNodeState } from './replication.js';
import { attach, promote, REPLICATION_USER, replicationState, waitAnswering, waitCaughtUp, writeReplicationCnfs } from './replication.js';
import { renderWardenConfig } from './warden-config.js';
import { run, sqlOverSocket } from './shell.js';

export const DEFAULT_BASE_PORT = 23300;
export const defaultSandboxDir = (): string =>
  process.env.GALERA_WARDEN_SANDBOX_DIR ?? path.join(os.homedir(), '.galera-warden', 'sandbox');

const STATE_FILE = 'sandbox.json';
const SYNC_TIMEOUT_MS = 120_000;
/** a restart whose start exits while starting (it raced the survivors' view change) is tried this often in all */
const RESTART_ATTEMPTS = 4;
const RESTART_PAUSE_MS = 2000;

export interface UpOptions extends Partial<LayoutOptions> {
  dir: string;
  /** default galera */
  topology?: SandboxTopology;
  /** called with progress lines */
  log?: (line: string) => void;
}

export interface NodeReport {
  index: number;
  name: string;
  address: string;
  pid?: number;
  process: ProcState;
  /** wsrep_local_state_comment and wsrep_cluster_status, when the node answers */
  state?: string;
  clusterStatus?: string;
  clusterSize?: number;
  /** replication topology: read_only, replication threads, lag, GTID position, master */
  replication?: ReplicationNodeState;
  isolated?: boolean;
  error?: string;
}

export class Sandbox {
  private constructor(readonly layout: SandboxLayout) {}

  get dir(): string {
    return this.layout.dir;
  }
  get configPath(): string {
    return path.join(this.dir, 'warden.toml');
  }
  get binDir(): string {
    return path.join(this.dir, 'bin');
  }
  passwordFile(user: 'warden' | 'app' | 'repl'): string {
    return path.join(this.dir, `${user}.password`);
  }
  get topology(): SandboxTopology {
    return this.layout.topology ?? 'galera';
  }
  password(user: 'warden' | 'app' | 'repl'): string {
    return fs.readFileSync(this.passwordFile(user), 'utf8').trim();
  }

  /** Opens an existing sandbox folder; undefined when there is none. */
  static open(dir: string): Sandbox | undefined {
    const file = path.join(dir, STATE_FILE);
    if (!fs.existsSync(file)) return undefined;
    return new Sandbox(JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxLayout);
  }

  static require(dir: string): Sandbox {
    const sb = Sandbox.open(dir);
    if (!sb) throw new UsageError(`no sandbox in ${dir}: run \`galera-warden sandbox up\` first`);
    return sb;
  }

  /** Creates and starts a fresh cluster; refuses when a sandbox in `dir` still has a node running. */
  static async up(o: UpOptions): Promise<Sandbox> {
    const log = o.log ?? (() => undefined);
    const nodes = o.nodes ?? 3;
    if (!Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES) throw new UsageError(`--nodes must be 1 to ${MAX_NODES}, got ${nodes}`);
    const existing = Sandbox.open(o.dir);
    if (existing) {
      const running = existing.layout.nodes.filter((n) => livePid(n) !== undefined).map((n) => n.name);
      if (running.length > 0) {
        throw new SandboxError(`a sandbox is already running in ${o.dir} (${running.join(', ')} up); run \`galera-warden sandbox down\` first`);
      }
      await existing.cleanup();
    }
    const layout = planLayout({ dir: path.resolve(o.dir), nodes, basePort: o.basePort ?? DEFAULT_BASE_PORT, mode: o.mode ?? 'loopback', tls: o.tls ?? false, subnet: o.subnet });
    layout.topology = o.topology ?? 'galera';
    if (layout.topology === 'replication' && layout.tls) throw new UsageError('--tls is not supported with --topology replication yet');
    await checkPrerequisites(layout);
    if (layout.mode === 'netns') await assertNetworkFree(layout);
    const sb = new Sandbox(layout);
    try {
      await sb.create(log);
    } catch (err) {
      await sb.destroy();
      throw err;
    }
    return sb;
  }

  private async create(log: (line: string) => void): Promise<void> {
    const { layout } = this;
    fs.mkdirSync(layout.dir, { recursive: true });
    fs.writeFileSync(path.join(layout.dir, STATE_FILE), JSON.stringify(layout, null, 2));
    this.writeSstScript();
    if (layout.mode === 'netns') {
      log('creating network namespaces');
      await createNetwork(layout);
    }
    if (layout.tls) {
      log('making TLS certificates');
      await makeCerts(layout.dir, ['127.0.0.1', ...layout.nodes.map((n) => n.host)]);
    }
    if (layout.topology === 'replication') {
      await this.createReplication(log);
      return;
    }
    for (const n of layout.nodes) {
      fs.mkdirSync(nodePaths(n).data, { recursive: true });
      fs.mkdirSync(nodePaths(n).tmp, { recursive: true });
      fs.writeFileSync(nodePaths(n).cnf, renderMyCnf(layout, n));
    }
    const first = layout.nodes[0]!;
    log(`initialising ${first.name}`);
    await run('mariadb-install-db', [`--defaults-file=${nodePaths(first).cnf}`, '--auth-root-authentication-method=socket', '--skip-test-db'], { timeoutMs: 120_000 });
    log(`bootstrapping ${first.name} on ${first.host}:${first.sqlPort}`);
    await startNode(first, { binDir: this.binDir, bootstrap: true });
    await waitSynced(first, SYNC_TIMEOUT_MS);
    await this.createUsers(first);
    const rest = layout.nodes.slice(1);
    if (rest.length > 0) log(`starting ${rest.map((n) => n.name).join(', ')} (state transfer by rsync)`);
    for (const n of rest) await startNode(n, { binDir: this.binDir, bootstrap: false });
    await Promise.all(rest.map((n) => waitSynced(n, SYNC_TIMEOUT_MS)));
    fs.writeFileSync(this.configPath, renderWardenConfig(this));
    log(`cluster of ${layout.nodes.length} Synced; warden config: ${this.configPath}`);
  }

  /** One primary (node 1) and replicas by GTID: each node initialised on its own, the users made on the primary. */
  private async createReplication(log: (line: string) => void): Promise<void> {
    const { layout } = this;
    writeReplicationCnfs(layout);
    for (const n of layout.nodes) {
      log(`initialising ${n.name}`);
      await run('mariadb-install-db', [`--defaults-file=${nodePaths(n).cnf}`, '--auth-root-authentication-method=socket', '--skip-test-db'], { timeoutMs: 120_000 });
    }
    for (const n of layout.nodes) launch(n, this.binDir, []);
    await Promise.all(layout.nodes.map((n) => waitAnswering(n, SYNC_TIMEOUT_MS)));
    const [first, ...rest] = layout.nodes as [SandboxNode, ...SandboxNode[]];
    fs.writeFileSync(this.passwordFile('repl'), randomBytes(12).toString('hex') + '\n', { mode: 0o600 });
    await this.createUsers(first, [`CREATE USER '${REPLICATION_USER}'@'%' IDENTIFIED BY '${this.password('repl')}'`, `GRANT REPLICATION SLAVE ON *.* TO '${REPLICATION_USER}'@'%'`]);
    log(`${first.name} is primary on ${first.host}:${first.sqlPort}; replicas ${rest.map((n) => n.name).join(', ') || 'none'}`);
    for (const n of rest) await attach(n, first, this.password('repl'));
    await Promise.all(rest.map((n) => waitCaughtUp(n, first, SYNC_TIMEOUT_MS)));
    fs.writeFileSync(this.configPath, renderWardenConfig(this));
    log(`replication topology of ${layout.nodes.length} up; warden config: ${this.configPath}`);
  }

  /** Replication topology: what Orchestrator does in a recovery (stop and reset replication on the node, read_only off, re-point the others). */
  async promote(index: number): Promise<void> {
    if (this.topology !== 'replication') throw new UsageError('promote needs a replication sandbox (`sandbox up --topology replication`)');
    await promote(this.layout, this.node(index), this.password('repl'));
  }

  /** Replication topology: make a node a replica of another (e.g. an old primary, once repaired). */
  async replicate(index: number, from: number): Promise<void> {
    if (this.topology !== 'replication') throw new UsageError('replicate needs a replication sandbox (`sandbox up --topology replication`)');
    await attach(this.node(index), this.node(from), this.password('repl'));
  }

  /** The stock rsync SST drops its daemon to user nobody, which cannot write a root-owned datadir. */
  private writeSstScript(): void {
    fs.mkdirSync(this.binDir, { recursive: true });
    const stock = fs.readFileSync('/usr/bin/wsrep_sst_rsync', 'utf8');
    const patched = stock.replace(/^use chroot = no$/m, 'use chroot = no\nuid = root\ngid = root\nreverse lookup = no');
    if (patched === stock) throw new SandboxError('cannot adapt /usr/bin/wsrep_sst_rsync: its rsyncd.conf template changed');
    const script = path.join(this.binDir, `wsrep_sst_${SST_METHOD}`);
    fs.writeFileSync(script, patched, { mode: 0o755 });
    const common = path.join(this.binDir, 'wsrep_sst_common');
    fs.rmSync(common, { force: true });
    fs.symlinkSync('/usr/bin/wsrep_sst_common', common);
  }

  private async createUsers(first: SandboxNode, extra: string[] = []): Promise<void> {
    const tlsRequire = this.layout.tls ? ' REQUIRE X509' : '';
    for (const user of ['warden', 'app'] as const) {
      fs.writeFileSync(this.passwordFile(user), randomBytes(12).toString('hex') + '\n', { mode: 0o600 });
    }
    const sql = [
      `CREATE USER 'warden'@'%' IDENTIFIED BY '${this.password('warden')}'${tlsRequire}`,
      "GRANT ALL PRIVILEGES ON *.* TO 'warden'@'%'",
      `CREATE USER 'app'@'%' IDENTIFIED BY '${this.password('app')}'${tlsRequire}`,
      'CREATE DATABASE app',
      "GRANT ALL PRIVILEGES ON app.* TO 'app'@'%'",
      ...extra,
    ].join(';');
    await sqlOverSocket(nodePaths(first).socket, sql);
  }

  node(index: number): SandboxNode {
    const n = this.layout.nodes.find((x) => x.index === index);
    if (!n) throw new UsageError(`no node ${index} in the sandbox (it has ${this.layout.nodes.map((x) => x.index).join(', ')})`);
    return n;
  }

  /** SIGKILL: the process is gone at once, as in a crash. */
  kill(index: number): number {
    return signalNode(this.node(index), 'SIGKILL');
  }
  /** SIGSTOP: the process is frozen; its port still accepts TCP but nothing answers. */
  freeze(index: number): number {
    return signalNode(this.node(index), 'SIGSTOP');
  }
  thaw(index: number): number {
    return signalNode(this.node(index), 'SIGCONT');
  }

  /** Starts a stopped node: rejoins by IST after a crash; bootstraps when no other node runs. */
  async start(index: number, options: { wait?: boolean } = {}): Promise<void> {
    const node = this.node(index);
    if (this.topology === 'replication') {
      // a restarted node comes back as it was: a replica resumes replication, an old primary is writable
      launch(node, this.binDir, []);
      if (options.wait !== false) await waitAnswering(node, SYNC_TIMEOUT_MS);
      return;
    }
    const othersUp = this.layout.nodes.some((n) => n.index !== index && procState(n) === 'running');
    await startNode(node, { binDir: this.binDir, bootstrap: !othersUp });
    if (options.wait !== false) await waitSynced(node, SYNC_TIMEOUT_MS);
  }

  /** SIGKILL (frozen or not) and start again: the restart hook of fencing, for a node that was evicted. */
  async restart(index: number, options: { wait?: boolean; log?: (message: string) => void } = {}): Promise<number> {
    const node = this.node(index);
    await stopNode(node, 0);
    return startWithRetries(node.name, () => this.start(index, options), { attempts: RESTART_ATTEMPTS, pauseMs: RESTART_PAUSE_MS, ...(options.log && { log: options.log }) });
  }

  async waitSynced(index: number, timeoutMs = SYNC_TIMEOUT_MS): Promise<void> {
    await waitSynced(this.node(index), timeoutMs);
  }

  /** Makes this node's component Primary again after a loss of quorum (pc.bootstrap=YES). */
  async bootstrap(index: number): Promise<void> {
    await this.sql(index, "SET GLOBAL wsrep_provider_options='pc.bootstrap=YES'");
  }

  async isolate(index: number): Promise<void> {
    const n = this.node(index);
    if (this.layout.mode !== 'netns') throw new UsageError('isolate needs a sandbox in network-namespace mode (`sandbox up --netns`)');
    await isolateNode(n);
    this.setIsolated(index, true);
  }

  async heal(index: number): Promise<void> {
    const n = this.node(index);
    if (this.layout.mode !== 'netns') throw new UsageError('heal needs a sandbox in network-namespace mode (`sandbox up --netns`)');
    await healNode(n, this.layout.bridge!);
    this.setIsolated(index, false);
  }

  private isolatedFile(): string {
    return path.join(this.dir, 'isolated.json');
  }
  private isolatedSet(): number[] {
    try {
      return JSON.parse(fs.readFileSync(this.isolatedFile(), 'utf8')) as number[];
    } catch {
      return [];
    }
  }
  private setIsolated(index: number, on: boolean): void {
    const set = new Set(this.isolatedSet());
    if (on) set.add(index);
    else set.delete(index);
    fs.writeFileSync(this.isolatedFile(), JSON.stringify([...set]));
  }

  /** Runs SQL as root on a node over its unix socket. */
  async sql(index: number, query: string, timeoutMs = 10_000): Promise<string[][]> {
    return sqlOverSocket(nodePaths(this.node(index)).socket, query, timeoutMs);
  }

  async status(): Promise<NodeReport[]> {
    const isolated = new Set(this.isolatedSet());
    return Promise.all(
      this.layout.nodes.map(async (n): Promise<NodeReport> => {
        const proc = procState(n);
        const report: NodeReport = { index: n.index, name: n.name, address: `${n.host}:${n.sqlPort}`, pid: livePid(n), process: proc };
        if (isolated.has(n.index)) report.isolated = true;
        if (proc !== 'running') return report;
        if (this.topology === 'replication') {
          try {
            report.replication = await replicationState(n);
          } catch (err) {
            report.error = (err as Error).message.split('\n')[0];
          }
          return report;
        }
        try {
          const rows = await sqlOverSocket(nodePaths(n).socket,
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_local_state_comment','wsrep_cluster_status','wsrep_cluster_size')", 2000);
          const v: Record<string, string | undefined> = Object.fromEntries(rows.map((r) => [r[0] ?? '', r[1]]));
          report.state = v.wsrep_local_state_comment;
          report.clusterStatus = v.wsrep_cluster_status;
          report.clusterSize = Number(v.wsrep_cluster_size);
        } catch (err) {
          report.error = (err as Error).message.split('\n')[0];
        }
        return report;
      }),
    );
  }

  /** Stops every node (SIGKILL unless graceMs > 0), removes namespaces and the node data. */
  async down(graceMs = 0): Promise<void> {
    await Promise.all(this.layout.nodes.map((n) => stopNode(n, graceMs)));
    await this.cleanup();
  }

  private async destroy(): Promise<void> {
    await Promise.all(this.layout.nodes.map((n) => stopNode(n, 0)));
    await this.cleanup();
  }

  private async cleanup(): Promise<void> {
    if (this.layout.mode === 'netns') await destroyNetwork(this.layout);
    for (const n of this.layout.nodes) fs.rmSync(n.dir, { recursive: true, force: true });
    for (const f of [STATE_FILE, 'warden.toml', 'warden.password', 'app.password', 'repl.password', 'isolated.json']) fs.rmSync(path.join(this.dir, f), { force: true });
    fs.rmSync(this.binDir, { recursive: true, force: true });
    fs.rmSync(certPaths(this.dir).dir, { recursive: true, force: true });
  }

  /** Synchronous last resort for test harnesses: SIGKILL every node process that is still alive. */
  killAllSync(): void {
    for (const n of this.layout.nodes) {
      const pid = livePid(n);
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
    }
  }
}

async function checkPrerequisites(layout: SandboxLayout): Promise<void> {
  const missing: string[] = [];
  const galera = layout.topology !== 'replication';
  if (galera && !fs.existsSync('/usr/lib/galera/libgalera_smm.so')) missing.push('galera-4');
  if (!fs.existsSync('/usr/bin/wsrep_sst_rsync') || !fs.existsSync('/usr/sbin/mariadbd')) missing.push('mariadb-server');
  if (galera && !fs.existsSync('/usr/bin/rsync')) missing.push('rsync');
  if (missing.length > 0) {
    throw new SandboxError(`missing Debian packages: ${missing.join(', ')}; install them with \`apt-get install -y ${missing.join(' ')}\` (scripts/install-deps.sh does it)`);
  }
  if (process.getuid?.() !== 0) throw new SandboxError('the sandbox runs its nodes as root (--user=root) and needs root');
  if (layout.mode === 'netns' && !fs.existsSync('/usr/bin/ip') && !fs.existsSync('/sbin/ip')) throw new SandboxError('network-namespace mode needs iproute2 (`ip`)');
}
