// `galera-warden agent --mode core|satellite`: the ProxySQL sidecar on Kubernetes, settings from flags or
// GW_AGENT_* environment variables (see src/config/sections/agent.ts for why not the TOML file);
// `agent status` and `agent resync` talk to a running agent's HTTP port.
import fs from 'node:fs';
import os from 'node:os';
import { Option } from 'commander';
import type { Command } from 'commander';
import { UsageError, WardenError } from '../model/errors.js';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** [flag, settings key (the flag in camelCase, as commander names it), env, description] */
const FLAGS: Array<[string, string, string, string]> = [
  ['--mode <core|satellite>', 'mode', 'GW_AGENT_MODE', 'core: keep proxysql_servers = the ready core pods (the Lease holder acts); satellite: reload from the config when every core is gone'],
  ['--admin-host <host>', 'adminHost', 'GW_AGENT_ADMIN_HOST', 'ProxySQL admin interface host (127.0.0.1)'],
  ['--admin-port <port>', 'adminPort', 'GW_AGENT_ADMIN_PORT', 'ProxySQL admin port, also the port written into proxysql_servers (6032)'],
  ['--admin-user <user>', 'adminUser', 'GW_AGENT_ADMIN_USER', 'ProxySQL admin user (admin)'],
  ['--admin-password <password>', 'adminPassword', 'GW_AGENT_ADMIN_PASSWORD', 'ProxySQL admin password (prefer the env variable, from a Secret)'],
  ['--pod-name <name>', 'podName', 'POD_NAME', 'this pod (the Lease holder identity); default: the host name'],
  ['--namespace <ns>', 'namespace', 'POD_NAMESPACE', 'namespace of the pods and the Lease; default: the service account\'s'],
  ['--core-selector <labels>', 'coreSelector', 'GW_AGENT_CORE_SELECTOR', 'label selector of the core pods (app=proxysql,component=core)'],
  ['--satellite-selector <labels>', 'satelliteSelector', 'GW_AGENT_SATELLITE_SELECTOR', 'label selector of the satellite pods (app=proxysql,component=satellite)'],
  ['--lease-name <name>', 'leaseName', 'GW_AGENT_LEASE_NAME', 'the Lease the cores elect on (proxysql-core-leader)'],
  ['--lease-duration-seconds <s>', 'leaseDurationSeconds', 'GW_AGENT_LEASE_DURATION_SECONDS', 'Lease duration (15)'],
  ['--renew-deadline-ms <ms>', 'renewDeadlineMs', 'GW_AGENT_RENEW_DEADLINE_MS', 'a leader that cannot renew for this long stops acting (10000)'],
  ['--retry-period-ms <ms>', 'retryPeriodMs', 'GW_AGENT_RETRY_PERIOD_MS', 'Lease acquire / renew period (2000)'],
  ['--interval-ms <ms>', 'intervalMs', 'GW_AGENT_INTERVAL_MS', 'work loop period; pod changes act at once (2000)'],
  ['--call-timeout-ms <ms>', 'callTimeoutMs', 'GW_AGENT_CALL_TIMEOUT_MS', 'deadline of one admin call (3000)'],
  ['--kubeconfig <file>', 'kubeconfig', 'KUBECONFIG', 'kubeconfig file; default: the in-cluster service account'],
  ['--kube-request-timeout-ms <ms>', 'kubeRequestTimeoutMs', 'GW_AGENT_KUBE_REQUEST_TIMEOUT_MS', 'deadline of one Kubernetes API request (5000)'],
  ['--watch-timeout-seconds <s>', 'watchTimeoutSeconds', 'GW_AGENT_WATCH_TIMEOUT_SECONDS', 'pods watch length before a re-watch (300)'],
  ['--http-host <host>', 'httpHost', 'GW_AGENT_HTTP_HOST', 'probe / shutdown / status listener (0.0.0.0)'],
  ['--http-port <port>', 'httpPort', 'GW_AGENT_HTTP_PORT', 'its port (8080)'],
  ['--shutdown-delay-seconds <s>', 'shutdownDelaySeconds', 'GW_AGENT_SHUTDOWN_DELAY_SECONDS', 'preStop: longest wait for clients to leave (120)'],
  ['--core-stale-ms <ms>', 'coreStaleMs', 'GW_AGENT_CORE_STALE_MS', 'satellite: a core whose last_check_ms reaches this is gone (30000)'],
  ['--resync-after-ms <ms>', 'resyncAfterMs', 'GW_AGENT_RESYNC_AFTER_MS', 'standby core / satellite: a table that differs from the serving core pods this long is rewritten; 0 never (15000)'],
  ['--ready-needs-online-server <bool>', 'readyNeedsOnlineServer', 'GW_AGENT_READY_NEEDS_ONLINE_SERVER', 'readiness needs an ONLINE row in runtime_mysql_servers (true)'],
];

const NUMERIC = new Set(['adminPort', 'leaseDurationSeconds', 'renewDeadlineMs', 'retryPeriodMs', 'intervalMs', 'callTimeoutMs', 'kubeRequestTimeoutMs', 'watchTimeoutSeconds', 'httpPort', 'shutdownDelaySeconds', 'coreStaleMs', 'resyncAfterMs']);

