// `galera-warden proxysql install`: prints (or, with --apply, runs) the scheduler row and the 8000+HG
// configuration rows for a cluster, from a pxcScheduler config.toml.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UsageError } from '../model/errors.js';

interface InstallFlags {
  configfile: string;
  node: string[];
  apply?: boolean;
  active?: boolean;
  intervalMs?: string;
  deadlineMs?: string;
  maxConnections: string;
  filename?: string;
}

export function registerProxysql(program: Command): void {
  const cmd = program.command('proxysql').description('ProxySQL as the router: set-up helpers');
  cmd
    .command('install')
    .description('print (or --apply) the 8000+HG configuration rows and the scheduler row for a cluster, from a pxcScheduler config.toml')
    .requiredOption('--configfile <file>', 'pxcScheduler config.toml (hostgroups, clusterId, ProxySQL admin address)')
    .option('--node <host:port[:weight]>', 'a Galera node, in writer preference order (repeat)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--interval-ms <ms>', 'scheduler interval_ms (default 2000; 5000, proxy-oc-tool\'s, when the config has [orchestrator])')
    .option('--deadline-ms <ms>', 'each run ends by this (default: interval - 200 ms)')
    .option('--max-connections <n>', 'max_connections of the template rows', '2000')
    .option('--filename <path>', 'an executable scheduler program taking pxcScheduler\'s arguments (default: this node binary running this installation\'s scheduler-launch.cjs, the fast start)')
    .option('--active', 'insert the scheduler row active (default: inactive, as in seed 000)')
    .option('--apply', 'run the statements against the ProxySQL admin interface of the config, one by one')
    .action(async (o: InstallFlags) => {
      const { readFile } = await import('node:fs/promises');
      const { parsePxcSchedulerConfig } = await import('../config/pxc-scheduler-config.js');
      const { installStatements, parseInstallNode } = await import('../apply/proxysql/install.js');
      const file = path.resolve(o.configfile);
      const s = parsePxcSchedulerConfig(await readFile(file, 'utf8'), file);
      if (o.node.length === 0) throw new UsageError(`give the ${s.decide.topology === 'replication' ? 'replication' : 'Galera'} nodes with --node host:port[:weight], preferred writer first`);
      const nodes = o.node.map((n) => {
        try {
          return parseInstallNode(n);
        } catch (err) {
          throw new UsageError(`--node: ${(err as Error).message}`);
        }
      });
      const interval = o.intervalMs ?? (s.orchestrator ? '5000' : '2000');
      const intervalMs = Number(interval);
      if (!Number.isInteger(intervalMs) || intervalMs < 100) throw new UsageError(`--interval-ms must be an integer >= 100, got "${interval}"`);
      const deadlineMs = o.deadlineMs !== undefined ? Number(o.deadlineMs) : Math.max(100, intervalMs - 200);
      const statements = installStatements({
        clusterId: s.cluster.id, hgW: s.cluster.hgW, hgR: s.cluster.hgR, bckHgW: s.cluster.bckHgW, bckHgR: s.cluster.bckHgR,
        nodes, maxConnections: Number(o.maxConnections), intervalMs, deadlineMs, active: o.active === true, saveToDisk: true,
        // node + script: works without an executable bit on the script; --filename for a wrapper
        program: o.filename !== undefined ? [o.filename] : [process.execPath, fileURLToPath(new URL('./scheduler-launch.cjs', import.meta.url))],
        configFile: path.basename(file), configPath: path.dirname(file),
      });
      if (!o.apply) {
        process.stdout.write(`-- galera-warden: cluster ${s.cluster.id}, hostgroups ${s.cluster.hgW}/${s.cluster.hgR} (configuration in ${s.cluster.bckHgW}/${s.cluster.bckHgR})\n`);
        if (s.orchestrator) process.stdout.write(`-- [orchestrator] ${s.orchestrator.urls.join(', ')} (cluster ${s.orchestrator.clusterHint}): every run polls it once; downtimed nodes OFFLINE_SOFT, every node after ${s.orchestrator.graceMs} ms without a raft leader (proxy-oc-tool's drop-in, interval ${intervalMs} ms)\n`);
        for (const i of s.ignored) process.stdout.write(`-- config ${file}: ${i}\n`);
        process.stdout.write(statements.map((x) => `${x};\n`).join(''));
        return;
      }
      const { AdminClient } = await import('../apply/proxysql/admin-client.js');
      const client = await AdminClient.connect({ host: s.proxysql.host, port: s.proxysql.port, user: s.proxysql.user, password: s.proxysql.password });
      try {
        for (const x of statements) {
          await client.query(x);
          process.stdout.write(`ok: ${x}\n`);
        }
      } finally {
        await client.close();
      }
    });
}
