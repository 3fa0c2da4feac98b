// pxcScheduler's config.toml, read as is, mapped onto galera-warden's settings for the ProxySQL modes.
// Sections and keys are matched without regard to case (pxcScheduler's TOML reader does the same: the seed
// spells both logLevel and loglevel). Keys galera-warden has no use for, and keys neither knows, are listed
// in `ignored` with the reason, never an error. Hand-written validation (no zod): a scheduler run loads little.
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { DecideConfig } from '../model/decide-config.js';
import { DEFAULT_DECIDE_CONFIG } from '../model/decide-config.js';
import { ConfigError } from '../model/errors.js';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface PxcSchedulerSettings {
  /** absolute path of the config file */
  file: string;
  /** the routing policy ([pxccluster]); nodes come from ProxySQL's 8000 groups at run time */
  decide: Omit<DecideConfig, 'nodes'>;
  proxysql: {
    host: string;
    port: number;
    user: string;
    password: string;
    /** several ProxySQL nodes share the work: take the cluster lock in proxysql_servers */
    clustered: boolean;
    /** galera-warden extension: SAVE MYSQL SERVERS TO DISK after a change (default false, as pxcScheduler) */
    saveToDisk: boolean;
  };
  cluster: {
    id: number;
    hgW: number;
    hgR: number;
    bckHgW: number;
    bckHgR: number;
  };
  probe: {
    /** checkTimeOut: the hard deadline of one node probe */
    timeoutMs: number;
    tls?: { ca?: string; cert?: string; key?: string };
  };
  run: {
    daemonize: boolean;
    /** daemonInterval */
    intervalMs: number;
    lockFileTimeoutMs: number;
    lockClusterTimeoutMs: number;
    /** galera-warden: where lock and state files live (pxcScheduler: lockfilepath, default /tmp) */
    lockDir: string;
  };
  /**
   * galera-warden extension, [coordination]: the shared writer record (docs/coordination.md). The galera store
   * connects to the nodes of the 8000 groups with ProxySQL's monitor account.
   */
  coordination: {
    store: 'none' | 'galera';
    /** the record's key: the same name as the daemons' [cluster].name for the same cluster */
    cluster: string;
    timeoutMs: number;
    /** 0: three daemonIntervals */
    leaseMs: number;
    /**
     * after the record's writer moves, runs route no writer for this long, so that every ProxySQL (whose runs are
     * an interval apart) and every daemon has dropped the old writer first; -1: the default, see schedulerHandoverMs
     */
    handoverMs: number;
    schema: string;
    /** default <hostname>:scheduler:<clusterId>_<hgW>_<hgR> */
    instanceId?: string;
  };
  /**
   * galera-warden extension, [orchestrator] (proxy-oc-tool's drop-in): every run polls Orchestrator once; downtimed
   * nodes are drained (OFFLINE_SOFT), every node when no raft leader has answered for longer than graceMs
   */
  orchestrator?: SchedulerOrchestratorSettings;
  /** performance: log the time of each step of a run */
  log: { level: LogLevel; target: 'stdout' | 'file'; file?: string; performance: boolean };
  /** "section.key: why" for every key read but not used */
  ignored: string[];
}

export interface SchedulerOrchestratorSettings {
  urls: string[];
  clusterHint: string;
  /** hard timeout of one HTTP call (cut to what the run's deadline leaves) */
  timeoutMs: number;
  graceMs: number;
  /** basic auth; the password already read from password, passwordEnv or passwordFile */
  auth?: { user: string; password: string };
  /** PEM file paths (absolute) for https:// URLs */
  tls: { ca?: string; cert?: string; key?: string; serverName?: string; verifyCertificate: boolean };
}

type Kind = 'bool' | 'int' | 'string' | 'strings';
interface KeySpec {
  kind: Kind;
  /** undefined: required */
  default?: unknown;
  /** set when galera-warden reads the key but does not act on it */
  ignore?: string;
}

