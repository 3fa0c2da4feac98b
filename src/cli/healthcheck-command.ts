// `galera-warden healthcheck`: the node-side HTTP check (clustercheck / galera-healthcheck) for HAProxy
// `option httpchk` or any load balancer: 200 when the node may take traffic, 503 when not.
// The node comes from --config + --node, or from --host/--port/--user/--password-env/--password-file.
import type { Command } from 'commander';
import type { WardenConfig } from '../config/warden-config.js';
import { UsageError } from '../model/errors.js';
import type { NodeSpec } from '../model/node.js';
import type { ProbeOptions } from '../observe/probe-options.js';
import type { HealthcheckServerOptions } from '../runtime/healthcheck-server.js';

export interface HealthcheckFlags {
  config?: string;
  node?: string;
  host?: string;
  port?: string;
  user?: string;
  passwordEnv?: string;
  passwordFile?: string;
  listen?: string;
  availableWhenDonor?: boolean;
  availableWhenReadOnly?: boolean;
  cacheMs?: string;
  holdMs?: string;
  timeoutMs?: string;
}

export interface Listen {
  host: string;
  port: number;
}

function int(value: string, flag: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: expected a number from ${min} to ${max}, got "${value}"`);
  return n;
}

/** "host:port", "[v6]:port", ":port" or "port". */
export function parseListen(value: string): Listen {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d+)$/.exec(value) ?? /^()()(\d+)$/.exec(value);
  if (!m) throw new UsageError(`--listen: expected host:port, [ipv6]:port or port, got "${value}"`);
  const host = m[1] ?? m[2] ?? '';
  return { host: host === '' ? '0.0.0.0' : host, port: int(m[3]!, '--listen', 0, 65535) };
}

const FLAG_MODE = ['host', 'port', 'user', 'passwordEnv', 'passwordFile'] as const;
const flagName = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

interface Target {
  spec: NodeSpec;
  probe: ProbeOptions;
  config?: WardenConfig;
}

async function fromConfig(f: HealthcheckFlags & { config: string }): Promise<Target> {
  const used = FLAG_MODE.filter((k) => f[k] !== undefined);
  if (used.length > 0) throw new UsageError(`${used.map(flagName).join(', ')}: not with --config (the node and credentials come from the config file)`);
  const { loadConfig } = await import('../config/load-config.js');
  const { probeOptionsFromConfig } = await import('../observe/probe-options.js');
  const config = await loadConfig(f.config);
  const name = f.node ?? config.healthcheck.node ?? (config.nodes.length === 1 ? config.nodes[0]!.name : undefined);
  const known = config.nodes.map((n) => n.name).join(', ');
  if (name === undefined) throw new UsageError(`--node: which node does this healthcheck watch? (${f.config} has ${known})`);
  const spec = config.nodes.find((n) => n.name === name);
  if (!spec) throw new UsageError(`--node: ${f.config} has no node named "${name}" (known: ${known})`);
  return { spec, probe: probeOptionsFromConfig(config), config };
}

async function fromFlags(f: HealthcheckFlags): Promise<Target> {
  if (f.user === undefined) throw new UsageError('--user: required without --config (or give --config FILE --node NAME)');
  if (f.passwordEnv !== undefined && f.passwordFile !== undefined) throw new UsageError('--password-env, --password-file: give only one');
  const { Secret } = await import('../config/secret.js');
  let password = '';
  if (f.passwordEnv !== undefined) {
    const v = process.env[f.passwordEnv];
    if (v === undefined || v === '') throw new UsageError(`--password-env: environment variable ${f.passwordEnv} is ${v === undefined ? 'not set' : 'empty'}`);
    password = v;
  } else if (f.passwordFile !== undefined) {
    const { readFile } = await import('node:fs/promises');
    const { describeFsError } = await import('../config/resolve-secrets.js');
    try {
      password = (await readFile(f.passwordFile, 'utf8')).replace(/[\r\n]+$/, '');
    } catch (err) {
      throw new UsageError(`--password-file: cannot read ${f.passwordFile}: ${describeFsError(err)}`);
    }
    if (password === '') throw new UsageError(`--password-file: ${f.passwordFile} is empty`);
  }
  const host = f.host ?? '127.0.0.1';
  const port = f.port === undefined ? 3306 : int(f.port, '--port', 1, 65535);
  const timeoutMs = f.timeoutMs === undefined ? 2000 : int(f.timeoutMs, '--timeout-ms', 1, 600_000);
  return {
    spec: { name: f.node ?? `${host}:${port}`, host, port, weight: 0 },
    probe: { user: f.user, password: new Secret(password), connectTimeoutMs: Math.min(1000, timeoutMs), timeoutMs },
  };
}

async function replicationAssessment(config: WardenConfig): Promise<Pick<HealthcheckServerOptions, 'assess' | 'stateOf'>> {
  const { assessReplicationNode, replicationStateText } = await import('../decide/replication-health.js');
  const { decideConfigOf } = await import('../config/decide-config-of.js');
  const maxLagS = decideConfigOf(config).maxReplicationLagS;
  return { assess: (obs) => assessReplicationNode(obs, maxLagS), stateOf: replicationStateText };
}

const log = (line: string) => void process.stderr.write(`${new Date().toISOString()} healthcheck: ${line}\n`);

export async function runHealthcheck(f: HealthcheckFlags): Promise<void> {
  const target = f.config !== undefined ? await fromConfig({ ...f, config: f.config }) : await fromFlags(f);
  const hc = target.config?.healthcheck;
  if (f.timeoutMs !== undefined && target.config) target.probe.timeoutMs = int(f.timeoutMs, '--timeout-ms', target.probe.connectTimeoutMs, 600_000);
  const listen = f.listen !== undefined ? parseListen(f.listen) : { host: hc?.host ?? '0.0.0.0', port: hc?.port ?? 9200 };
  const cacheMs = f.cacheMs !== undefined ? int(f.cacheMs, '--cache-ms', 0, 60_000) : (hc?.cacheMs ?? 0);
  const holdMs = f.holdMs !== undefined ? int(f.holdMs, '--hold-ms', 0, 3_600_000) : (hc?.holdMs ?? 8000);
  const health = {
    availableWhenDonor: f.availableWhenDonor === true || hc?.availableWhenDonor === true,
    availableWhenReadOnly: f.availableWhenReadOnly === true || hc?.availableWhenReadOnly === true,
  };

  const { NodeProber } = await import('../observe/node-prober.js');
  const { HealthcheckServer } = await import('../runtime/healthcheck-server.js');
  const { onStopSignals } = await import('../runtime/stop-signals.js');
  const { spec } = target;
  const prober = new NodeProber(spec, target.probe);
  // a replication topology: read_only and the replication state, never wsrep (a replica has none)
  const replication = target.config?.cluster.topology === 'replication' ? await replicationAssessment(target.config) : {};
  const server = new HealthcheckServer({
    node: spec.name,
    probe: () => prober.probe(),
    health,
    ...replication,
    cacheMs,
    holdMs,
    onChange: (b) => log(`${spec.name} is ${b.available ? 'available (200)' : 'unavailable (503)'}: ${b.state}${b.reasons.length ? `; ${b.reasons.map((r) => r.message).join('; ')}` : ''}`),
  });
  try {
    await server.listen(listen.port, listen.host);
  } catch (err) {
    prober.destroy();
    throw new UsageError(`--listen ${listen.host}:${listen.port}: cannot listen: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const where = server.address;
  const address = `${spec.host}:${spec.port}`;
  log(`watching ${spec.name === address ? address : `${spec.name} (${address})`}, listening on ${listen.host}:${where?.port ?? listen.port}${cacheMs ? `, cache ${cacheMs} ms` : ''}`);

  await new Promise<void>((resolve) => {
    const remove = onStopSignals((signal, count) => {
      if (count > 1) {
        log(`${signal} again: stopping now`);
        server.destroy();
        prober.destroy();
        return;
      }
      log(`${signal}: stopping`);
      const force = setTimeout(() => {
        server.destroy();
        prober.destroy();
      }, 5000);
      force.unref();
      void server.close().then(() => {
        prober.close();
        remove();
        clearTimeout(force);
        resolve();
      });
    });
  });
}

