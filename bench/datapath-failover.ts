// Scenario `datapath`: the data-path trigger (docs/data-path.md) at the default interval. Writer SIGKILL with
// fencing `dead`, measured in the same rounds through two fencing wardens at intervalMs = 1000, one with the
// trigger on and one ticking only, beside every router of the bench environment (the warden without fencing,
// HAProxy): first acknowledged write after the kill, split and lost acknowledged writes. With --reform: the
// re-form watch without fencing instead (bench/reform-failover.ts).
import type { FencingResult } from './fencing-failover.js';
import { runFencingFailover } from './fencing-failover.js';
import { mmm, table } from './lib/table.js';
import type { ReformResult } from './reform-failover.js';
import { runReformFailover } from './reform-failover.js';
import type { Scenario } from './runner.js';

/** the default [run] intervalMs */
const DEFAULT_INTERVAL_MS = 1000;

const ms = (x: number | null) => (x === null ? '-' : String(Math.round(x)));

export const datapathFailover: Scenario<FencingResult | ReformResult> = {
  name: 'datapath',
  title: 'Writer SIGKILL at the default interval (1000 ms), fencing dead: data-path trigger vs ticks only (--reform: no fencing, re-form watch on vs off)',
  run: (ctx) => {
    const rounds = ctx.options.quick ? 1 : ctx.options.rounds;
    return ctx.options.reform ? runReformFailover(ctx, { rounds, ...(ctx.options.reformFaults && { faults: ctx.options.reformFaults }) }) : runFencingFailover(ctx, { rounds, faults: ['kill'], intervalMs: DEFAULT_INTERVAL_MS, dataPath: true });
  },
  report(r, ctx) {
    if (ctx.options.reform) {
      const result = r as ReformResult;
      const rows = Object.entries(result.summary).map(([id, x]) => [id, mmm(x.moved, undefined, ms), mmm(x.first, undefined, ms), `${x.byWatch}/${x.rounds}`]);
      return table(['fault, warden (intervalMs 1000, no fencing)', 'writer routed, ms after Galera re-formed (min/median/max)', 'first acked write, ms after it', 'routed by the watch'], rows)
        + '\nre-formed: the first direct poll (every 5 ms) that saw the new Primary component; routed: the end of the first tick routing a writer on it (kill: a survivor; negative: before the re-forming)'
        + '\ngoal (issue 17): the writer role moves within 10 ms of Galera re-forming';
    }
    const result = r as FencingResult;
    const s = result.summary.kill;
    if (!s) return 'no rounds';
    const rows = Object.entries(s.first).map(([id, first]) => [id, mmm(first), `${s.evicted}/${s.rounds}`, String(s.split), String(s.lost)]);
    return table(['router', 'first write after the kill, s (min/median/max)', 'evicted', 'split acks (all routers)', 'lost acks (all routers)'], rows)
      + `\n[probe] reuseConnection = ${ctx.options.probeReuse === true} in both fencing wardens`
      + '\ngoal (issue 17): builtin-fencing-trigger <= 50 ms median at intervalMs 1000';
  },
};
