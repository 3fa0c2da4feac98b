// Scenario: one pxcScheduler-style scheduler-mode run of galera-warden (process start to exit) against
// the bench's 3-node sandbox and a ProxySQL admin test server, beside the floor measured in the same
// run: an empty Node.js process (`node -e 0`), one after each scheduler run. Wall time and CPU (user + sys
// of the child) for both, and the ratio (issue 16: at most 1.5x). pxcScheduler (a Go binary) takes ~26 ms.
import type { SchedulerRunBenchResult } from './scheduler-run.js';
import { benchSchedulerRun, formatSchedulerRun } from './scheduler-run.js';
import type { Scenario } from './runner.js';

export const schedulerRun: Scenario<SchedulerRunBenchResult> = {
  name: 'scheduler',
  title: 'Scheduler mode: one observe -> decide -> apply run for a 3-node cluster, process start to exit, beside node -e 0',
  async run(ctx) {
    const sb = ctx.env.sandbox;
    return benchSchedulerRun({
      runs: ctx.options.quick ? 5 : 20,
      nodes: sb.layout.nodes.map((n) => ({ host: n.host, port: n.sqlPort })),
      monitorUser: 'warden',
      monitorPassword: sb.password('warden'),
      // inside the first 300 ports of the range (the sandbox takes P..P+34, the healthchecks P+201..P+203)
      adminPort: ctx.options.basePort + 250,
      log: ctx.log,
    });
  },
  report: (r) => formatSchedulerRun(r),
};
