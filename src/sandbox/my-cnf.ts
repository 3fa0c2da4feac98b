// Renders a sandbox node's my.cnf: its own SQL, gcomm, IST and SST addresses, small memory footprint.
import path from 'node:path';
import type { SandboxLayout, SandboxNode } from './layout.js';
import { nodePaths } from './layout.js';

/** SST method whose script the sandbox writes: stock rsync SST with the rsync daemon kept as root. */
export const SST_METHOD = 'rsync_root';

/** The [mysqld] lines every sandbox node has, Galera or replication: its own files, address, small memory. */
export function serverLines(node: SandboxNode): string[] {
  const p = nodePaths(node);
  return [
    '[mysqld]',
    'user=root',
    `datadir=${p.data}`,
    `tmpdir=${p.tmp}`,
    `socket=${p.socket}`,
    `pid-file=${p.pid}`,
    `log-error=${p.errorLog}`,
    `port=${node.sqlPort}`,
    `bind-address=${node.host}`,
    'skip-name-resolve',
    'performance_schema=OFF',
    'innodb_buffer_pool_size=32M',
    'innodb_log_file_size=16M',
    'innodb_flush_log_at_trx_commit=2',
    'max_connections=300',
  ];
}

export function renderMyCnf(layout: SandboxLayout, node: SandboxNode): string {
  const peers = layout.nodes.map((n) => `${n.host}:${n.gcommPort}`).join(',');
  const provider = [
    `gmcast.listen_addr=tcp://${node.host}:${node.gcommPort}`,
    `ist.recv_addr=${node.host}:${node.istPort}`,
    'gcache.size=64M',
  ].join(';');
  const lines = [
    '# written by galera-warden sandbox: do not edit, `sandbox up` rewrites it',
    ...serverLines(node),
    'innodb_autoinc_lock_mode=2',
    'binlog_format=ROW',
    'default_storage_engine=InnoDB',
    'wsrep_on=ON',
    'wsrep_provider=/usr/lib/galera/libgalera_smm.so',
    `wsrep_cluster_name=${layout.clusterName}`,
    `wsrep_node_name=${node.name}`,
    `wsrep_node_address=${node.host}:${node.gcommPort}`,
    `wsrep_node_incoming_address=${node.host}:${node.sqlPort}`,
    `wsrep_cluster_address=gcomm://${peers}`,
    `wsrep_provider_options="${provider}"`,
    `wsrep_sst_receive_address=${node.host}:${node.sstPort}`,
    `wsrep_sst_method=${SST_METHOD}`,
  ];
  if (layout.tls) {
    const certs = path.join(layout.dir, 'certs');
    lines.push(
      `ssl_ca=${path.join(certs, 'ca.pem')}`,
      `ssl_cert=${path.join(certs, 'server-cert.pem')}`,
      `ssl_key=${path.join(certs, 'server-key.pem')}`,
    );
  }
  return lines.join('\n') + '\n';
}