/** Every key of seed 000's "How to configure", with pxcScheduler's defaults. */
export const PXC_SCHEDULER_KEYS: Record<'global' | 'proxysql' | 'pxccluster' | 'coordination' | 'cluster' | 'orchestrator', Record<string, KeySpec>> = {
  global: {
    debug: { kind: 'bool', default: false },
    logLevel: { kind: 'string', default: 'error' },
    logTarget: { kind: 'string', default: 'stdout' },
    logFile: { kind: 'string', default: '' },
    daemonize: { kind: 'bool', default: false },
    daemonInterval: { kind: 'int', default: 2000 },
    performance: { kind: 'bool', default: false },
    OS: { kind: 'string', default: 'na', ignore: 'pxcScheduler: for future use' },
    lockfiletimeout: { kind: 'int', default: 60 },
    lockclustertimeout: { kind: 'int', default: 600 },
    lockfilepath: { kind: 'string', default: '/tmp' },
  },
  proxysql: {
    port: { kind: 'int', default: 6032 },
    host: { kind: 'string', default: '127.0.0.1' },
    user: { kind: 'string', default: '' },
    password: { kind: 'string', default: '' },
    clustered: { kind: 'bool', default: false },
    initialized: { kind: 'bool', default: false, ignore: 'pxcScheduler: not used' },
    saveToDisk: { kind: 'bool', default: false },
  },
  pxccluster: {
    activeFailover: { kind: 'int', default: 1 },
    failBack: { kind: 'bool', default: false },
    checkTimeOut: { kind: 'int', default: 4000 },
    mainSegment: { kind: 'int', default: 1 },
    sslClient: { kind: 'string', default: '' },
    sslKey: { kind: 'string', default: '' },
    sslCa: { kind: 'string', default: '' },
    sslCertificatePath: { kind: 'string', default: '' },
    hgW: { kind: 'int' },
    hgR: { kind: 'int' },
    bckHgW: { kind: 'int', default: -1 },
    bckHgR: { kind: 'int', default: -1 },
    singlePrimary: { kind: 'bool', default: true },
    maxNumWriters: { kind: 'int', default: 1 },
    writerIsAlsoReader: { kind: 'bool', default: true },
    retryUp: { kind: 'int', default: 0 },
    retryDown: { kind: 'int', default: 0 },
    clusterId: { kind: 'int', default: 10 },
  },
  // galera-warden's own section (pxcScheduler has none): the shared writer record
  coordination: {
    store: { kind: 'string', default: 'none' },
    cluster: { kind: 'string', default: '' },
    timeoutMs: { kind: 'int', default: 2000 },
    leaseMs: { kind: 'int', default: 0 },
    handoverMs: { kind: 'int', default: -1 },
    schema: { kind: 'string', default: 'galera_warden' },
    instanceId: { kind: 'string', default: '' },
  },
  // galera-warden's own: the topology (as the daemon's [cluster]; the name comes from [coordination])
  cluster: {
    topology: { kind: 'string', default: 'galera' },
    maxReplicationLagS: { kind: 'int', default: DEFAULT_DECIDE_CONFIG.maxReplicationLagS },
    name: { kind: 'string', default: '', ignore: 'scheduler mode: the record\'s key is coordination.cluster' },
  },
  // galera-warden's own (proxy-oc-tool's drop-in): read only when the table is there
  orchestrator: {
    urls: { kind: 'strings' },
    clusterHint: { kind: 'string' },
    timeoutMs: { kind: 'int', default: 2000 },
    graceMs: { kind: 'int', default: 10_000 },
    intervalMs: { kind: 'int', default: 0, ignore: 'scheduler mode polls once per run: the interval is the scheduler row\'s interval_ms' },
    user: { kind: 'string', default: '' },
    password: { kind: 'string', default: '' },
    passwordEnv: { kind: 'string', default: '' },
    passwordFile: { kind: 'string', default: '' },
    ca: { kind: 'string', default: '' },
    cert: { kind: 'string', default: '' },
    key: { kind: 'string', default: '' },
    serverName: { kind: 'string', default: '' },
    verifyCertificate: { kind: 'bool', default: true },
  },
};

