// Scenario `chaos` (issue 15): a long `galera-warden chaos` campaign (50 rounds; 3 with --quick) with its
// baseline: two HAProxys without galera-warden (seed 004's peers + stick-table recipe) written through under the
// same faults and judged apart. Runs on a sandbox of its own (standalone: after the shared one is stopped).
import fs from 'node:fs';
import path from 'node:path';
import { ChaosCampaign } from '../src/chaos/campaign.js';
import type { CampaignResult } from '../src/chaos/campaign.js';
import { DEFAULT_FAULTS } from '../src/chaos/plan.js';
import { describeFaults, kindsTable, roundsTable } from '../src/chaos/summary.js';
import { describeVerdict } from '../src/check/history-checker.js';
import type { Scenario } from './runner.js';

const SEED = 20261201;

export interface ChaosBenchResult {
  seed: number;
  rounds: number;
  result: Omit<CampaignResult, 'verdict' | 'baseline'> & { verdict: string | null; baseline: string | null };
  baselineKinds: CampaignResult['kinds'];
}

export const chaosCampaign: Scenario<ChaosBenchResult> = {
  name: 'chaos',
  title: 'galera-warden chaos: two instances (shared Galera record) and their HAProxys, beside HAProxy alone (seed 004 peers recipe), under the same seeded faults',
  standalone: true,
  async run(ctx) {
    const rounds = ctx.options.quick ? 3 : 50;
    const dir = path.join(ctx.env.o.workDir, 'chaos');
    const campaign = new ChaosCampaign({
      rounds, seed: SEED, kinds: DEFAULT_FAULTS, double: true, routers: ['proxy', 'haproxy'], instances: 2,
      durationMs: 8000, settleMs: 2000, recoverTimeoutMs: 180_000, basePort: ctx.options.basePort + 500, netns: false, subnet: 150,
      dir, keep: true, historyFile: path.join(dir, 'history.jsonl'), baseline: true, log: ctx.log,
    });
    const stop = () => void campaign.close();
    ctx.signal.addEventListener('abort', stop, { once: true });
    let r: CampaignResult;
    try {
      r = await campaign.run();
    } finally {
      ctx.signal.removeEventListener('abort', stop);
      await campaign.close();
    }
    if (!r.ok) throw new Error(`the campaign failed (seed ${SEED}): ${r.aborted ?? describeVerdict(r.verdict!)}; history in ${dir}`);
    fs.copyFileSync(path.join(dir, 'history.jsonl'), path.join(ctx.options.outDir, `chaos-${SEED}-history.jsonl`));
    const { verdict, baseline, ...rest } = r;
    return { seed: SEED, rounds, result: { ...rest, verdict: verdict && describeVerdict(verdict), baseline: baseline && describeVerdict(baseline.verdict) }, baselineKinds: baseline?.kinds ?? [] };
  },
  report(x) {
    const r = x.result;
    const side = r.kinds.map((k) => {
      const b = x.baselineKinds.find((y) => y.kind === k.kind);
      return `  ${k.kind.padEnd(30)} ${String(k.rounds).padStart(3)} rounds   warden median ${(k.medianGapMs / 1000).toFixed(2)} s, worst ${(k.maxGapMs / 1000).toFixed(2)} s   HAProxy alone median ${b ? (b.medianGapMs / 1000).toFixed(2) : '-'} s, worst ${b ? (b.maxGapMs / 1000).toFixed(2) : '-'} s`;
    });
    return [
      `seed ${x.seed}, ${x.rounds} rounds; record epochs ${r.epochs.first} -> ${r.epochs.last}; faults: ${[...new Set(r.rounds.map((y) => describeFaults(y.faults).replace(/ node\d| warden-\w| \(\w+\)/g, '')))].join(', ')}`,
      roundsTable(r.summaries),
      '',
      kindsTable(r.kinds),
      '',
      'longest stretch without an acknowledged write per fault kind, side by side:',
      ...side,
      '',
      `galera-warden: ${r.verdict?.split('\n')[0] ?? 'no verdict'}`,
      `HAProxy alone (seed 004 peers recipe, judged apart): ${r.baseline?.split('\n').filter((l) => !l.startsWith('  node') && !l.startsWith('  - ')).join(';') ?? 'no verdict'}`,
      ...(r.baseline?.split('\n').filter((l) => l.startsWith('  - ')).slice(0, 3) ?? []),
    ].join('\n');
  },
};
