// `galera-warden explain`: a dry run of the decision core on a recorded observation. Reads JSON files, runs
// decide(), prints the decision with its reasons (or the whole result as JSON). Touches no proxy, no node.
import type { Command } from 'commander';
import type { ZodType } from 'zod';
import type { DecideConfig } from '../model/decide-config.js';
import { ConfigError, UsageError } from '../model/errors.js';

export interface ExplainOptions {
  observation: string;
  state?: string;
  config?: string;
  decideConfig?: string;
  external?: string;
  now?: string;
  json?: boolean;
  saveState?: string;
}

type Fail = (message: string) => Error;
const usage: Fail = (m) => new UsageError(m);
const config: Fail = (m) => new ConfigError(m);

async function readJson(file: string, option: string, fail: Fail): Promise<unknown> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(`${option} ${file}: cannot read the file${code === 'ENOENT' ? ': no such file' : `: ${(err as Error).message}`}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw fail(`${option} ${file}: not valid JSON: ${(err as Error).message}`);
  }
}

async function readChecked<T>(file: string, option: string, what: string, schema: ZodType<T>, fail: Fail): Promise<T> {
  const { check } = await import('../decide/input-schema.js');
  const r = check(schema, await readJson(file, option, fail));
  if (!r.ok) throw fail(`${option} ${file}: not ${what}:\n  ${r.problems.slice(0, 10).join('\n  ')}`);
  return r.value;
}

function parseNow(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--now: expected epoch milliseconds, got "${value}"`);
  return n;
}

export async function runExplain(opts: ExplainOptions, write: (text: string) => void = (t) => { process.stdout.write(t); }): Promise<void> {
  const schemas = await import('../decide/input-schema.js');
  const { decide, normaliseConfig } = await import('../decide/decide.js');
  const { renderDecision } = await import('../decide/render.js');

  const observation = await readChecked(opts.observation, '--observation', 'an observation (ClusterObservation JSON)', schemas.ClusterObservationSchema, usage);
  const previous = opts.state === undefined ? null
    : await readChecked(opts.state, '--state', 'a decision state (the "next" of an earlier decision)', schemas.DecideStateSchema, usage);
  const external = opts.external === undefined ? undefined
    : await readChecked(opts.external, '--external', 'external verdicts (downtimed, maintenance, fenceAll, switchoverTo)', schemas.ExternalVerdictSchema, usage);

  let partial: Partial<DecideConfig> = {};
  if (opts.config !== undefined) {
    const { loadConfig } = await import('../config/load-config.js');
    const { decideConfigOf } = await import('../config/decide-config-of.js');
    partial = decideConfigOf(await loadConfig(opts.config));
  }
  if (opts.decideConfig !== undefined) {
    const extra = await readChecked(opts.decideConfig, '--decide-config', 'a decision config (partial DecideConfig JSON)', schemas.DecideConfigSchema, config);
    partial = { ...partial, ...extra };
  }

  const result = decide({
    observation,
    previous,
    config: normaliseConfig(partial),
    now: parseNow(opts.now, observation.at),
    ...(external !== undefined && { external }),
  });
  if (opts.saveState !== undefined) {
    const { writeFile } = await import('node:fs/promises');
    try {
      await writeFile(opts.saveState, `${JSON.stringify(result.next, null, 2)}\n`);
    } catch (err) {
      throw new UsageError(`--save-state ${opts.saveState}: cannot write the file: ${(err as Error).message}`);
    }
  }
  write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : renderDecision(result, { showChanges: previous !== null }));
}

export function registerExplain(program: Command): void {
  program
    .command('explain')
    .description('dry run: decide on a recorded observation and print the routing decision with its reasons')
    .requiredOption('--observation <file>', 'the observation, JSON (a ClusterObservation as the probes record it)')
    .option('--state <file>', 'the state of the previous tick, JSON (the "next" of an earlier decision, see --save-state)')
    .option('--config <file>', 'the galera-warden TOML config: its [[nodes]] give names, addresses and weights')
    .option('--decide-config <file>', 'decision settings, JSON: a partial DecideConfig merged over the defaults (and over --config)')
    .option('--external <file>', 'external verdicts, JSON: {"downtimed":[], "maintenance":[], "fenceAll":"why", "switchoverTo":"node"}')
    .option('--now <ms>', 'decision time in epoch ms (default: the observation time)')
    .option('--save-state <file>', 'write the next state to this file, to explain the following observation with --state')
    .option('--json', 'print the whole result (desired, next, findings, changes) as JSON')
    .action(async (opts: ExplainOptions) => {
      await runExplain(opts);
    });
}