/** Sections read only when present (their required keys are required only then). */
const OPTIONAL_SECTIONS = new Set(['orchestrator']);

const LEVELS: Record<string, LogLevel> = { trace: 'trace', debug: 'debug', info: 'info', warn: 'warn', warning: 'warn', error: 'error', fatal: 'error', panic: 'error' };

function read(doc: Record<string, unknown>, file: string, ignored: string[], problems: string[]) {
  const sections = new Map(Object.entries(doc).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
  const out: Record<string, Record<string, unknown>> = {};
  for (const [section, keys] of Object.entries(PXC_SCHEDULER_KEYS)) {
    const found = sections.get(section);
    sections.delete(section);
    if (found === undefined && OPTIONAL_SECTIONS.has(section)) continue;
    const table = found && typeof found.value === 'object' && found.value !== null && !Array.isArray(found.value) ? (found.value as Record<string, unknown>) : {};
    if (found && table !== found.value) problems.push(`${found.name}: expected a [${section}] table`);
    const given = new Map(Object.entries(table).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
    const values: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(keys)) {
      const g = given.get(key.toLowerCase());
      given.delete(key.toLowerCase());
      const where = `${section}.${key}`;
      if (g === undefined) {
        if (spec.default === undefined) problems.push(`${where}: is required`);
        values[key] = spec.default;
        continue;
      }
      let v = g.value;
      if (spec.kind === 'bool' && (v === 0 || v === 1 || v === '0' || v === '1' || v === 'true' || v === 'false')) v = v === 1 || v === '1' || v === 'true';
      if (spec.kind === 'int' && typeof v === 'bigint') v = Number(v);
      const ok = spec.kind === 'bool' ? typeof v === 'boolean' : spec.kind === 'int' ? Number.isSafeInteger(v) : spec.kind === 'strings' ? Array.isArray(v) && v.every((x) => typeof x === 'string') : typeof v === 'string';
      const expected = { bool: 'true/false (or 1/0)', int: 'an integer', string: 'a string', strings: 'a list of strings' }[spec.kind];
      if (!ok) problems.push(`${where}: expected ${expected}, got ${JSON.stringify(typeof v === 'bigint' ? String(v) : v)}`);
      values[key] = v;
      if (spec.ignore) ignored.push(`${where}: ignored (${spec.ignore})`);
    }
    for (const g of given.values()) ignored.push(`${section}.${g.name}: ignored (not a pxcScheduler key galera-warden knows)`);
    out[section] = values;
  }
  for (const s of sections.values()) ignored.push(`${s.name}: ignored (unknown section)`);
  void file;
  type Table = Record<string, unknown>;
  return out as { global: Table; proxysql: Table; pxccluster: Table; coordination: Table; cluster: Table; orchestrator?: Table };
}

/** Parses pxcScheduler TOML text from `file` (for messages and relative paths). Throws ConfigError. */
export function parsePxcSchedulerConfig(text: string, file: string): PxcSchedulerSettings {
  const abs = path.resolve(file);
  const fail = (lines: string[]): never => {
    throw new ConfigError(lines.map((l) => `config ${abs}: ${l}`).join('\n'));
  };
  let doc: Record<string, unknown> = {};
  try {
    doc = parseToml(text);
  } catch (err) {
    fail([err instanceof TomlError ? `TOML syntax error at line ${err.line}, column ${err.column}: ${err.message.split('\n')[0]}` : String(err)]);
  }
  const ignored: string[] = [];
  const problems: string[] = [];
  const { global: gl, proxysql: px, pxccluster: pc, coordination: co, cluster: cl, orchestrator: orc } = read(doc, abs, ignored, problems);
  const n = (v: unknown) => v as number;
  const b = (v: unknown) => v as boolean;
  const s = (v: unknown) => v as string;
  const range = (where: string, v: unknown, lo: number, hi: number) => {
    if (typeof v === 'number' && (v < lo || v > hi)) problems.push(`${where}: must be between ${lo} and ${hi}, got ${v}`);
  };
  range('pxccluster.hgW', pc.hgW, 0, 999_999); range('pxccluster.hgR', pc.hgR, 0, 999_999);
  range('pxccluster.checkTimeOut', pc.checkTimeOut, 1, 600_000); range('global.daemonInterval', gl.daemonInterval, 100, 3_600_000);
  range('proxysql.port', px.port, 1, 65535); range('pxccluster.maxNumWriters', pc.maxNumWriters, 1, 64);
  range('pxccluster.retryUp', pc.retryUp, 0, 1000); range('pxccluster.retryDown', pc.retryDown, 0, 1000);
  range('global.lockfiletimeout', gl.lockfiletimeout, 1, 86_400); range('global.lockclustertimeout', gl.lockclustertimeout, 1, 86_400);
  if (typeof pc.activeFailover === 'number' && pc.activeFailover > 1) ignored.push(`pxccluster.activeFailover: ${pc.activeFailover} read as 1 (methods 2 and 3 are not implemented, as in pxcScheduler 1.5)`);
  range('pxccluster.activeFailover', pc.activeFailover, 0, 3);
  if (co.store !== 'none' && co.store !== 'galera') problems.push(`coordination.store: expected "none" or "galera", got ${JSON.stringify(co.store)}`);
  range('coordination.timeoutMs', co.timeoutMs, 50, 60_000); range('coordination.leaseMs', co.leaseMs, 0, 600_000); range('coordination.handoverMs', co.handoverMs, -1, 600_000);
  if (typeof co.schema === 'string' && !/^[A-Za-z0-9_]{1,64}$/.test(co.schema)) problems.push(`coordination.schema: expected a plain schema name (1 to 64 letters, digits or "_"), got ${JSON.stringify(co.schema)}`);
  if (cl.topology !== 'galera' && cl.topology !== 'replication') problems.push(`cluster.topology: expected "galera" or "replication", got ${JSON.stringify(cl.topology)}`);
  range('cluster.maxReplicationLagS', cl.maxReplicationLagS, 0, 86_400);
  if (cl.topology === 'replication' && co.store === 'galera') problems.push('coordination.store: "galera" writes the record through a node of a Galera Primary component, which topology = "replication" has not: use store = "none"');
  const dir = path.dirname(abs);
  const orchestrator = orc ? orchestratorSettings(orc, dir, problems) : undefined;
  const level = LEVELS[String(gl.logLevel).toLowerCase()];
  if (level === undefined) problems.push(`global.logLevel: expected one of ${Object.keys(LEVELS).join(', ')}, got ${JSON.stringify(gl.logLevel)}`);
  const target = String(gl.logTarget).toLowerCase();
  if (target !== 'stdout' && target !== 'file') problems.push(`global.logTarget: expected "stdout" or "file", got ${JSON.stringify(gl.logTarget)}`);
  if (target === 'file' && !s(gl.logFile)) problems.push('global.logFile: is required when logTarget = "file"');
  for (const c of hostgroupClashes({ hgW: pc.hgW, hgR: pc.hgR, bckHgW: pc.bckHgW, bckHgR: pc.bckHgR }, 'pxccluster')) problems.push(c);
  if (problems.length > 0) fail(problems);

  const certDir = s(pc.sslCertificatePath) ? path.resolve(dir, s(pc.sslCertificatePath)) : dir;
  const tlsFile = (v: unknown) => (s(v) ? path.resolve(certDir, s(v)) : undefined);
  const tls = { ca: tlsFile(pc.sslCa), cert: tlsFile(pc.sslClient), key: tlsFile(pc.sslKey) };
  const hgW = n(pc.hgW);
  const hgR = n(pc.hgR);
  return {
    file: abs,
    decide: {
      // pxcScheduler drives Galera clusters only; [cluster] topology = "replication" is galera-warden's
      topology: cl.topology === 'replication' ? 'replication' : 'galera',
      maxReplicationLagS: n(cl.maxReplicationLagS),
      activeFailover: n(pc.activeFailover) === 0 ? 0 : 1,
      failBack: b(pc.failBack),
      singlePrimary: b(pc.singlePrimary),
      maxNumWriters: n(pc.maxNumWriters),
      writerIsAlsoReader: b(pc.writerIsAlsoReader),
      retryUp: n(pc.retryUp),
      retryDown: n(pc.retryDown),
      // galera-warden's guard against the stale view a resumed frozen node reports; pxcScheduler has none
      minHoldMs: 8000,
      mainSegment: n(pc.mainSegment),
      availableWhenDonor: false,
      availableWhenReadOnly: true,
      checkTimeoutMs: n(pc.checkTimeOut),
      maxObservationAgeMs: Math.max(10_000, n(pc.checkTimeOut) * 2),
    },
    proxysql: { host: s(px.host), port: n(px.port), user: s(px.user), password: s(px.password), clustered: b(px.clustered), saveToDisk: b(px.saveToDisk) },
    cluster: { id: n(pc.clusterId), hgW, hgR, bckHgW: n(pc.bckHgW) >= 0 ? n(pc.bckHgW) : hgW + 8000, bckHgR: n(pc.bckHgR) >= 0 ? n(pc.bckHgR) : hgR + 8000 },
    probe: { timeoutMs: n(pc.checkTimeOut), ...(tls.ca || tls.cert || tls.key ? { tls: Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined)) } : {}) },
    run: {
      daemonize: b(gl.daemonize),
      intervalMs: n(gl.daemonInterval),
      lockFileTimeoutMs: n(gl.lockfiletimeout) * 1000,
      lockClusterTimeoutMs: n(gl.lockclustertimeout) * 1000,
      lockDir: path.resolve(dir, s(gl.lockfilepath)),
    },
    coordination: {
      store: co.store as 'none' | 'galera', cluster: s(co.cluster) || `pxc-${n(pc.clusterId)}`, timeoutMs: n(co.timeoutMs),
      leaseMs: n(co.leaseMs), handoverMs: n(co.handoverMs), schema: s(co.schema), ...(s(co.instanceId) ? { instanceId: s(co.instanceId) } : {}),
    },
    ...(orchestrator ? { orchestrator } : {}),
    log: { level: b(gl.debug) ? 'debug' : level!, performance: b(gl.performance), target: target as 'stdout' | 'file', ...(s(gl.logFile) ? { file: path.resolve(dir, s(gl.logFile)) } : {}) },
    ignored,
  };
}

