// HAProxy as the comparison router: the usual Galera configuration (writer first, the others `backup`,
// an HTTP check against `galera-warden healthcheck` next to each node) in two timing profiles, and a
// reader of its stats socket to see which servers it considers UP.
import net from 'node:net';
import { withTimeout } from './util.js';

export interface HaproxyServer {
  name: string;
  host: string;
  port: number;
  /** port of the node's `galera-warden healthcheck` */
  checkPort: number;
}

export interface HaproxyProfile {
  /** router id in the results */
  id: string;
  label: string;
  /** what this profile models, printed with the results */
  note: string;
  /** the `defaults` section body */
  defaults: string[];
  /** extra lines in the listen section */
  listen: string[];
  /** options of the first (active) server and of the backups, after `check port N` */
  first: string;
  backup: string;
}

/** The way Galera + HAProxy is usually set up: fast checks, sessions shut when a server goes down. */
export const HAPROXY_USUAL: HaproxyProfile = {
  id: 'haproxy',
  label: 'HAProxy inter 1000',
  note: 'option httpchk -> galera-warden healthcheck per node; inter 1000 rise 1 fall 2 on-marked-down shutdown-sessions; node1 first, node2/node3 backup; timeout check 3s',
  defaults: [
    'mode tcp',
    'log global',
    'retries 3',
    'option redispatch',
    'timeout connect 5s',
    'timeout client 28800s',
    'timeout server 28800s',
    'timeout check 3s',
  ],
  listen: ['balance first', 'option httpchk GET /'],
  first: 'inter 1000 rise 1 fall 2 on-marked-down shutdown-sessions',
  backup: 'inter 1000 rise 1 fall 2 on-marked-down shutdown-sessions backup',
};

/** Modeled on the Percona XtraDB Cluster operator's generated HAProxy config (its defaults). */
export const HAPROXY_PERCONA: HaproxyProfile = {
  id: 'haproxy-percona',
  label: 'HAProxy inter 10000 (Percona op.)',
  note: 'Percona operator defaults: check inter 10000 rise 1 fall 2 weight 1; first server on-marked-up shutdown-backup-sessions, others backup; timeout connect 100500, client/server 28800s, retries 10; its check_pxc.sh replaced by option httpchk -> galera-warden healthcheck',
  defaults: [
    'mode tcp',
    'log global',
    'retries 10',
    'timeout connect 100500',
    'timeout client 28800s',
    'timeout server 28800s',
    'timeout check 3s',
  ],
  listen: ['balance roundrobin', 'option srvtcpka', 'option httpchk GET /'],
  first: 'inter 10000 rise 1 fall 2 weight 1 on-marked-up shutdown-backup-sessions',
  backup: 'inter 10000 rise 1 fall 2 weight 1 backup',
};

export function renderHaproxyConfig(profile: HaproxyProfile, o: { bind: string; servers: HaproxyServer[]; statsSocket: string }): string {
  const lines = [
    `# written by galera-warden's bench: ${profile.label}`,
    'global',
    '  nbthread 1',
    '  maxconn 4000',
    `  stats socket ${o.statsSocket} mode 600 level admin`,
    '  log stdout format raw local0 info',
    '',
    'defaults',
    ...profile.defaults.map((l) => `  ${l}`),
    '',
    'listen writer',
    `  bind ${o.bind}`,
    ...profile.listen.map((l) => `  ${l}`),
  ];
  o.servers.forEach((s, i) => {
    lines.push(`  server ${s.name} ${s.host}:${s.port} check port ${s.checkPort} ${i === 0 ? profile.first : profile.backup}`);
  });
  return lines.join('\n') + '\n';
}

/** Sends one command to a stats socket and returns the whole answer. */
export function statsCommand(socket: string, command: string): Promise<string> {
  return withTimeout(
    new Promise<string>((resolve, reject) => {
      const c = net.createConnection({ path: socket });
      let out = '';
      c.setEncoding('utf8');
      c.on('connect', () => c.end(`${command}\n`));
      c.on('data', (d: string) => (out += d));
      c.on('end', () => resolve(out));
      c.on('error', reject);
    }),
    2000,
    `haproxy stats socket ${socket}`,
  );
}

/** Server name -> status (UP, DOWN, "UP 1/2", MAINT, ...) of a proxy (default `writer`). */
export async function serverStatus(socket: string, proxy = 'writer'): Promise<Record<string, string>> {
  const csv = await statsCommand(socket, 'show stat');
  const [header, ...rows] = csv.split('\n').filter((l) => l.length > 0);
  const cols = (header ?? '').replace(/^# /, '').split(',');
  const px = cols.indexOf('pxname');
  const sv = cols.indexOf('svname');
  const status = cols.indexOf('status');
  const out: Record<string, string> = {};
  for (const row of rows) {
    const f = row.split(',');
    if (f[px] === proxy && f[sv] !== 'FRONTEND' && f[sv] !== 'BACKEND') out[f[sv]!] = f[status] ?? '';
  }
  return out;
}
