// What the replication-topology tests share: a write on a fresh connection that reports which server took
// it, and the fake Orchestrator describing the sandbox as it starts (node1 primary, the others its replicas).
import mysql from 'mysql2/promise';
import { FakeOrchestrator } from '../../src/observe/orchestrator/testing/fake-orchestrator.js';
import type { Sandbox } from '../../src/sandbox/sandbox.js';

/** "host:port" of sandbox node i, Orchestrator's instance key */
export const instanceKey = (sb: Sandbox, i: number): string => `${sb.node(i).host}:${sb.node(i).sqlPort}`;

/** One write (`seq` into app.t) on a fresh connection to host:port as `app`; resolves to the port of the server that took it. */
export async function writeAndReadPort(sb: Sandbox, port: number, seq: number, host = '127.0.0.1'): Promise<number> {
  const c = await mysql.createConnection({ host, port, user: 'app', password: sb.password('app'), database: 'app', connectTimeout: 3000 });
  try {
    await c.query('INSERT INTO t (seq) VALUES (?)', [seq]);
    const [rows] = await c.query('SELECT @@port AS port');
    return Number((rows as { port: number }[])[0]!.port);
  } finally {
    c.destroy();
  }
}

/** A three-member fake Orchestrator raft group whose topology is the sandbox's: node1 primary, alias "sandbox". */
export async function startOrchestratorFor(sb: Sandbox, basePort: number): Promise<FakeOrchestrator> {
  const fake = await FakeOrchestrator.start({ members: 3, forwardTimeoutMs: 100, basePort });
  fake.topology.add({ host: sb.node(1).host, port: sb.node(1).sqlPort, master: null, readOnly: false, lagSeconds: null });
  for (let i = 2; i <= sb.layout.nodes.length; i++) fake.topology.add({ host: sb.node(i).host, port: sb.node(i).sqlPort, master: instanceKey(sb, 1), readOnly: true, lagSeconds: 0 });
  fake.topology.setAlias('sandbox', instanceKey(sb, 1));
  return fake;
}