export function registerHealthcheck(program: Command): void {
  program
    .command('healthcheck')
    .description('serve an HTTP check for one node (HAProxy option httpchk): 200 when it may take traffic, 503 when not')
    .option('-c, --config <file>', 'galera-warden TOML config file (node, credentials, TLS, [healthcheck] defaults)')
    .option('--node <name>', 'the [[nodes]] entry to check (with --config), or a name for the node (without)')
    .option('--host <host>', 'without --config: the node\'s host (default 127.0.0.1)')
    .option('--port <port>', 'without --config: the node\'s port (default 3306)')
    .option('--user <user>', 'without --config: the MySQL user')
    .option('--password-env <name>', 'without --config: environment variable holding the password')
    .option('--password-file <path>', 'without --config: file holding the password (trailing newline ignored)')
    .option('--listen <host:port>', 'address to serve on (default [healthcheck] host:port, else 0.0.0.0:9200)')
    .option('--available-when-donor', 'answer 200 for a Donor/Desynced node that does not reject queries')
    .option('--available-when-read-only', 'answer 200 for a read_only node')
    .option('--hold-ms <ms>', 'after a failure, answer 503 until the node has been healthy this long (default 8000: outlasts the stale view of a resumed frozen node; 0: off)')
    .option('--cache-ms <ms>', 'reuse a probe result this long to protect the node from check storms (default 0: probe on every request; concurrent requests always share one probe)')
    .option('--timeout-ms <ms>', 'hard deadline of one probe (default probe.timeoutMs, else 2000)')
    .action(async (o: HealthcheckFlags) => {
      await runHealthcheck(o);
    });
}
