// Scenario `proxysql-failover` (issue 11): a real ProxySQL 2.7.1 in front of the sandbox, three ways of
// keeping its writer hostgroup right, side by side under the same faults:
//   scheduler: ProxySQL's scheduler runs galera-warden's scheduler-main.js every SCHEDULER_INTERVAL_MS
//              (set up with `galera-warden proxysql install --apply --active`, as a user would);
//   daemon:    `galera-warden run` with [proxysql] (one admin session, a tick every 200 ms);
//   native:    ProxySQL's own mysql_galera_hostgroups monitor (max_writers 1), the baseline.
// One ProxySQL instance each (own datadir and ports): each configuration owns its hostgroups and its
// instance alone, so none can undo another's change, and all three see the same fault at the same moment.
// Per round, through each ProxySQL, a persistent-connection writer and a new-connection prober write every
// 10 ms (the node is read from each INSERT: ProxySQL picks a backend per statement).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { seedExample } from '../src/apply/proxysql/testing/seed-example.js';
import { mergeConfig } from '../src/sandbox/merge-config.js';
import type { ConfigRoundsResult } from './lib/config-rounds.js';
import { reportConfigRounds, runConfigRounds } from './lib/config-rounds.js';
import { CLI } from './lib/env.js';
import type { ManagedProcess } from './lib/procs.js';
import { BenchProxySql, q } from './lib/proxysql.js';
import { assertPortsFree, sleep, waitFor } from './lib/util.js';
import { WardenApi, wardenExtraConfig } from './lib/warden.js';
import type { BenchContext, Scenario } from './runner.js';

const FREEZE_MS = 10_000;
const ROUTE_EVERY_MS = 100;
const WRITE_EVERY_MS = 10;
/** `proxysql install`'s default interval. Its default deadline (interval - 200 ms) counts from process start, and
 * at a load average of 12-17 on the 2-core bench machine Node's start alone took more than 1.6 s: every run
 * failed with E_PROXYSQL_TIMEOUT before its login. So the runs get SCHEDULER_DEADLINE_MS; a run that overlaps
 * the next one makes that one exit at once (lock file). */
const SCHEDULER_INTERVAL_MS = 2000;
const SCHEDULER_DEADLINE_MS = 5000;
/** ProxySQL's mysql-monitor_galera_healthcheck_interval for the native monitor (default 5000) */
const NATIVE_CHECK_MS = 1000;
const API = { user: 'bench', password: 'bench-secret' };
const HG = { warden: { w: 100, r: 101 }, native: { w: 10, r: 11, backup: 12, offline: 13 } };

const LABELS = {
  scheduler: `galera-warden scheduler mode (every ${SCHEDULER_INTERVAL_MS} ms)`,
  daemon: 'galera-warden daemon mode (run, [proxysql])',
  native: 'ProxySQL mysql_galera_hostgroups',
};

interface Setup {
  proxies: Record<keyof typeof LABELS, BenchProxySql>;
  daemon: ManagedProcess;
  api: WardenApi;
  schedulerDir: string;
  address: (node: string) => string;
}

async function common(ctx: BenchContext, p: BenchProxySql, writerHg: number, retriesOff: boolean): Promise<void> {
  const sb = ctx.env.sandbox;
  await p.sql(
    `UPDATE global_variables SET variable_value=${q('warden')} WHERE variable_name='mysql-monitor_username'`,
    `UPDATE global_variables SET variable_value=${q(sb.password('warden'))} WHERE variable_name='mysql-monitor_password'`,
    ...(retriesOff ? ["UPDATE global_variables SET variable_value='0' WHERE variable_name='mysql-query_retries_on_failure'"] : []),
    'LOAD MYSQL VARIABLES TO RUNTIME',
    `INSERT INTO mysql_users (username, password, default_hostgroup) VALUES ('app', ${q(sb.password('app'))}, ${writerHg})`,
    'LOAD MYSQL USERS TO RUNTIME',
  );
}

