// `galera-warden agent` as real processes against real ProxySQL 2.7.1 "pods" (127.0.0.x loopback IPs, one
// datadir each) and the Kubernetes API double. Ports: 25000-25499 (ProxySQL 25032/25033 on every pod IP,
// agents' HTTP 25101-25110, the API double 25200). Run under /tmp/gw-light.lock (ProxySQL only).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { LIVE_RECENT_MS } from '../src/agent/agent.js';
import { KubeApiDouble, kubeconfigFor } from '../src/agent/testing/kube-api-double.js';
import { REPO_ROOT, skipRealProxySql } from './support/proxysql-real.js';
import { ProxySqlPod } from './support/proxysql-pod.js';

const NS = 'proxysql';
const ADMIN = 25032;
const MYSQL = 25033;
const CORE = { app: 'proxysql', component: 'core' };
const SAT = { app: 'proxysql', component: 'satellite' };

interface AgentProc { child: ChildProcess; port: number; out: () => string; err: () => string; exit: Promise<number | null> }

async function until<T>(what: string, f: () => Promise<T | undefined | false>, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await f();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** the parts of GET /status the test reads */
interface AgentStatus {
  leader: { leading: boolean; holder: string | null };
  acting: boolean;
  admin: { connected: boolean; failures: number };
  counts: { ticks: number; loads: number };
  lastReload: { reason: string } | null;
}

async function status(a: AgentProc): Promise<AgentStatus> {
  const r = await fetch(`http://127.0.0.1:${a.port}/status`, { signal: AbortSignal.timeout(5000) });
  return (await r.json()) as AgentStatus;
}

async function probe(a: AgentProc, p: string): Promise<number> {
  const r = await fetch(`http://127.0.0.1:${a.port}${p}`, { signal: AbortSignal.timeout(5000) });
  await r.text();
  return r.status;
}

function procCounts(pid: number): { sockets: number; rssKb: number; threads: number } {
  const fds = fs.readdirSync(`/proc/${pid}/fd`);
  let sockets = 0;
  for (const f of fds) {
    try {
      if (fs.readlinkSync(`/proc/${pid}/fd/${f}`).startsWith('socket:')) sockets += 1;
    } catch {
      // closed meanwhile
    }
  }
  const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return { sockets, rssKb: Number(/VmRSS:\s+(\d+)/.exec(st)?.[1]), threads: Number(/Threads:\s+(\d+)/.exec(st)?.[1]) };
}

describe('galera-warden agent against real ProxySQL and the Kubernetes API double', { skip: skipRealProxySql }, () => {
  let api: KubeApiDouble;
  let dir: string;
  const pods = new Map<string, ProxySqlPod>();
  const agents: AgentProc[] = [];

  function startAgent(mode: 'core' | 'satellite', pod: string, ip: string, httpPort: number, extraEnv: Record<string, string> = {}): AgentProc {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/src/cli/main.js'), 'agent', '--mode', mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env, KUBERNETES_SERVICE_HOST: '', KUBECONFIG: path.join(dir, 'kubeconfig'),
        POD_NAME: pod, POD_NAMESPACE: NS, GW_AGENT_ADMIN_HOST: ip, GW_AGENT_ADMIN_PORT: String(ADMIN), GW_AGENT_ADMIN_PASSWORD: 'admin',
        GW_AGENT_HTTP_HOST: '127.0.0.1', GW_AGENT_HTTP_PORT: String(httpPort), GW_AGENT_INTERVAL_MS: '300',
        GW_AGENT_LEASE_DURATION_SECONDS: '3', GW_AGENT_RENEW_DEADLINE_MS: '2000', GW_AGENT_RETRY_PERIOD_MS: '300',
        GW_AGENT_CALL_TIMEOUT_MS: '1000', GW_AGENT_CORE_STALE_MS: '2000', GW_AGENT_SHUTDOWN_DELAY_SECONDS: '20',
        GW_AGENT_READY_NEEDS_ONLINE_SERVER: 'false', ...extraEnv,
      },
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => { out += String(d); });
    child.stderr?.on('data', (d: Buffer) => { err += String(d); });
    const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const a = { child, port: httpPort, out: () => out, err: () => err, exit };
    agents.push(a);
    return a;
  }

  async function addPod(name: string, ip: string, labels: Record<string, string>, configServers?: string[]): Promise<void> {
    pods.set(name, await ProxySqlPod.start({ ip, adminPort: ADMIN, mysqlPort: MYSQL, ...(configServers && { configServers }) }));
    api.setPod(NS, { name, ip, ready: true, labels });
  }

  before(async () => {
    api = await KubeApiDouble.start({ port: 25200, token: 'agent-token' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-agent-it-'));
    fs.writeFileSync(path.join(dir, 'kubeconfig'), kubeconfigFor(api));
    for (let i = 0; i < 3; i++) await addPod(`core-${i}`, `127.0.0.${11 + i}`, CORE);
    await addPod('sat-0', '127.0.0.21', SAT, [`127.0.0.11:${ADMIN}:core-service`]);
  });

  after(async () => {
    for (const a of agents) if (a.child.exitCode === null && a.child.signalCode === null) a.child.kill('SIGKILL');
    for (const p of pods.values()) await p.stop();
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const want = (...ips: string[]): string[] => ips.map((ip) => `${ip}:${ADMIN}`).sort();

  it('two core agents: one leads and makes proxysql_servers the ready core pods; LOAD only on change; satellites trigger a LOAD', async () => {
    const a0 = startAgent('core', 'core-0', '127.0.0.11', 25101);
    const a1 = startAgent('core', 'core-1', '127.0.0.12', 25102);
    const leader = await until('a leader', async () => {
      const [s0, s1] = [await status(a0), await status(a1)];
      const leading = [s0, s1].filter((s) => s.leader.leading);
      return leading.length === 1 && s0.leader.holder === s1.leader.holder ? (s0.leader.leading ? 'core-0' : 'core-1') : undefined;
    });
    const [la, lp, other, op] = leader === 'core-0' ? [a0, pods.get('core-0')!, a1, pods.get('core-1')!] : [a1, pods.get('core-1')!, a0, pods.get('core-0')!];
    await until('proxysql_servers = 3 cores on the leader', async () => JSON.stringify(await lp.runtimeServers()) === JSON.stringify(want('127.0.0.11', '127.0.0.12', '127.0.0.13')));
    // the standby writes its own table only to repair it (these pods' configs list no peer: an empty table
    // syncs from nobody), once; otherwise its runtime holds what cluster sync brings
    await until('proxysql_servers = 3 cores on the standby', async () => JSON.stringify(await op.runtimeServers()) === JSON.stringify(want('127.0.0.11', '127.0.0.12', '127.0.0.13')));
    const so = await status(other);
    assert.ok(so.counts.loads <= 1 && (so.counts.loads === 0 || so.lastReload?.reason === 'stranded'), JSON.stringify(so));
    assert.equal(so.acting, false);

    // nothing changes: many ticks, no LOAD (ProxySQL's checksum version counts every LOAD)
    const v0 = await lp.serversVersion();
    const t0 = (await status(la)).counts.ticks;
    await until('10 more ticks', async () => (await status(la)).counts.ticks >= t0 + 10);
    assert.equal(await lp.serversVersion(), v0);

    // a core pod appears: one rewrite, one LOAD
    await addPod('core-3', '127.0.0.14', CORE);
    await until('4 cores', async () => (await lp.runtimeServers()).length === 4);
    assert.deepEqual(await lp.runtimeServers(), want('127.0.0.11', '127.0.0.12', '127.0.0.13', '127.0.0.14'));
    const t1 = (await status(la)).counts.ticks;
    await until('10 more ticks', async () => (await status(la)).counts.ticks >= t1 + 10);
    assert.equal(await lp.serversVersion(), v0 + 1);

    // a core pod is being deleted, another turns unready: both leave proxysql_servers
    api.markDeleting(NS, 'core-3');
    api.setPod(NS, { name: 'core-2', ip: '127.0.0.13', ready: false, labels: CORE });
    await until('2 cores', async () => JSON.stringify(await lp.runtimeServers()) === JSON.stringify(want('127.0.0.11', '127.0.0.12')));

    // a satellite comes: same rows, but the leader reloads so the cores accept it
    const v1 = await lp.serversVersion();
    const loads = (await status(la)).counts.loads;
    api.setPod(NS, { name: 'sat-1', ip: '127.0.0.22', ready: true, labels: SAT });
    await until('a satellites-changed reload', async () => (await status(la)).lastReload?.reason === 'satellites-changed');
    assert.equal((await status(la)).counts.loads, loads + 1);
    assert.equal(await lp.serversVersion(), v1 + 1);
    assert.deepEqual(await lp.runtimeServers(), want('127.0.0.11', '127.0.0.12'));

    // the leader's agent stops (SIGTERM): exit 0, the standby takes over and acts
    la.child.kill('SIGTERM');
    assert.equal(await la.exit, 0);
    assert.equal(la.err(), '', 'no error output on SIGTERM');
    await until('the standby leads', async () => (await status(other)).leader.leading === true);
    api.setPod(NS, { name: 'core-2', ip: '127.0.0.13', ready: true, labels: CORE });
    await until('3 cores on the new leader', async () => JSON.stringify(await op.runtimeServers()) === JSON.stringify(want('127.0.0.11', '127.0.0.12', '127.0.0.13')));
  });

  it('the admin interface SIGSTOPped for a minute: probes fail, no pile-up of sockets, threads or memory; it recovers', async (t) => {
    const a = agents.find((x) => x.child.exitCode === null && x.port !== 25101) ?? agents.find((x) => x.child.exitCode === null)!;
    const p = a.port === 25101 ? pods.get('core-0')! : pods.get('core-1')!;
    assert.equal(await probe(a, '/healthz/live'), 200);
    const before = procCounts(a.child.pid!);
    p.signal('SIGSTOP');
    // liveness may still rest on an admin answer from before the SIGSTOP for LIVE_RECENT_MS; count after that
    const countFrom = Date.now() + LIVE_RECENT_MS + 1000;
    try {
      const end = Date.now() + 60_000;
      let failed = 0;
      let probes = 0;
      while (Date.now() < end) {
        // what a kubelet does: probe, again and again
        const counted = Date.now() >= countFrom;
        const codes = await Promise.all([probe(a, '/healthz/live'), probe(a, '/healthz/ready'), probe(a, '/healthz/live')]);
        if (counted) {
          probes += codes.length;
          failed += codes.filter((c) => c === 503).length;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      assert.ok(probes > 20);
      assert.equal(failed, probes, 'every probe failed while the admin was wedged');
      const during = procCounts(a.child.pid!);
      t.diagnostic(`agent before: ${JSON.stringify(before)}; after a minute wedged (${probes} probes): ${JSON.stringify(during)}`);
      assert.ok(during.sockets <= before.sockets + 2, `sockets ${before.sockets} -> ${during.sockets}`);
      assert.ok(during.threads <= before.threads + 2, `threads ${before.threads} -> ${during.threads}`);
      assert.ok(during.rssKb < before.rssKb + 40_000, `RSS ${before.rssKb} kB -> ${during.rssKb} kB`);
      const s = await status(a);
      assert.equal(s.admin.connected, false);
      assert.ok(s.admin.failures > 0);
    } finally {
      p.signal('SIGCONT');
    }
    await until('live again', async () => (await probe(a, '/healthz/live')) === 200, 60_000);
    const after_ = procCounts(a.child.pid!);
    assert.ok(after_.sockets <= before.sockets + 1, `sockets ${before.sockets} -> ${after_.sockets}`);
    assert.equal(a.err(), '', 'no error output');
  });

  it('satellite: when every core is gone it loads proxysql_servers from its config once; /shutdown drains a connected client and exits 0; dump writes the CSVs', async () => {
    const s = startAgent('satellite', 'sat-0', '127.0.0.21', 25103);
    await until('satellite agent up', async () => (await probe(s, '/healthz/live')) === 200);
    // every core goes: pods deleted, ProxySQLs stopped
    for (const n of ['core-0', 'core-1', 'core-2', 'core-3']) {
      api.deletePod(NS, n);
      await pods.get(n)?.stop();
      pods.delete(n);
    }
    const sat = pods.get('sat-0')!;
    await until('reloaded from the config', async () => (await status(s)).lastReload?.reason === 'every-core-gone');
    assert.deepEqual(await sat.runtimeServers(), want('127.0.0.11'));
    // the satellite may have pointed itself at the core pods before they went (a load of its own): what must
    // not happen is a reload loop once every core is gone
    const { ticks, loads } = (await status(s)).counts;
    await until('10 more ticks', async () => (await status(s)).counts.ticks >= ticks + 10);
    assert.equal((await status(s)).counts.loads, loads, 'no reload loop while the core service is down');

    // a client connected to the satellite; preStop: readiness goes 503, the client is let go, exit 0
    const client = await mysql.createConnection({ host: '127.0.0.21', port: MYSQL, user: 'app', password: 'app' });
    client.on('error', () => undefined);
    await until('the client counted', async () => Number((await sat.sql("SELECT Variable_Value AS n FROM stats_mysql_global WHERE Variable_Name = 'Client_Connections_connected'"))[0]?.n) === 1);
    // a statement in flight: no backend in hostgroup 0, so ProxySQL holds it until its connect timeout (10 s)
    const inFlight = client.query('SELECT 1').then(() => 'answered', (e: Error) => e.message);
    await until('the session busy', async () => (await sat.sql('SELECT COUNT(*) AS n FROM stats_mysql_processlist'))[0]?.n === '1');
    const shutdown = fetch(`http://127.0.0.1:${s.port}/shutdown`, { signal: AbortSignal.timeout(60_000) });
    await until('readiness 503 while draining', async () => (await probe(s, '/healthz/ready')) === 503);
    assert.equal(await probe(s, '/healthz/live'), 200, 'liveness unaffected by the drain');
    const r = await shutdown;
    assert.match(await inFlight, /.+/, 'the in-flight statement finished (with ProxySQL\'s own answer) before the exit');
    assert.equal(r.status, 200);
    assert.match(await r.text(), /drained: 0 clients left/);
    assert.equal(await s.exit, 0);
    assert.equal(s.err(), '', 'no error output at shutdown');
    assert.ok(!/"level":50/.test(s.out()), 'no error log line');
    await assert.rejects(client.query('SELECT 1'), 'ProxySQL closed the idle client');
    client.destroy();
    // agent dump: the three tables to CSV, ProxySQL's column names as the header
    const out = path.join(dir, 'dump');
    const dump = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/src/cli/main.js'), 'agent', 'dump', '--out', out, '--admin-host', '127.0.0.21', '--admin-port', String(ADMIN)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let dumpErr = '';
    dump.stderr.on('data', (d: Buffer) => { dumpErr += String(d); });
    assert.equal(await new Promise((r) => dump.once('exit', r)), 0, dumpErr);
    const files = fs.readdirSync(out).sort();
    assert.deepEqual(files.map((f) => f.replace(/-\d{8}T\d{6}Z\.csv$/, '')), ['mysql_query_rules', 'stats_mysql_query_digest', 'stats_mysql_query_rules']);
    const header = (f: string): string => fs.readFileSync(path.join(out, f), 'utf8').split('\r\n')[0]!;
    assert.equal(header(files[1]!), 'hostgroup,schemaname,username,client_address,digest,digest_text,count_star,first_seen,last_seen,sum_time,min_time,max_time,sum_rows_affected,sum_rows_sent');
    assert.equal(header(files[2]!), 'rule_id,hits');
    assert.match(header(files[0]!), /^rule_id,active,username,schemaname,flagIN,.*,comment$/);

    // ProxySQL is paused: it accepts no new client
    await assert.rejects(mysql.createConnection({ host: '127.0.0.21', port: MYSQL, user: 'app', password: 'app', connectTimeout: 2000 }));
  });
  it('a same-second sync conflict: ProxySQL never pulls the newer-looking table; the agent rewrites it after resyncAfterMs', async (t) => {
    // own namespace, own pods: core "cf-a" (127.0.0.15) and satellite "cf-b" (127.0.0.16). B lists A and a
    // core that is gone (127.0.0.17); A lists itself. Both LOAD in the same second: B's peer A has a
    // different table of the same epoch, which ProxySQL 2.7.1 reports as a sync conflict and never pulls.
    const ns = 'conflict';
    const a = await ProxySqlPod.start({ ip: '127.0.0.15', adminPort: ADMIN, mysqlPort: MYSQL });
    const b = await ProxySqlPod.start({ ip: '127.0.0.16', adminPort: ADMIN, mysqlPort: MYSQL });
    pods.set('cf-a', a);
    pods.set('cf-b', b);
    const rows = (list: Array<[string, string]>): string[] => ['DELETE FROM proxysql_servers',
      ...list.map(([ip, name]) => `INSERT INTO proxysql_servers (hostname, port, weight, comment) VALUES ('${ip}', ${ADMIN}, 0, '${name}')`)];
    await a.sql(...rows([['127.0.0.15', 'cf-a']]), 'LOAD PROXYSQL SERVERS TO RUNTIME');
    const epoch = async (p: ProxySqlPod): Promise<string> =>
      String((await p.sql("SELECT epoch FROM runtime_checksums_values WHERE name = 'proxysql_servers'"))[0]?.epoch);
    let attempts = 0;
    for (;;) {
      // start early in a second so that both LOADs fall in it; redo when they straddled two
      while (Date.now() % 1000 > 300) await new Promise((r) => setTimeout(r, 20));
      await Promise.all([
        b.sql(...rows([['127.0.0.15', 'cf-a'], ['127.0.0.17', 'cf-gone']]), 'LOAD PROXYSQL SERVERS TO RUNTIME'),
        a.sql('LOAD PROXYSQL SERVERS TO RUNTIME'),
      ]);
      attempts += 1;
      if (await epoch(a) === await epoch(b)) break;
      assert.ok(attempts < 10, 'both LOADs in one second');
    }
    // the premise, on the real ProxySQL: B checks A every 300 ms and sees its different checksum, yet after
    // 5 s (sync is after 3 differing checks) B still holds its own table
    await until('B has checked A past the sync threshold', async () => {
      const peer = (await b.sql("SELECT epoch, diff_check FROM stats_proxysql_servers_checksums WHERE hostname = '127.0.0.15' AND name = 'proxysql_servers'"))[0];
      return peer && Number(peer.diff_check) > 3 && String(peer.epoch) === await epoch(b) ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 5000));
    assert.deepEqual(await b.runtimeServers(), want('127.0.0.15', '127.0.0.17'), 'ProxySQL did not sync (same-second epochs)');
    t.diagnostic(`same-second LOADs after ${attempts} attempt(s); B unsynced 5 s past the sync threshold`);

    // the agent on B: its table names a serving core (not stranded), that core is fresh (not gone), but it
    // differs from the serving core pods: after resyncAfterMs it writes them, the rows A holds
    api.setPod(ns, { name: 'cf-a', ip: '127.0.0.15', ready: true, labels: CORE });
    api.setPod(ns, { name: 'cf-b', ip: '127.0.0.16', ready: true, labels: SAT });
    const sb = startAgent('satellite', 'cf-b', '127.0.0.16', 25104, { POD_NAMESPACE: ns, GW_AGENT_CORE_STALE_MS: '30000', GW_AGENT_RESYNC_AFTER_MS: '2000' });
    await until('the satellite rewrote its table', async () => (await status(sb)).lastReload?.reason === 'diverged');
    assert.deepEqual(await b.runtimeServers(), want('127.0.0.15'));
    const checksum = async (p: ProxySqlPod): Promise<string> =>
      String((await p.sql("SELECT checksum FROM runtime_checksums_values WHERE name = 'proxysql_servers'"))[0]?.checksum);
    assert.equal(await checksum(b), await checksum(a), 'the same table as the core: nothing left to sync');
    const { loads } = (await status(sb)).counts;
    const ticks = (await status(sb)).counts.ticks;
    await until('10 more ticks', async () => (await status(sb)).counts.ticks >= ticks + 10);
    assert.equal((await status(sb)).counts.loads, loads, 'rewritten once');
    sb.child.kill('SIGTERM');
    assert.equal(await sb.exit, 0);
  });
});
