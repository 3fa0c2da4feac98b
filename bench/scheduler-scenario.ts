// Scenario: one pxcScheduler-style scheduler-mode run of galera-warden (process start to exit) against
// the bench's 3-node sandbox and a ProxySQL admin test server, beside the floor measured in the same
// run: an empty Node.js process (`node -e 0`). pxcScheduler (a Go binary) takes ~26 ms.
import { spawnSync } from 'node:child_process';
import type { SchedulerRunBenchResult } from './scheduler-run.js';
import { benchSchedulerRun, formatSchedulerRun } from './scheduler-run.js';
import type { Scenario } from './runner.js';

interface SchedulerScenarioResult {
  run: SchedulerRunBenchResult;
  /** start-to-exit of `node -e 0`, ms, sorted */
  emptyNodeMs: number[];
}

function emptyNode(runs: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    spawnSync(process.execPath, ['-e', '0']);
    out.push(performance.now() - t);
  }
  return out.sort((a, b) => a - b);
}

export const schedulerRun: Scenario<SchedulerScenarioResult> = {
  name: 'scheduler',
  title: 'Scheduler mode: one observe -> decide -> apply run for a 3-node cluster, process start to exit',
  async run(ctx) {
    const sb = ctx.env.sandbox;
    const runs = ctx.options.quick ? 5 : 20;
    const run = await benchSchedulerRun({
      runs,
      nodes: sb.layout.nodes.map((n) => ({ host: n.host, port: n.sqlPort })),
      monitorUser: 'warden',
      monitorPassword: sb.password('warden'),
      adminPort: ctx.options.basePort + 900,
      log: ctx.log,
    });
    return { run, emptyNodeMs: emptyNode(runs) };
  },
  report: (r) => {
    const e = r.emptyNodeMs;
    const median = e[Math.floor(e.length / 2)] ?? NaN;
    return `${formatSchedulerRun(r.run)}\n  baseline, same run: empty Node.js process (node -e 0) min ${(e[0] ?? NaN).toFixed(1)}  median ${median.toFixed(1)} ms`;
  },
};
