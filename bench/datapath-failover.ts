// Scenario `datapath`: the data-path trigger (docs/data-path.md) at the default interval. Writer SIGKILL with
// fencing `dead`, measured in the same rounds through two fencing wardens at intervalMs = 1000, one with the
// trigger on and one ticking only, beside every router of the bench environment (the warden without fencing,
// HAProxy): first acknowledged write after the kill, split and lost acknowledged writes.
import type { FencingResult } from './fencing-failover.js';
import { runFencingFailover } from './fencing-failover.js';
import { mmm, table } from './lib/table.js';
import type { Scenario } from './runner.js';

/** the default [run] intervalMs */
const DEFAULT_INTERVAL_MS = 1000;

export const datapathFailover: Scenario<FencingResult> = {
  name: 'datapath',
  title: 'Writer SIGKILL at the default interval (1000 ms), fencing dead: data-path trigger vs ticks only',
  run: (ctx) => runFencingFailover(ctx, { rounds: ctx.options.quick ? 1 : ctx.options.rounds, faults: ['kill'], intervalMs: DEFAULT_INTERVAL_MS, dataPath: true }),
  report(result, ctx) {
    const s = result.summary.kill;
    if (!s) return 'no rounds';
    const rows = Object.entries(s.first).map(([id, first]) => [id, mmm(first), `${s.evicted}/${s.rounds}`, String(s.split), String(s.lost)]);
    return table(['router', 'first write after the kill, s (min/median/max)', 'evicted', 'split acks (all routers)', 'lost acks (all routers)'], rows)
      + `\n[probe] reuseConnection = ${ctx.options.probeReuse === true} in both fencing wardens`
      + '\ngoal (issue 17): builtin-fencing-trigger <= 50 ms median at intervalMs 1000';
  },
};
