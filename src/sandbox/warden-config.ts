// The galera-warden config file that `sandbox up` writes for the cluster it made.
import path from 'node:path';
import type { Sandbox } from './sandbox.js';
import { certPaths } from './certs.js';

export function renderWardenConfig(sb: Sandbox): string {
  const { layout } = sb;
  const lines = [
    '# written by `galera-warden sandbox up` for the sandbox cluster in this folder',
    '[cluster]',
    `name = "${layout.clusterName}"`,
    ...(layout.topology === 'replication' ? ['topology = "replication"'] : []),
    '',
    '[credentials]',
    'user = "warden"',
    `passwordFile = "${sb.passwordFile('warden')}"`,
    '',
  ];
  if (layout.tls) {
    const c = certPaths(layout.dir);
    lines.push('[tls]', 'enabled = true', `ca = "${c.ca}"`, `cert = "${c.clientCert}"`, `key = "${c.clientKey}"`, '');
  }
  // the decision state in the sandbox's own folder, not the system-wide default
  lines.push('[run]', `stateFile = "${path.join(layout.dir, 'warden-state.json')}"`, '');
  layout.nodes.forEach((n, i) => {
    lines.push('[[nodes]]', `name = "${n.name}"`, `host = "${n.host}"`, `port = ${n.sqlPort}`, `weight = ${1000 - i}`, '');
  });
  return lines.join('\n');
}
