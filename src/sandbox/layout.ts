// Where each sandbox node lives: its ports, paths and (in network-namespace mode) its namespace and address.
import path from 'node:path';

export type SandboxMode = 'loopback' | 'netns';
/** galera: a Galera cluster; replication: one primary and async GTID replicas (no wsrep) */
export type SandboxTopology = 'galera' | 'replication';

export interface SandboxNode {
  index: number;
  name: string;
  /** address the node listens on (127.0.0.1, or its own address inside its namespace) */
  host: string;
  sqlPort: number;
  gcommPort: number;
  istPort: number;
  sstPort: number;
  /** folder of the node: my.cnf, data/, tmp/, logs, socket, pid file */
  dir: string;
  /** network namespace holding the node (netns mode only) */
  netns?: string;
  /** root-side veth of the namespace (netns mode only) */
  veth?: string;
}

export interface SandboxLayout {
  dir: string;
  clusterName: string;
  mode: SandboxMode;
  tls: boolean;
  basePort: number;
  /** absent in sandboxes made before replication existed: galera */
  topology?: SandboxTopology;
  nodes: SandboxNode[];
  /** netns mode: the bridge joining the namespaces and the root side's address on it */
  bridge?: string;
  bridgeAddress?: string;
}

export interface LayoutOptions {
  dir: string;
  nodes: number;
  basePort: number;
  mode: SandboxMode;
  tls: boolean;
  /** network-namespace mode: third octet of 10.213.X.0/24, and a short tag that names the devices */
  subnet?: number;
}

export const MAX_NODES = 9;

/** Node i (1-based) uses basePort + 10*i + {1: SQL, 2: gcomm, 3: IST, 4: SST}. */
export function planLayout(o: LayoutOptions): SandboxLayout {
  const subnet = o.subnet ?? 213;
  const tag = `gw${subnet}`;
  const nodes: SandboxNode[] = [];
  for (let i = 1; i <= o.nodes; i++) {
    const base = o.basePort + 10 * i;
    const node: SandboxNode = {
      index: i,
      name: `node${i}`,
      host: o.mode === 'netns' ? `10.213.${subnet}.${i}` : '127.0.0.1',
      sqlPort: base + 1,
      gcommPort: base + 2,
      istPort: base + 3,
      sstPort: base + 4,
      dir: path.join(o.dir, `node${i}`),
    };
    if (o.mode === 'netns') {
      node.netns = `${tag}-n${i}`;
      node.veth = `${tag}v${i}`;
    }
    nodes.push(node);
  }
  const layout: SandboxLayout = {
    dir: o.dir,
    clusterName: 'warden-sandbox',
    mode: o.mode,
    tls: o.tls,
    basePort: o.basePort,
    nodes,
  };
  if (o.mode === 'netns') {
    layout.bridge = `${tag}br`;
    layout.bridgeAddress = `10.213.${subnet}.254`;
  }
  return layout;
}

export const nodePaths = (n: SandboxNode) => ({
  cnf: path.join(n.dir, 'my.cnf'),
  data: path.join(n.dir, 'data'),
  /**
   * The node's own tmpdir. mariadbd deletes every `#sql*` file in its tmpdir when it starts, so nodes
   * sharing /tmp delete each other's temporary tables (mariadb-install-db then fails).
   */
  tmp: path.join(n.dir, 'tmp'),
  socket: path.join(n.dir, 'mysql.sock'),
  pid: path.join(n.dir, 'mariadbd.pid'),
  errorLog: path.join(n.dir, 'error.log'),
  stdout: path.join(n.dir, 'stdout.log'),
  recoverLog: path.join(n.dir, 'recover.log'),
});
