// The shared bench runner: sets up the environment once (sandbox, warden, HAProxy), runs the selected
// scenarios (bench/<name>.ts) in order, prints their tables, writes every raw result to
// bench-results/<timestamp>.json, and always stops what it started (finally, SIGINT, SIGTERM, exit).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchEnv } from './lib/env.js';
import { Aborted, clock, writeJson } from './lib/util.js';

export interface BenchOptions {
  /** fail-over rounds per fault */
  rounds: number;
  /** scenario names to run (all when empty) */
  only: string[];
  quick: boolean;
  faults: ('kill' | 'freeze')[];
  /** throughput: measured seconds per cell */
  cellSeconds: number;
  outDir: string;
  basePort: number;
  /** keep the work folder (logs, configs) even after a successful run */
  keep: boolean;
  /** abort the whole bench after this many minutes */
  timeoutMin: number;
  /** soak: how long the traffic runs */
  minutes: number;
  /** fencing and datapath scenarios: the fencing wardens run with [probe] reuseConnection = true */
  probeReuse?: boolean;
  /** datapath scenario: measure the re-form watch (no fencing) instead of the fencing wardens */
  reform?: boolean;
  /** with reform: the faults (default kill and partition) */
  reformFaults?: ('kill' | 'partition')[];
}

export interface BenchContext {
  env: BenchEnv;
  options: BenchOptions;
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface Scenario<R = unknown> {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<R>;
  /** the printed tables */
  report(result: R, ctx: BenchContext): string;
  /**
   * brings up what it needs itself (a sandbox of its own): runs after the shared environment is stopped, and
   * the environment is not started at all when only such scenarios are selected
   */
  standalone?: boolean;
}

interface ScenarioRecord {
  name: string;
  title: string;
  startedAt: string;
  durationMs: number;
  ok: boolean;
  error?: string;
  result?: unknown;
}

// A scenario's result type is its own business; the runner only hands it back to the scenario's report.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyScenario = Scenario<any>;

export async function runBench(all: AnyScenario[], options: BenchOptions): Promise<number> {
  const selected = options.only.length === 0 ? all : all.filter((s) => options.only.includes(s.name));
  const unknown = options.only.filter((n) => !all.some((s) => s.name === n));
  if (unknown.length > 0 || selected.length === 0) {
    process.stderr.write(`bench: unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}\n`);
    return 2;
  }
  const t0 = clock();
  const started = new Date();
  const log = (line: string) => void process.stderr.write(`[bench ${((clock() - t0) / 1000).toFixed(1).padStart(6)}s] ${line}\n`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-bench-'));
  fs.mkdirSync(options.outDir, { recursive: true });
  const outFile = path.resolve(options.outDir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);

  const abort = new AbortController();
  const env = new BenchEnv({ basePort: options.basePort, workDir, log, signal: abort.signal });
  const ctx: BenchContext = { env, options, signal: abort.signal, log };
  let interrupts = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupts++;
    if (interrupts === 1) {
      log(`${signal}: stopping (again to kill everything at once)`);
      abort.abort();
    } else {
      env.killAllSync();
      process.exit(130);
    }
  };
  const onExit = () => env.killAllSync();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
  const watchdog = setTimeout(() => {
    log(`the bench ran longer than ${options.timeoutMin} min: aborting`);
    abort.abort();
  }, options.timeoutMin * 60_000);
  watchdog.unref();

  const records: ScenarioRecord[] = [];
  const reports: string[] = [];
  let machine: Record<string, unknown> = {};
  let failed = false;
  const save = () =>
    writeJson(outFile, {
      bench: 'galera-warden',
      startedAt: started.toISOString(),
      durationMs: Math.round(clock() - t0),
      options,
      machine,
      ports: { base: options.basePort },
      routers: env.routers,
      warden: env.warden,
      scenarios: Object.fromEntries(records.map((r) => [r.name, r])),
    });
  try {
    machine = await env.describeMachine();
    log(`machine: ${String(machine.cpus)} cpus, load ${JSON.stringify(machine.loadavg)}, ${String(machine.haproxy)}, ${String(machine.mariadb)}; work folder ${workDir}`);
    const ordered = [...selected.filter((s) => !s.standalone), ...selected.filter((s) => s.standalone)];
    if (ordered.some((s) => !s.standalone)) await env.start();
    for (const s of ordered) {
      if (abort.signal.aborted) break;
      // a standalone scenario runs on its own sandbox: the shared one is stopped first (two would not fit two cores)
      if (s.standalone) await env.stop();
      const at = clock();
      log(`== ${s.name}: ${s.title}`);
      const record: ScenarioRecord = { name: s.name, title: s.title, startedAt: new Date().toISOString(), durationMs: 0, ok: false };
      records.push(record);
      try {
        const result: unknown = await s.run(ctx);
        record.ok = true;
        record.result = result;
        const text = `== ${s.title}\n${s.report(result, ctx)}\n`;
        reports.push(text);
        process.stdout.write(`\n${text}\n`);
      } catch (err) {
        failed = true;
        record.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${s.name} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (err instanceof Aborted) break;
      } finally {
        record.durationMs = Math.round(clock() - at);
        save();
      }
    }
  } catch (err) {
    failed = true;
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    clearTimeout(watchdog);
    log('stopping the warden, HAProxy, healthchecks and the sandbox');
    try {
      await env.stop();
    } catch (err) {
      log(`cleanup: ${err instanceof Error ? err.message : String(err)}; killing what is left`);
      env.killAllSync();
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', onExit);
    save();
    if (failed || options.keep) log(`logs and configs kept in ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
  const total = clock() - t0;
  if (reports.length > 1) process.stdout.write(`\n${reports.join('\n')}`);
  process.stdout.write(`\nbench ${failed ? 'FAILED' : 'done'} in ${(total / 60_000).toFixed(1)} min; raw results: ${path.relative(process.cwd(), outFile)}\n`);
  return failed ? 1 : 0;
}