function validUrl(u: string): boolean {
  try {
    const x = new URL(u);
    return (x.protocol === 'http:' || x.protocol === 'https:') && x.search === '' && x.hash === '' && x.username === '';
  } catch {
    return false;
  }
}

/** [orchestrator] checked and resolved (the password read, TLS paths made absolute); problems added, one a line. */
function orchestratorSettings(o: Record<string, unknown>, dir: string, problems: string[]): SchedulerOrchestratorSettings | undefined {
  const before = problems.length;
  const str = (k: string): string => (typeof o[k] === 'string' ? o[k] : '');
  const urls = Array.isArray(o.urls) ? (o.urls as unknown[]).filter((u): u is string => typeof u === 'string') : [];
  if (Array.isArray(o.urls) && urls.length === 0) problems.push('orchestrator.urls: expected at least one Orchestrator URL');
  for (const u of urls) if (!validUrl(u)) problems.push(`orchestrator.urls: "${u}" is not an http:// or https:// URL without query or credentials (e.g. "http://orc1:3000")`);
  if (new Set(urls.map((u) => u.replace(/\/+$/, ''))).size !== urls.length) problems.push('orchestrator.urls: lists the same URL twice');
  if (typeof o.clusterHint === 'string' && o.clusterHint.trim() === '') problems.push('orchestrator.clusterHint: must not be empty (a cluster alias, name or host:port)');
  const range = (k: string, lo: number, hi: number) => {
    if (typeof o[k] === 'number' && (o[k] < lo || o[k] > hi)) problems.push(`orchestrator.${k}: must be between ${lo} and ${hi}, got ${o[k]}`);
  };
  range('timeoutMs', 50, 60_000);
  range('graceMs', 0, 3_600_000);
  const sources = (['password', 'passwordEnv', 'passwordFile'] as const).filter((k) => str(k) !== '');
  const user = str('user');
  if (user !== '' && sources.length === 0) problems.push('orchestrator.user: basic auth needs a password: set one of password, passwordEnv, passwordFile');
  if (user === '' && sources.length > 0) problems.push(`orchestrator.${sources[0]}: a password without a user: set orchestrator.user too`);
  if (sources.length > 1) problems.push(`orchestrator.${sources[1]}: set only one of password, passwordEnv, passwordFile (found ${sources.join(' and ')})`);
  if ((str('cert') === '') !== (str('key') === '')) problems.push(`orchestrator.${str('cert') === '' ? 'cert' : 'key'}: a client certificate and its key go together: set both cert and key`);
  let password = str('password');
  if (user !== '' && sources.length === 1 && sources[0] === 'passwordEnv') {
    const v = process.env[str('passwordEnv')];
    if (v === undefined || v === '') problems.push(`orchestrator.passwordEnv: the environment variable ${str('passwordEnv')} is not set`);
    password = v ?? '';
  }
  if (user !== '' && sources.length === 1 && sources[0] === 'passwordFile') {
    const file = path.resolve(dir, str('passwordFile'));
    try {
      password = fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (err) {
      problems.push(`orchestrator.passwordFile: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  if (problems.length > before) return undefined;
  const file = (k: string) => (str(k) !== '' ? { [k]: path.resolve(dir, str(k)) } : {});
  return {
    urls, clusterHint: str('clusterHint'), timeoutMs: o.timeoutMs as number, graceMs: o.graceMs as number,
    ...(user !== '' ? { auth: { user, password } } : {}),
    tls: { ...file('ca'), ...file('cert'), ...file('key'), ...(str('serverName') !== '' ? { serverName: str('serverName') } : {}), verifyCertificate: o.verifyCertificate as boolean },
  };
}

/** pxcScheduler's arguments: --configfile=NAME [--configpath=DIR] (also "--configfile NAME"). */
export function configFileFromArgs(args: readonly string[]): string {
  const value = (name: string): string | undefined => {
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
      if (a === `--${name}`) return args[i + 1];
    }
    return undefined;
  };
  const file = value('configfile') ?? value('config');
  if (!file) throw new ConfigError('no config file: pass --configfile=config.toml [--configpath=DIR] (pxcScheduler\'s arguments)');
  const dir = value('configpath');
  return dir ? path.resolve(dir, file) : path.resolve(file);
}

/**
 * The hostgroups must all differ: the writer and reader groups, their configuration groups (default +8000) and
 * their maintenance groups (+9000). The same group for writers and readers would put every node ONLINE in the
 * writer group. One line per clash, naming both keys.
 */
export function hostgroupClashes(g: { hgW?: unknown; hgR?: unknown; bckHgW?: unknown; bckHgR?: unknown }, section: string): string[] {
  if (typeof g.hgW !== 'number' || typeof g.hgR !== 'number') return [];
  const given = (v: unknown, dflt: number): number => (typeof v === 'number' && v >= 0 ? v : dflt);
  const groups: [string, number][] = [
    [`${section}.hgW`, g.hgW], [`${section}.hgR`, g.hgR],
    [`${section}.bckHgW`, given(g.bckHgW, g.hgW + 8000)], [`${section}.bckHgR`, given(g.bckHgR, g.hgR + 8000)],
    [`${section}.hgW + 9000 (maintenance)`, g.hgW + 9000], [`${section}.hgR + 9000 (maintenance)`, g.hgR + 9000],
  ];
  const out: string[] = [];
  for (let i = 0; i < groups.length; i++) {
    for (let j = i + 1; j < groups.length; j++) {
      const [a, x] = groups[i]!;
      const [b, y] = groups[j]!;
      if (x === y) out.push(`${a} and ${b}: both are hostgroup ${x}; the writer, reader, configuration and maintenance hostgroups must all differ`);
    }
  }
  return out;
}
