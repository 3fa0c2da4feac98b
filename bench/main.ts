// `npm run bench` (scripts/bench.sh): galera-warden against a real Galera sandbox, side by side with
// HAProxy. Scenarios live in bench/<name>.ts and register here; the runner (bench/runner.ts) sets up the
// environment once and writes every raw result to bench-results/<timestamp>.json.
import { parseArgs } from 'node:util';
import { failover } from './failover.js';
import type { AnyScenario, BenchOptions } from './runner.js';
import { runBench } from './runner.js';
import { throughput } from './throughput.js';
import { schedulerRun } from './scheduler-scenario.js';
import { fencingFailover } from './fencing-failover.js';
import { proxysqlFailover } from './proxysql-failover.js';
import { peersFailover } from './peers-failover.js';
import { datapathFailover } from './datapath-failover.js';
import { chaosCampaign } from './chaos-campaign.js';
import { nodesLoop } from './nodes-loop.js';
import { proxyCost } from './proxy-cost.js';
import { soak } from './soak.js';

/** In run order. A new scenario: add bench/<name>.ts exporting a Scenario and list it here. */
const SCENARIOS: AnyScenario[] = [throughput, failover, fencingFailover, datapathFailover, schedulerRun, proxysqlFailover, peersFailover, chaosCampaign, nodesLoop, soak, proxyCost];

const USAGE = `usage: npm run bench -- [options]
  --rounds N          fail-over rounds per fault (default 5)
  --only NAMES        run only these scenarios, comma-separated: ${SCENARIOS.map((s) => s.name).join(', ')}
  --faults LIST       fail-over faults, comma-separated: kill, freeze (default both)
  --quick             smoke run: 1 round per fault, short throughput cells
  --seconds S         throughput: measured seconds per cell and target (default 5)
  --base-port P       ports P..P+999 (default 26000)
  --out DIR           where the JSON goes (default bench-results)
  --keep              keep the work folder (logs, configs) after a successful run
  --probe-reuse       fencing and datapath: the fencing wardens keep their probe sessions ([probe] reuseConnection = true)
  --reform            datapath: the re-form watch instead, no fencing: two wardens at intervalMs 1000, reformWatchMs 10 and 0
  --reform-faults L   with --reform: kill and/or partition, comma-separated (default both)
  --timeout-min M     abort the whole bench after M minutes (default 60)
  --minutes N         soak: minutes of traffic with one fault a minute (default 3)`;

function positiveInt(value: string | undefined, flag: string, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${flag}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

function parse(argv: string[]): BenchOptions | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      rounds: { type: 'string' },
      only: { type: 'string' },
      faults: { type: 'string' },
      quick: { type: 'boolean', default: false },
      seconds: { type: 'string' },
      'base-port': { type: 'string' },
      out: { type: 'string' },
      keep: { type: 'boolean', default: false },
      'probe-reuse': { type: 'boolean', default: false },
      reform: { type: 'boolean', default: false },
      'reform-faults': { type: 'string' },
      'timeout-min': { type: 'string' },
      minutes: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const list = (v: string | undefined) => (v ?? '').split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  const faults = list(values.faults);
  const bad = faults.filter((f) => f !== 'kill' && f !== 'freeze');
  if (bad.length > 0) throw new Error(`--faults: expected kill and/or freeze, got ${bad.join(', ')}`);
  const reformFaults = list(values['reform-faults']);
  const badReform = reformFaults.filter((f) => f !== 'kill' && f !== 'partition');
  if (badReform.length > 0) throw new Error(`--reform-faults: expected kill and/or partition, got ${badReform.join(', ')}`);
  const basePort = positiveInt(values['base-port'], '--base-port', 26000, 1024);
  if (basePort + 999 > 65535) throw new Error('--base-port: too high');
  return {
    rounds: positiveInt(values.rounds, '--rounds', 5),
    only: list(values.only),
    quick: values.quick,
    faults: faults.length > 0 ? (faults as ('kill' | 'freeze')[]) : ['kill', 'freeze'],
    cellSeconds: positiveInt(values.seconds, '--seconds', 5),
    outDir: values.out ?? 'bench-results',
    basePort,
    keep: values.keep,
    probeReuse: values['probe-reuse'],
    reform: values.reform,
    reformFaults: reformFaults as ('kill' | 'partition')[],
    timeoutMin: positiveInt(values['timeout-min'], '--timeout-min', 60),
    minutes: positiveInt(values.minutes, '--minutes', 3),
  };
}

let options: BenchOptions | undefined;
try {
  options = parse(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
  process.exit(2);
}
if (!options) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
process.exitCode = await runBench(SCENARIOS, options);
// Everything is stopped by now; do not let a lingering socket keep the process alive.
setTimeout(() => process.exit(), 3000).unref();
