// `galera-warden sandbox ...`: a real MariaDB Galera cluster on this machine, for trying the warden and testing it.
import type { Command } from 'commander';
import { UsageError } from '../model/errors.js';

interface DirOpts {
  dir?: string;
}

const load = () => import('../sandbox/sandbox.js');

function nodeIndex(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`node index must be a positive integer, got "${value}"`);
  return n;
}

async function open(opts: DirOpts) {
  const { Sandbox, defaultSandboxDir } = await load();
  return Sandbox.require(opts.dir ?? defaultSandboxDir());
}

export function registerSandbox(program: Command): void {
  const sandbox = program
    .command('sandbox')
    .description('run a real N-node MariaDB Galera cluster on this machine (loopback or network namespaces) to try and test the warden')
    .option('--dir <path>', 'folder for the sandbox data (default: $GALERA_WARDEN_SANDBOX_DIR or ~/.galera-warden/sandbox)');
  const dirOf = (cmd: Command): DirOpts => cmd.optsWithGlobals<DirOpts>();

  sandbox
    .command('up')
    .description('create and start a fresh cluster (about 10 s for 3 nodes); writes warden.toml for it')
    .option('-n, --nodes <n>', 'number of nodes', '3')
    .option('--base-port <port>', 'node i uses base+10i+1 (SQL), +2 (gcomm), +3 (IST), +4 (SST)', '23300')
    .option('--netns', 'put each node in its own network namespace (enables isolate / heal)')
    .option('--subnet <octet>', 'netns mode: nodes get 10.213.<octet>.i', '213')
    .option('--tls', 'start the nodes with TLS on and require client certificates')
    .option('--topology <kind>', 'galera, or replication: node 1 primary, the others GTID replicas (no wsrep)', 'galera')
    .action(async (o: { nodes: string; basePort: string; netns?: boolean; subnet: string; tls?: boolean; topology: string }, cmd: Command) => {
      if (o.topology !== 'galera' && o.topology !== 'replication') throw new UsageError(`--topology must be galera or replication, got "${o.topology}"`);
      const { Sandbox, defaultSandboxDir } = await load();
      const started = Date.now();
      const sb = await Sandbox.up({
        dir: dirOf(cmd).dir ?? defaultSandboxDir(),
        nodes: Number(o.nodes),
        basePort: Number(o.basePort),
        mode: o.netns ? 'netns' : 'loopback',
        subnet: Number(o.subnet),
        tls: o.tls ?? false,
        topology: o.topology,
        log: (line) => process.stderr.write(`sandbox: ${line}\n`),
      });
      process.stdout.write(`sandbox up in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      for (const n of sb.layout.nodes) process.stdout.write(`  ${n.name}  ${n.host}:${n.sqlPort}  ${n.dir}\n`);
      process.stdout.write(`config: ${sb.configPath}\n`);
    });

  sandbox
    .command('down')
    .description('stop every node (SIGKILL unless --grace) and delete the sandbox data')
    .option('--grace <ms>', 'give each node this long to shut down cleanly first', '0')
    .action(async (o: { grace: string }, cmd: Command) => {
      const { Sandbox, defaultSandboxDir } = await load();
      const sb = Sandbox.open(dirOf(cmd).dir ?? defaultSandboxDir());
      if (!sb) {
        process.stdout.write('no sandbox to stop\n');
        return;
      }
      await sb.down(Number(o.grace));
      process.stdout.write('sandbox down\n');
    });

  sandbox
    .command('status')
    .description('show each node: process state, wsrep state, Primary or not')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const sb = await open(dirOf(cmd));
      const rows = await sb.status();
      if (o.json) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      for (const r of rows) {
        const rep = r.replication;
        if (rep) {
          const role = rep.master === null ? 'primary' : `replica of ${rep.master} io=${rep.ioRunning} sql=${rep.sqlRunning} behind=${rep.secondsBehindMaster ?? 'NULL'}`;
          process.stdout.write(`${r.name.padEnd(7)} ${r.address.padEnd(20)} ${r.process.padEnd(8)} ${r.pid ? `pid=${r.pid} ` : ''}read_only=${rep.readOnly ? 'ON' : 'OFF'} ${role} gtid=${rep.gtidCurrentPos}${rep.lastError ? ` error: ${rep.lastError}` : ''}\n`);
          continue;
        }
        const wsrep = r.state ? `${r.state} ${r.clusterStatus} size=${r.clusterSize}` : (r.error ?? '');
        process.stdout.write(`${r.name.padEnd(7)} ${r.address.padEnd(20)} ${r.process.padEnd(8)} ${r.isolated ? 'isolated ' : ''}${r.pid ? `pid=${r.pid} ` : ''}${wsrep}\n`);
      }
    });

  const signal = (name: string, description: string, act: (sb: Awaited<ReturnType<typeof open>>, i: number) => number | Promise<void>) =>
    sandbox
      .command(`${name} <node>`)
      .description(description)
      .action(async (node: string, _o: unknown, cmd: Command) => {
        const sb = await open(dirOf(cmd));
        const result = await act(sb, nodeIndex(node));
        process.stdout.write(`${name} node${node}${typeof result === 'number' ? ` (pid ${result})` : ''}\n`);
      });
  signal('kill', 'SIGKILL a node, as in a crash', (sb, i) => sb.kill(i));
  signal('freeze', 'SIGSTOP a node: it keeps its port open but answers nothing', (sb, i) => sb.freeze(i));
  signal('thaw', 'SIGCONT a frozen node', (sb, i) => sb.thaw(i));
  signal('isolate', 'netns mode: cut a node off the network (its process keeps running)', (sb, i) => sb.isolate(i));
  signal('heal', 'netns mode: reconnect an isolated node', (sb, i) => sb.heal(i));
  signal('promote', 'replication topology: make a node the primary (stop and reset its replication, read_only off) and re-point the others', (sb, i) => sb.promote(i));
  signal('bootstrap', 'make a node that lost quorum Primary again (pc.bootstrap=YES)', (sb, i) => sb.bootstrap(i));

  sandbox
    .command('replicate <node>')
    .description('replication topology: make a node a replica (read_only on) of another, by GTID')
    .requiredOption('--from <node>', 'the node to replicate from')
    .action(async (node: string, o: { from: string }, cmd: Command) => {
      const sb = await open(dirOf(cmd));
      await sb.replicate(nodeIndex(node), nodeIndex(o.from));
      process.stdout.write(`node${node} replicates from node${o.from}\n`);
    });

  sandbox
    .command('start <node>')
    .description('start a stopped node (rejoins by IST after a crash; bootstraps if no other node runs)')
    .option('--no-wait', 'return without waiting for Synced')
    .action(async (node: string, o: { wait: boolean }, cmd: Command) => {
      const sb = await open(dirOf(cmd));
      await sb.start(nodeIndex(node), { wait: o.wait });
      process.stdout.write(`started node${node}\n`);
    });

  sandbox
    .command('restart <node>')
    .description('SIGKILL a node (even a frozen one) and start it again: a restart hook for fencing; takes 3 or node3')
    .option('--no-wait', 'return without waiting for Synced')
    .action(async (node: string, o: { wait: boolean }, cmd: Command) => {
      const sb = await open(dirOf(cmd));
      const index = nodeIndex(node.replace(/^node/, ''));
      const starts = await sb.restart(index, { wait: o.wait, log: (m) => process.stderr.write(`${m}\n`) });
      process.stdout.write(`restarted node${index}${starts > 1 ? ` (${starts} starts)` : ''}\n`);
    });
}
