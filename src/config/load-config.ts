// loadConfig(path): read the TOML file, validate it against the schema, resolve secrets and paths,
// freeze. Every failure is a ConfigError (exit status 2) whose lines read
// "config /abs/file.toml: key.path: what is wrong".
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError } from '../model/errors.js';
import { configSchema } from './config-schema.js';
import { defaultErrorMap, formatIssues } from './format-issues.js';
import type { ConfigIo } from './resolve-secrets.js';
import { describeFsError, resolveCredentials, resolveOrchestrator, resolveTls } from './resolve-secrets.js';
import { resolveCoordination } from './resolve-coordination.js';
import type { WardenConfig } from './warden-config.js';

export const defaultConfigIo: ConfigIo = {
  env: process.env,
  readFile: (file) => readFile(file, 'utf8'),
};

function fail(file: string, lines: readonly string[]): never {
  throw new ConfigError(lines.map((l) => `config ${file}: ${l}`).join('\n'));
}

/** The first line of a TOML parser message, without the code excerpt (which may show a secret). */
function tomlProblem(err: TomlError): string {
  const first = err.message.split('\n')[0] ?? 'syntax error';
  const what = first.replace(/^Invalid TOML document:\s*/, '');
  return `TOML syntax error at line ${err.line}, column ${err.column}: ${what}`;
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

/** Validates TOML text that came from `file` (used for messages and relative paths). */
export async function parseConfig(text: string, file: string, io: ConfigIo = defaultConfigIo): Promise<WardenConfig> {
  const abs = path.resolve(file);
  let doc: unknown;
  try {
    doc = parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) fail(abs, [tomlProblem(err)]);
    fail(abs, [`cannot parse the file: ${err instanceof Error ? err.message : String(err)}`]);
  }
  const result = configSchema.safeParse(doc, { reportInput: true, error: defaultErrorMap });
  if (!result.success) fail(abs, formatIssues(result.error.issues));
  const c = result.data;
  const dir = path.dirname(abs);
  const problems: string[] = [];
  const credentials = await resolveCredentials(c.credentials, dir, io, problems);
  const tls = await resolveTls(c.tls, dir, io, problems);
  const { password: _p, passwordEnv: _e, passwordFile: _f, ...apiRest } = c.api;
  const apiCredentials = c.api.user !== undefined ? await resolveCredentials({ ...c.api, user: c.api.user }, dir, io, problems, 'api') : undefined;
  const api = { ...apiRest, ...(apiCredentials && { password: apiCredentials.password }) };
  const { password: _pp, passwordEnv: _pe, passwordFile: _pf, ...proxysqlRest } = c.proxysql;
  const proxysqlCredentials = c.proxysql.enabled ? await resolveCredentials(c.proxysql, dir, io, problems, 'proxysql') : undefined;
  const proxysql = { ...proxysqlRest, ...(proxysqlCredentials && { password: proxysqlCredentials.password }) };
  const coordination = await resolveCoordination(c.coordination, dir, io, problems);
  const orchestrator = c.orchestrator ? await resolveOrchestrator(c.orchestrator, dir, io, problems) : undefined;
  const run = { ...c.run, ...(c.run.stateFile !== undefined && { stateFile: path.resolve(dir, c.run.stateFile) }) };
  if (problems.length > 0) fail(abs, problems);
  if (credentials === undefined) fail(abs, ['credentials: no password source']);
  const nodes = c.nodes.map((n) => ({
    name: n.name,
    host: n.host,
    port: n.port,
    weight: n.weight,
    ...(n.healthPort !== undefined && { healthPort: n.healthPort }),
  }));
  if (c.cluster.topology === 'replication') {
    const why = 'cluster.topology = "replication"';
    const wrong = [
      ...(c.routing.singlePrimary ? [] : [`routing.singlePrimary: must be true with ${why}: one primary takes writes, never two`]),
      ...(c.fencing.mode === 'off' ? [] : [`fencing.mode: Galera-native fencing (evict lists, restarts) does not apply to ${why}; set mode = "off"`]),
      ...(c.coordination.store === 'galera' ? [`coordination.store: the "galera" store writes the writer record through a node of a Galera Primary component, which ${why} has not; use "etcd" or "none"`] : []),
    ];
    if (wrong.length > 0) fail(abs, wrong);
  }
  const healthcheck = { ...c.healthcheck };
  if (healthcheck.node !== undefined && !nodes.some((n) => n.name === healthcheck.node)) {
    fail(abs, [`healthcheck.node: no [[nodes]] entry is named "${healthcheck.node}" (known: ${nodes.map((n) => n.name).join(', ')})`]);
  }
  return deepFreeze({ file: abs, cluster: c.cluster, credentials, probe: c.probe, tls, nodes, healthcheck, routing: c.routing, run, proxy: c.proxy, api, proxysql, fencing: c.fencing, coordination, ...(c.haproxy && { haproxy: c.haproxy }), ...(orchestrator && { orchestrator }) });
}

/** Reads and validates a galera-warden TOML config file. Throws ConfigError. */
export async function loadConfig(file: string, io: ConfigIo = defaultConfigIo): Promise<WardenConfig> {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = await io.readFile(abs);
  } catch (err) {
    fail(abs, [`cannot read the config file: ${describeFsError(err)}`]);
  }
  return parseConfig(text, abs, io);
}
