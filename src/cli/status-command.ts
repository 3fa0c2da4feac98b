// `galera-warden status --config FILE [--json] [--watch [ms]]`: probe every configured node and show
// its Galera state (in a replication topology: read_only, master, replication threads, lag and GTID position, never
// wsrep) and what role it could take (writer / reader / none), once or until Ctrl-C. With a
// [coordination] store it also reads the shared writer record (or says why the store does not answer).
import type { Command } from 'commander';
import type { WriterStore } from '../coordinate/writer-store.js';
import type { WardenConfig } from '../config/warden-config.js';
import { UsageError } from '../model/errors.js';
import type { ClusterObservation } from '../model/observation.js';

export interface StatusOptions {
  config: string;
  json?: boolean;
  /** true: every probe.intervalMs; a string: every that many ms */
  watch?: boolean | string;
}

export interface StatusIo {
  write(text: string): void;
  /** stdout is a terminal: clear it between redraws */
  isTTY: boolean;
  /** aborts a --watch loop (default: on SIGINT / SIGTERM) */
  stop?: AbortSignal;
  /** the coordination store (tests); default: the one [coordination] names */
  openStore?: (config: WardenConfig) => WriterStore | undefined;
}

const defaultIo = (): StatusIo => ({ write: (t) => void process.stdout.write(t), isTTY: process.stdout.isTTY === true });

export function parseWatch(value: boolean | string | undefined, fallback: number): number | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return fallback;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 10 || ms > 3_600_000) throw new UsageError(`--watch: expected milliseconds from 10 to 3600000, got "${value}"`);
  return ms;
}

export async function runStatus(opts: StatusOptions, io: StatusIo = defaultIo()): Promise<void> {
  const { loadConfig } = await import('../config/load-config.js');
  const { ClusterProber } = await import('../observe/probe-cluster.js');
  const { probeOptionsFromConfig } = await import('../observe/probe-options.js');
  const { assessNode } = await import('../decide/node-health.js');
  const { fencingOperative } = await import('../decide/fencing-grants.js');
  const { renderStatusTable, roleCandidate } = await import('../report/status-table.js');
  const { onStopSignals, sleep } = await import('../runtime/stop-signals.js');
  const { coordinationView, renderCoordination } = await import('../report/coordination-view.js');
  const { writerStoreOf } = await import('../runtime/store-from-config.js');
  const { assessReplicationNodes } = await import('../decide/replication-health.js');
  const { decideConfigOf } = await import('../config/decide-config-of.js');

  const config = await loadConfig(opts.config);
  const intervalMs = parseWatch(opts.watch, config.probe.intervalMs);
  const health = { availableWhenDonor: config.healthcheck.availableWhenDonor, availableWhenReadOnly: config.healthcheck.availableWhenReadOnly };
  const probeOptions = probeOptionsFromConfig(config);
  const prober = new ClusterProber(config.nodes, intervalMs === undefined ? { ...probeOptions, reuseConnection: false } : probeOptions);

  // with fencing on the probes read the account's grants on fresh sessions; the last read per node counts
  const grants: Record<string, string[] | null> = Object.fromEntries(config.nodes.map((n) => [n.name, null]));
  const fencingLine = (tick: ClusterObservation) => {
    if (config.fencing.mode === 'off') return undefined;
    for (const o of tick.nodes) if (o.status?.grants !== undefined) grants[o.node] = o.status.grants;
    const v = fencingOperative(grants);
    return { mode: config.fencing.mode, operative: v.operative, reason: v.reason, text: v.operative === false ? `fencing: inoperative (${v.reason})` : `fencing: ${config.fencing.mode}${v.operative === true ? ', operative' : ` (${v.reason})`}` };
  };

  const store = (io.openStore ?? writerStoreOf)(config);
  const readRecord = async () => (store ? coordinationView(store.kind, store.cluster, await store.read()) : undefined);

  const topology = config.cluster.topology;
  const maxLagS = decideConfigOf(config).maxReplicationLagS;
  const show = (tick: ClusterObservation, coordination: Awaited<ReturnType<typeof readRecord>>) => {
    // a replication topology is read as a whole (which node is the primary), without wsrep
    const repl = topology === 'replication' ? assessReplicationNodes(config.nodes, tick.nodes, maxLagS) : undefined;
    const rows = tick.nodes.map((observation) => ({ observation, health: repl?.health.get(observation.node) ?? assessNode(observation, health) }));
    const fencing = fencingLine(tick);
    if (opts.json) {
      const nodes = rows.map((r) => ({ ...r.observation, health: { ...r.health, role: roleCandidate(r.health) } }));
      const primary = repl ? { primary: { node: repl.primary.node, message: repl.primary.message } } : {};
      const doc = { cluster: config.cluster.name, topology, ...primary, at: tick.at, nodes, ...(fencing && { fencing: { mode: fencing.mode, operative: fencing.operative, reason: fencing.reason } }), ...(coordination && { coordination }) };
      io.write(intervalMs === undefined ? `${JSON.stringify(doc, null, 2)}\n` : `${JSON.stringify(doc)}\n`);
      return;
    }
    const when = new Date(tick.at).toISOString();
    const title = `cluster ${config.cluster.name}${repl ? ` (replication; ${repl.primary.message})` : ''} at ${when}${intervalMs === undefined ? '' : ` (every ${intervalMs} ms; Ctrl-C to stop)`}`;
    const table = renderStatusTable(rows, title, topology) + (fencing ? `${fencing.text}\n` : '') + (coordination ? renderCoordination(coordination) : '');
    io.write(intervalMs !== undefined && io.isTTY ? `\x1b[H\x1b[2J${table}` : intervalMs !== undefined ? `${table}\n` : table);
  };

  if (intervalMs === undefined) {
    try {
      const [tick, coordination] = await Promise.all([prober.tick(), readRecord()]);
      show(tick, coordination);
    } finally {
      prober.close();
      await store?.close();
    }
    return;
  }

  const stop = new AbortController();
  io.stop?.addEventListener('abort', () => stop.abort(), { once: true });
  const removeHandlers = io.stop ? () => undefined : onStopSignals(() => {
    stop.abort();
    prober.destroy(); // ends a running tick at once
  });
  try {
    while (!stop.signal.aborted) {
      const started = Date.now();
      const [tick, coordination] = await Promise.all([prober.tick(), readRecord()]);
      if (stop.signal.aborted) break;
      show(tick, coordination);
      await sleep(intervalMs - (Date.now() - started), stop.signal);
    }
  } finally {
    removeHandlers();
    prober.destroy();
    store?.destroy();
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('probe every configured node and show its Galera (or replication) state and role candidacy (writer / reader / none)')
    .requiredOption('-c, --config <file>', 'galera-warden TOML config file')
    .option('--json', 'print the observations and their assessment as JSON (one line per probe round with --watch)')
    .option('-w, --watch [ms]', 'probe again every ms (default: probe.intervalMs) and redraw, until Ctrl-C')
    .action(async (o: StatusOptions) => {
      await runStatus(o);
    });
}
