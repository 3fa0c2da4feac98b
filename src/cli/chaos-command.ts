// `galera-warden chaos`: a fault campaign against a sandbox of its own (src/chaos/campaign.ts): random faults
// from a seed, writes through every router, a checker that passes only when no two nodes took writes at once
// and no acknowledged write was lost. Exit status 0: the promise held; 1: a violation, or a round that never
// recovered; 2: bad flags.
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../model/errors.js';

interface ChaosFlags {
  rounds: string;
  seed?: string;
  faults?: string;
  routers: string;
  instances: string;
  duration: string;
  settle: string;
  recoverTimeout: string;
  basePort: string;
  netns?: boolean;
  subnet: string;
  dir?: string;
  keep?: boolean;
  history?: string;
  baseline?: boolean;
  fencing: string;
  store: string;
}

/** "8s", "500ms", "2m", or plain milliseconds */
export function parseDuration(flag: string, v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(v.trim());
  if (!m) throw new UsageError(`${flag}: expected a duration such as 8s, 500ms or 2m, got "${v}"`);
  const n = Number(m[1]) * (m[2] === 's' ? 1000 : m[2] === 'm' ? 60_000 : 1);
  return Math.round(n);
}

function int(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag}: expected a whole number from ${min} to ${max}, got "${v}"`);
  return n;
}

export function registerChaos(program: Command): void {
  program
    .command('chaos')
    .description('run a fault campaign on a sandbox of its own: galera-warden instances with the shared writer record, their HAProxys, writes through every router; exit 1 on split-brain writes or a lost write')
    .option('--rounds <n>', 'rounds of faults', '5')
    .option('--seed <n>', 'seed of the fault plan (default: random, printed); the same seed replays the same plan')
    .option('--faults <list>', 'fault kinds, comma separated: kill, freeze, desync, reject-queries, read-only, isolate (needs --netns), restart-warden, cut-warden (an instance cut off from every node, and so from a Galera store), store-down (needs --store etcd), double (two at once); default every kind the sandbox and store allow')
    .option('--routers <list>', 'routers written through: proxy (each instance\'s built-in proxy), haproxy (the HAProxy each instance drives), proxysql (a real ProxySQL beside each instance, driven by its own scheduler running galera-warden\'s scheduler mode on the shared record: PROXYSQL_BIN or proxysql on the PATH)', 'proxy,haproxy')
    .option('--instances <n>', 'galera-warden instances sharing the writer record', '2')
    .option('--duration <d>', 'how long each fault is held', '6s')
    .option('--settle <d>', 'how long every router must write after a round before the next', '3s')
    .option('--recover-timeout <d>', 'a round not recovered this long after its heal ends the campaign (exit 1)', '180s')
    .option('--base-port <port>', 'nodes at port+11.., instances at port+100.., HAProxys at port+200.., ProxySQLs at port+310..', '24000')
    .option('--netns', 'nodes in network namespaces (root): allows the isolate fault')
    .option('--subnet <n>', 'with --netns: the 10.213.<n>.0/24 of the sandbox', '150')
    .option('--dir <dir>', 'the campaign\'s folder (default: a new one under the temporary folder)')
    .option('--keep', 'keep the sandbox folder, configs and logs afterwards')
    .option('--history <file>', 'the history as JSON lines (default <dir>/history.jsonl)')
    .option('--fencing <mode>', 'Galera-native fencing of the instances: off, dead (evict a killed node through a survivor) or unresponsive (a frozen one too)', 'off')
    .option('--store <store>', 'where the instances keep the writer record: galera (a table on the nodes) or etcd (one real etcd at port+340, ETCD_BIN or /usr/bin/etcd; allows the store-down fault)', 'galera')
    .option('--baseline', 'also write through two HAProxys without galera-warden (seed 004\'s peers + stick-table recipe), judged apart: what HAProxy alone does under the same faults (loopback only)')
    .action(async (f: ChaosFlags) => {
      const { allowedFaults, parseFaults } = await import('../chaos/plan.js');
      const { etcdBin } = await import('../chaos/etcd-process.js');
      const { haproxyMissing } = await import('../chaos/haproxy-process.js');
      const { proxysqlMissing } = await import('../chaos/proxysql-process.js');
      const rounds = int('--rounds', f.rounds, 1, 10_000);
      const seed = f.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int('--seed', f.seed, 0, 2 ** 31 - 1);
      const netns = f.netns === true;
      if (f.store !== 'galera' && f.store !== 'etcd') throw new UsageError(`--store: expected galera or etcd, got "${f.store}"`);
      const store: 'galera' | 'etcd' = f.store;
      if (store === 'etcd' && !etcdBin()) throw new UsageError('--store etcd: no etcd binary (install Debian\'s etcd-server or set ETCD_BIN)');
      const allowed = allowedFaults({ netns, store });
      let faults;
      try {
        faults = parseFaults(f.faults ?? allowed.join(','), allowed);
      } catch (err) {
        const why = [!netns && f.faults?.includes('isolate') ? 'isolate needs --netns' : '', store !== 'etcd' && f.faults?.includes('store-down') ? 'store-down needs --store etcd' : ''].filter(Boolean).join('; ');
        throw new UsageError(`--faults: ${(err as Error).message}${why ? ` (${why})` : ''}`);
      }
      const routers = [...new Set(f.routers.split(',').map((x) => x.trim()))];
      const bad = routers.filter((r) => r !== 'proxy' && r !== 'haproxy' && r !== 'proxysql');
      if (bad.length > 0 || routers.length === 0) throw new UsageError(`--routers: expected some of proxy, haproxy, proxysql, got "${f.routers}"`);
      const missing = routers.includes('haproxy') ? haproxyMissing() : undefined;
      if (missing) throw new UsageError(`--routers haproxy: ${missing}; or leave haproxy out of --routers`);
      const noProxysql = routers.includes('proxysql') ? proxysqlMissing() : undefined;
      if (noProxysql) throw new UsageError(`--routers proxysql: ${noProxysql}; or leave proxysql out of --routers`);
      if (routers.includes('proxysql') && f.store === 'etcd') throw new UsageError('--routers proxysql: ProxySQL\'s scheduler runs share the writer record in the Galera store only; use --store galera, or leave proxysql out of --routers');
      if (!['off', 'dead', 'unresponsive'].includes(f.fencing)) throw new UsageError(`--fencing: expected off, dead or unresponsive, got "${f.fencing}"`);
      if (f.baseline && netns) throw new UsageError('--baseline: the baseline HAProxys check node health ports on loopback; run it without --netns');
      const dir = path.resolve(f.dir ?? path.join(os.tmpdir(), `galera-warden-chaos-${process.pid}`));
      const o = {
        rounds, seed, kinds: faults.kinds, double: faults.double, routers: routers as ('proxy' | 'haproxy' | 'proxysql')[],
        instances: int('--instances', f.instances, 2, 9),
        durationMs: parseDuration('--duration', f.duration), settleMs: parseDuration('--settle', f.settle), recoverTimeoutMs: parseDuration('--recover-timeout', f.recoverTimeout),
        basePort: int('--base-port', f.basePort, 1024, 65_000 - 300), netns, subnet: int('--subnet', f.subnet, 1, 254),
        dir, keep: f.keep === true, historyFile: path.resolve(f.history ?? path.join(dir, 'history.jsonl')),
        log: (line: string) => process.stdout.write(`${line}\n`),
        baseline: f.baseline === true,
        fencing: f.fencing as 'off' | 'dead' | 'unresponsive',
        store,
      };
      const { ChaosCampaign } = await import('../chaos/campaign.js');
      const { describeVerdict } = await import('../check/history-checker.js');
      const { kindsTable, roundsTable } = await import('../chaos/summary.js');
      o.log(`chaos: ${rounds} rounds, seed ${seed}, faults ${faults.kinds.join(', ')}${faults.double ? ' (+ double)' : ''}, routers ${o.routers.join(', ')}, ${o.instances} instances${o.fencing === 'off' ? '' : `, fencing ${o.fencing}`}, record in ${store}; replay with --seed ${seed}`);
      const campaign = new ChaosCampaign(o);
      const stop = () => {
        o.log('interrupted: stopping every process of the campaign');
        void campaign.close().finally(() => process.exit(130));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      let r;
      try {
        r = await campaign.run();
      } finally {
        await campaign.close();
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
      if (r.summaries.length > 0) o.log(`\n${roundsTable(r.summaries)}\n\n${kindsTable(r.kinds)}`);
      if (r.verdict) o.log(`\n${describeVerdict(r.verdict)}`);
      if (r.baseline) {
        const b = r.baseline;
        o.log(`\nbaseline (HAProxy alone, seed 004's peers recipe; judged apart, not part of the verdict):\n${roundsTable(b.summaries)}\n\n${kindsTable(b.kinds)}\n\n${describeVerdict(b.verdict).split('\n').slice(0, 12).join('\n')}`);
      }
      o.log(`record epochs ${r.epochs.first} -> ${r.epochs.last}; history: ${o.historyFile}`);
      o.log(r.ok ? `VERDICT: PASS (seed ${seed})` : `VERDICT: FAIL (seed ${seed}): ${r.aborted ?? 'the history violates the promise (see above)'}`);
      process.exitCode = r.ok ? 0 : 1;
    });
}
