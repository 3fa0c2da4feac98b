// `galera-warden haproxy config`: prints a complete haproxy.cfg for the cluster of a galera-warden config,
// driven by galera-warden through the stats socket ([haproxy]), or with --peers seed 004's recipe for HAProxys
// that run without galera-warden.
import type { Command } from 'commander';
import { UsageError } from '../model/errors.js';

interface ConfigFlags {
  config: string;
  peers?: boolean;
  peer: string[];
  writerCheck?: string;
}

export function registerHaproxy(program: Command): void {
  const cmd = program.command('haproxy').description('HAProxy as the router: set-up helpers');
  cmd
    .command('config')
    .description('print a haproxy.cfg for the cluster: writer and reader frontends and backends (server names = node names), the admin stats socket of [haproxy]')
    .requiredOption('--config <file>', 'galera-warden config ([[nodes]], optional [haproxy] for socket, backends, ports)')
    .option('--peers', 'seed 004\'s peers + stick-table recipe instead, for HAProxys galera-warden does not drive')
    .option('--peer <name=host:port>', 'with --peers: a HAProxy of the group, this one included (repeat)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--writer-check <host:port>', 'for HAProxys galera-warden does not drive: check every server with GET /writer/<server name> on this galera-warden health port (alone or with --peers)')
    .action(async (o: ConfigFlags) => {
      const { loadConfig } = await import('../config/load-config.js');
      const { haproxySection } = await import('../config/sections/haproxy.js');
      const { driveConfig, standaloneConfig } = await import('../apply/haproxy/config-file.js');
      const c = await loadConfig(o.config);
      const hx = c.haproxy ?? haproxySection.parse({});
      const p = c.proxy;
      const wardenHealth = hx.wardenCheck && p.enabled ? { host: p.host === '0.0.0.0' || p.host === '::' ? '127.0.0.1' : p.host, port: p.healthPort } : undefined;
      const input = { cluster: c.cluster.name, nodes: c.nodes, haproxy: hx, ...(wardenHealth && { wardenHealth }) };
      if (!o.peers && o.peer.length > 0) throw new UsageError('--peer needs --peers');
      let writerCheck: { host: string; port: number } | undefined;
      if (o.writerCheck !== undefined) {
        const m = /^(\S+):(\d{1,5})$/.exec(o.writerCheck);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new UsageError(`--writer-check: expected host:port of a galera-warden health port, got "${o.writerCheck}"`);
        writerCheck = { host: m[1]!, port: Number(m[2]) };
      }
      if (!o.peers && !writerCheck) {
        process.stdout.write(driveConfig(input));
        return;
      }
      if (o.peers && o.peer.length === 0) throw new UsageError('--peers needs every HAProxy of the group with --peer name=host:port, this one included');
      const peers = o.peer.map((p) => {
        const m = /^([A-Za-z0-9._-]+)=(\S+:\d{1,5})$/.exec(p);
        if (!m) throw new UsageError(`--peer: expected name=host:port, got "${p}"`);
        return { name: m[1]!, address: m[2]! };
      });
      process.stdout.write(standaloneConfig(input, { ...(o.peers && { peers }), ...(writerCheck && { writerCheck }) }));
    });
}