async function setUp(ctx: BenchContext): Promise<Setup> {
  const { env } = ctx;
  const sb = env.sandbox;
  const b = ctx.options.basePort;
  const ports = { scheduler: b + 301, daemon: b + 311, native: b + 321, api: b + 313 };
  await assertPortsFree([ports.scheduler, ports.scheduler + 1, ports.daemon, ports.daemon + 1, ports.native, ports.native + 1, ports.api]);
  const start = (name: string, admin: number) => BenchProxySql.start({ name, procs: env.procs, workDir: env.o.workDir, adminPort: admin, mysqlPort: admin + 1, signal: ctx.signal });
  const proxies = { scheduler: await start('proxysql-scheduler', ports.scheduler), daemon: await start('proxysql-daemon', ports.daemon), native: await start('proxysql-native', ports.native) };
  const nodes = sb.layout.nodes.map((n) => ({ host: n.host, port: n.sqlPort }));
  const address = (node: string) => {
    const n = sb.layout.nodes.find((x) => x.name === node)!;
    return `${n.host}:${n.sqlPort}`;
  };

  // (a) scheduler mode, installed as a user would: pxcScheduler config.toml + `proxysql install --apply --active`
  await common(ctx, proxies.scheduler, HG.warden.w, false);
  const schedulerDir = path.join(env.o.workDir, 'scheduler-mode');
  fs.mkdirSync(schedulerDir, { recursive: true });
  const pxc = path.join(schedulerDir, 'config.toml');
  fs.writeFileSync(pxc, `[global]\nlogLevel = "info"\nlogTarget = "stdout"\nlockfilepath = "${schedulerDir}"\n\n[proxysql]\nhost = "127.0.0.1"\nport = ${ports.scheduler}\nuser = "admin"\npassword = "admin"\n\n[pxccluster]\nhgW = ${HG.warden.w}\nhgR = ${HG.warden.r}\nclusterId = 10\ncheckTimeOut = 500\nretryUp = 0\nretryDown = 0\n`);
  execFileSync(process.execPath, [CLI, 'proxysql', 'install', `--configfile=${pxc}`, ...nodes.map((n) => `--node=${n.host}:${n.port}`), `--interval-ms=${SCHEDULER_INTERVAL_MS}`, `--deadline-ms=${SCHEDULER_DEADLINE_MS}`, '--apply', '--active'], { stdio: 'pipe', timeout: 30_000 });

  // (b) daemon mode: seed 000's rows (the 8000 groups are the templates), a warden with [proxysql], no built-in proxy
  await common(ctx, proxies.daemon, HG.warden.w, true);
  const rows: string[] = [];
  seedExample({ exec: (...s: string[]) => rows.push(...s) }, { writer: HG.warden.w, reader: HG.warden.r }, nodes);
  await proxies.daemon.sql(...rows);
  const cfg = path.join(env.o.workDir, 'warden-proxysql.toml');
  const extra = wardenExtraConfig(env.warden, { writer: 0, reader: 0, health: 0, api: ports.api }, path.join(env.o.workDir, 'warden-proxysql-state.json'), API)
    .replace(/\[proxy\][^[]*/, '[proxy]\nenabled = false\n\n');
  fs.writeFileSync(cfg, mergeConfig(fs.readFileSync(sb.configPath, 'utf8'), `${extra}\n[proxysql]\nenabled = true\nhost = "127.0.0.1"\nport = ${ports.daemon}\nuser = "admin"\npassword = "admin"\nhgW = ${HG.warden.w}\nhgR = ${HG.warden.r}\n`));
  const daemon = env.procs.spawn('warden-proxysql', process.execPath, [CLI, 'run', '--config', cfg], path.join(env.o.workDir, 'warden-proxysql.log'));

  // (c) ProxySQL's own Galera monitor: every node in the writer hostgroup, the highest weight wins (max_writers 1)
  await common(ctx, proxies.native, HG.native.w, false);
  await proxies.native.sql(
    `UPDATE global_variables SET variable_value='${NATIVE_CHECK_MS}' WHERE variable_name='mysql-monitor_galera_healthcheck_interval'`,
    'LOAD MYSQL VARIABLES TO RUNTIME',
    ...nodes.map((n, i) => `INSERT INTO mysql_servers (hostgroup_id, hostname, port, weight, max_connections) VALUES (${HG.native.w}, ${q(n.host)}, ${n.port}, ${1000 - i}, 2000)`),
    `INSERT INTO mysql_galera_hostgroups (writer_hostgroup, backup_writer_hostgroup, reader_hostgroup, offline_hostgroup, active, max_writers, writer_is_also_reader, max_transactions_behind) VALUES (${HG.native.w}, ${HG.native.backup}, ${HG.native.r}, ${HG.native.offline}, 1, 1, 1, 100)`,
    'LOAD MYSQL SERVERS TO RUNTIME',
  );
  for (const [name, hg] of [['scheduler', HG.warden.w], ['daemon', HG.warden.w], ['native', HG.native.w]] as const) {
    await waitFor(`${name}: node1 alone ONLINE in writer hostgroup ${hg}`, 60_000, async () => {
      if (!daemon.running) throw new Error(`the warden (daemon mode) exited; see ${path.join(env.o.workDir, 'warden-proxysql.log')}`);
      const online = await proxies[name].online(hg);
      return online.length === 1 && online[0] === address('node1') ? true : undefined;
    }, { everyMs: 250, signal: ctx.signal });
  }
  return { proxies, daemon, api: new WardenApi(ports.api, API.user, API.password), schedulerDir, address };
}

/** Every configuration back on node1, each by its own means. */
async function restore(ctx: BenchContext, s: Setup): Promise<void> {
  const signal = ctx.signal;
  const node1 = s.address('node1');
  // scheduler mode keeps its writer (sticky): stop the scheduler, put node1 in hgW, drop the state so that the
  // next run's cold start adopts it, start the scheduler again
  if ((await s.proxies.scheduler.online(HG.warden.w)).join() !== node1) {
    const p = s.proxies.scheduler;
    await p.sql('UPDATE scheduler SET active=0', 'LOAD SCHEDULER TO RUNTIME');
    // a run under way may still apply and save its state: wait until its lock file is gone
    await sleep(500, signal);
    await waitFor('the last scheduler run to end', SCHEDULER_DEADLINE_MS + 5000, () => (fs.readdirSync(s.schedulerDir).some((f) => f.endsWith('.pid')) ? undefined : true), { everyMs: 200, signal });
    await p.sql(`DELETE FROM mysql_servers WHERE hostgroup_id IN (${HG.warden.w},${HG.warden.r})`,
      `INSERT INTO mysql_servers (hostgroup_id, hostname, port, weight, max_connections) SELECT ${HG.warden.w}, hostname, port, weight, max_connections FROM mysql_servers WHERE hostgroup_id = ${HG.warden.w + 8000} AND hostname || ':' || port = ${q(node1)}`,
      'LOAD MYSQL SERVERS TO RUNTIME');
    for (const f of fs.readdirSync(s.schedulerDir)) if (f.endsWith('.state.json') || f.endsWith('.probes.json')) fs.rmSync(path.join(s.schedulerDir, f));
    await p.sql('UPDATE scheduler SET active=1', 'LOAD SCHEDULER TO RUNTIME');
  }
  // daemon mode: a switchover through its API (refused until node1 has been healthy for the hold time)
  await waitFor('a switchover of the daemon-mode warden to node1', ctx.env.warden.minHoldMs + 30_000, async () => {
    const c = await s.api.cluster();
    if (c.writers.length === 1 && c.writers[0] === 'node1') return true;
    if (c.writers.includes('node1') || c.readers.includes('node1')) await s.api.switchover('node1');
    return undefined;
  }, { everyMs: 1000, signal });
  // native: reloading the configured rows makes the monitor pick the highest weight again
  if ((await s.proxies.native.online(HG.native.w)).join() !== node1) await s.proxies.native.sql('LOAD MYSQL SERVERS TO RUNTIME');
  for (const [name, hg] of [['scheduler', HG.warden.w], ['daemon', HG.warden.w], ['native', HG.native.w]] as const) {
    await waitFor(`${name}: node1 alone ONLINE in hostgroup ${hg}`, 60_000, async () => ((await s.proxies[name].online(hg)).join() === node1 ? true : undefined), { everyMs: 250, signal });
    await waitFor(`${name}: a new connection lands on node1`, 30_000, async () => ((await ctx.env.nodeVia(s.proxies[name].mysqlPort)) === 'node1' ? true : undefined), { everyMs: 250, signal });
  }
}

export const proxysqlFailover: Scenario<ConfigRoundsResult> = {
  name: 'proxysql-failover',
  title: 'ProxySQL 2.7.1 fail-over: galera-warden scheduler mode and daemon mode beside ProxySQL\'s own Galera monitor',
  async run(ctx) {
    const s = await setUp(ctx);
    try {
      return await runConfigRounds(ctx, {
        routers: (['scheduler', 'daemon', 'native'] as const).map((id) => ({ id, config: id, port: s.proxies[id].mysqlPort })),
        kinds: ['persistent', 'prober'],
        everyMs: WRITE_EVERY_MS,
        nodePerWrite: true,
        freezeMs: FREEZE_MS,
        watchAfterMs: ctx.env.warden.minHoldMs + 6000,
        recoveryTimeoutMs: 60_000,
        routeEveryMs: ROUTE_EVERY_MS,
        restore: () => restore(ctx, s),
        settings: {
          writeEveryMs: WRITE_EVERY_MS, routeEveryMs: ROUTE_EVERY_MS, freezeMs: FREEZE_MS, watchAfterSyncedMs: ctx.env.warden.minHoldMs + 6000,
          scheduler: { intervalMs: SCHEDULER_INTERVAL_MS, deadlineMs: SCHEDULER_DEADLINE_MS, checkTimeOut: 500, retryUp: 0, retryDown: 0, queryRetriesOnFailure: 0 },
          daemon: { ...ctx.env.warden, queryRetriesOnFailure: 0 },
          native: { galeraHealthcheckIntervalMs: NATIVE_CHECK_MS, galeraHealthcheckTimeoutMs: 800, maxTimeoutCount: 3, maxWriters: 1, writerIsAlsoReader: 1, queryRetriesOnFailure: 1 },
          instances: 'one ProxySQL per configuration (own datadir, admin and MySQL ports), all three under the same fault',
        },
      });
    } finally {
      await s.daemon.stop();
      for (const p of Object.values(s.proxies)) {
        p.close();
        await p.proc.stop();
      }
    }
  },
  report(result, ctx) {
    return [
      reportConfigRounds(result, { labels: LABELS, baseline: 'native', multiRouter: false, freezeMs: FREEZE_MS }),
      `routes to new writer: the first new connection through that ProxySQL answered by another node than node1 (SELECT @@wsrep_node_name on a new connection every ${ROUTE_EVERY_MS} ms, up to 8 at once: where ProxySQL sends writes, whether or not Galera can commit yet). first write on new writer: the first acknowledged INSERT landing on another node (a persistent-connection writer and a new-connection prober, each every ${WRITE_EVERY_MS} ms; the node comes back from the INSERT itself); it cannot come before Galera re-formed. vs baseline: median / median of ProxySQL's own monitor (< 1: faster).`,
      `writes failed: errors the two clients saw from the fault to the end of the round. moved back: rounds in which writes or new connections landed on node1 again after the new writer took them (in brackets how many of them per round, median (max)), watched until ${(ctx.env.warden.minHoldMs + 6000) / 1000} s after node1 was Synced again.`,
      `one ProxySQL 2.7.1 per configuration, side by side (each owns its hostgroups; none can undo another's change). scheduler: interval ${SCHEDULER_INTERVAL_MS} ms, deadline ${SCHEDULER_DEADLINE_MS} ms (from process start; Node's start took > 1.6 s on the loaded bench machine), checkTimeOut 500, retryUp/Down 0; daemon: run.intervalMs ${ctx.env.warden.intervalMs}, retryDown ${ctx.env.warden.retryDown}, minHoldMs ${ctx.env.warden.minHoldMs}; both with mysql-query_retries_on_failure 0 (as proxysql install sets). native: galera healthcheck every ${NATIVE_CHECK_MS} ms (default 5000), timeout 800 ms, max_writers 1, ProxySQL defaults otherwise (query retries 1).`,
    ].join('\n');
  },
};