/** Flag / env strings to typed values for the schema (which reports what is wrong, by flag). */
export function agentInput(raw: Record<string, string | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [, key] of FLAGS) {
    const v = raw[key];
    if (v === undefined) continue;
    if (NUMERIC.has(key)) out[key] = /^\d+$/.test(v) ? Number(v) : v;
    else if (key === 'readyNeedsOnlineServer') out[key] = v === 'true' ? true : v === 'false' ? false : v;
    else out[key] = v;
  }
  out.podName ??= os.hostname();
  if (out.namespace === undefined) {
    try {
      out.namespace = fs.readFileSync(SA_NAMESPACE, 'utf8').trim();
    } catch {
      // not in a pod: the schema asks for --namespace
    }
  }
  out.adminPassword ??= 'admin';
  return out;
}

async function call(url: string, method: 'GET' | 'POST', path: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(new URL(path, url), { method, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new WardenError('E_AGENT_UNREACHABLE', `no agent answers at ${url}${path}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`);
  }
  process.stdout.write(await res.text());
  if (!res.ok) process.exitCode = 1;
}

export function registerAgent(program: Command): void {
  const cmd = program
    .command('agent')
    .description('keep a ProxySQL cluster healthy on Kubernetes: one long-lived sidecar per ProxySQL pod (core or satellite)');
  for (const [flag, , env, description] of FLAGS) cmd.addOption(new Option(flag, description).env(env));
  cmd.option('--log-format <json|pretty>', 'log format', 'json');
  cmd.action(async (o: Record<string, string | undefined>) => {
    // first of all: a SIGTERM / SIGINT during start-up (the imports, the wait for the admin interface) gives
    // start-up up cleanly and exits 0, as one after it stops the agent; a second signal changes nothing
    const stopAsked = new AbortController();
    const onSignal = (): void => stopAsked.abort();
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    const { agentSection } = await import('../config/sections/agent.js');
    const { createLogger } = await import('../runtime/logger.js');
    const { startAgent } = await import('../agent/agent.js');
    const parsed = agentSection.safeParse(agentInput(o));
    if (!parsed.success) {
      const byKey = new Map(FLAGS.map(([flag, key, env]) => [key, `${flag.split(' ')[0]} / ${env}`]));
      throw new UsageError(parsed.error.issues.map((i) => `${byKey.get(String(i.path[0])) ?? String(i.path[0])}: ${i.message}`).join('; '));
    }
    const log = createLogger({ level: 'info', format: o.logFormat === 'pretty' ? 'pretty' : 'json' });
    const agent = await startAgent(parsed.data, log, { signal: stopAsked.signal });
    process.exitCode = agent ? await agent.done : 0;
    // nothing else may hold the process (a watch socket, a timer): the agent has stopped
    process.exit(process.exitCode);
  });
  cmd.command('status')
    .description('a running agent\'s view: admin reachable, mode, leader, cores seen, last reload, config checksums across the ProxySQL cluster')
    .option('--url <url>', 'the agent\'s HTTP address', 'http://127.0.0.1:8080')
    .action(async (o: { url: string }) => call(o.url, 'GET', '/status'));
  cmd.command('dump')
    .description('stats_mysql_query_digest, mysql_query_rules and stats_mysql_query_rules to CSV files (<table>-<UTC time>.csv; columns: docs/agent.md)')
    .requiredOption('--out <dir>', 'directory for the CSV files')
    .action(async (d: { out: string }) => {
      // the admin flags / GW_AGENT_ADMIN_* belong to `agent` itself (commander parses them there)
      const g = cmd.opts<Record<string, string | undefined>>();
      const o = { adminHost: g.adminHost ?? '127.0.0.1', adminPort: g.adminPort ?? '6032', adminUser: g.adminUser ?? 'admin', adminPassword: g.adminPassword ?? 'admin' };
      const { adminDumpSource, dumpTables } = await import('../agent/dump-csv.js');
      const port = Number(o.adminPort);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--admin-port / GW_AGENT_ADMIN_PORT: expected a port number, got "${o.adminPort}"`);
      let src: Awaited<ReturnType<typeof adminDumpSource>>;
      try {
        src = await adminDumpSource({ host: o.adminHost, port, user: o.adminUser, password: o.adminPassword, timeoutMs: 10_000 });
      } catch (err) {
        throw new WardenError('E_PROXYSQL_CONNECT', `ProxySQL admin ${o.adminHost}:${port}: ${(err as Error).message}`);
      }
      try {
        for (const f of await dumpTables(src, d.out)) process.stdout.write(`${f}\n`);
      } finally {
        src.close();
      }
    });
  cmd.command('resync')
    .description('satellite: LOAD PROXYSQL SERVERS FROM CONFIG now; core (leader): rewrite proxysql_servers and load it')
    .option('--url <url>', 'the agent\'s HTTP address', 'http://127.0.0.1:8080')
    .action(async (o: { url: string }) => call(o.url, 'POST', '/resync'));
}
