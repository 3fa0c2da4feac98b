// End to end: the data-path trigger (docs/data-path.md) with `galera-warden run`, its built-in proxy and
// fencing `dead` in front of a real 3-node sandbox (slot 16, ports 27800-28199). The loop ticks every 5 s,
// so that a scheduled tick cannot be what handles the kill: the writer is SIGKILLed, the proxy's bridges and
// connects to it fail, and the decision that moves the writer is a triggered one (read from the recorded
// ticks). A client connected to the dead writer gets its error, and its next connect lands on the new writer.
// Then with [probe] reuseConnection and no client at all: the kept probe session of the killed writer is the
// signal, and the eviction runs on a survivor's kept session.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { apiJson, proxyApiToml, scrapeMetrics, startWarden, writeConfig } from './support/warden-process.js';

const BASE_PORT = 27800;
const WRITER_PORT = 27850;
const API_PORT = WRITER_PORT + 3; // proxyApiToml: the API beside the proxy ports
const AUTH = 'Basic ' + Buffer.from('admin:trigger-test').toString('base64');

interface Trigger { by: string; node?: string; signals?: { router: string; node: string; kind: string }[] }
interface Decision { seq: number; writers: string[]; changes: { node: string; pool: string; from: string; to: string }[]; findings: { code: string; node?: string }[]; trigger: Trigger }
interface Cluster { writers: string[] }

/** The warden's config beside the sandbox's own; `extra` is appended (its keys win). */
const wardenToml = (extra: string) => `
[run]
intervalMs = 5000
dataPathFloorMs = 250
${proxyApiToml({ port: WRITER_PORT, waitForBackendMs: 30000, apiAuth: { user: 'admin', password: 'trigger-test' } })}
[fencing]
mode = "dead"
${extra}`;

describe('data-path trigger (real 3-node Galera, built-in proxy, fencing dead, intervalMs 5000)', () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  let appPassword = '';

  const api = apiJson(API_PORT, AUTH);
  const connect = () => mysql.createConnection({ host: '127.0.0.1', port: WRITER_PORT, user: 'app', password: appPassword, database: 'app', connectTimeout: 30_000 });

  before(async () => {
    sb = await startSandbox(16, { basePort: BASE_PORT });
    appPassword = sb.password('app');
    await sb.sql(1, 'CREATE TABLE app.t (id INT AUTO_INCREMENT PRIMARY KEY, node VARCHAR(64))');
    const config = writeConfig(sb.configPath, wardenToml(''), path.join(sb.dir, 'datapath-trigger.toml'));
    warden = startWarden(config);
    await waitFor('the warden to elect node1', 60_000, async () => ((await api<Cluster>('/api/cluster')).writers[0] === 'node1' ? true : undefined), 200);
  });

  after(async () => {
    await warden?.stop('SIGKILL');
    await stopSandbox(sb);
  });

  it('writer SIGKILL: a triggered decision moves the writer; the connected client gets its error, its next connect lands on the new writer', async () => {
    // a second scheduled tick: node1 has been seen serving with its member id (fencing needs that)
    await waitFor('two recorded ticks', 30_000, async () => ((await api<{ lastTick: { seq: number } | null }>('/api/cluster')).lastTick?.seq ?? 0) >= 2 ? true : undefined, 200);
    const client = await connect();
    client.on('error', () => undefined);
    const [rows] = await client.query('SELECT @@wsrep_node_name AS n');
    assert.equal((rows as { n: string }[])[0]!.n, 'node1');

    sb!.kill(1);
    await assert.rejects(client.query('SELECT 1'), 'the client connected to the killed writer gets an error');
    client.destroy();

    const next = await connect();
    try {
      await next.query('INSERT INTO app.t (node) VALUES (@@wsrep_node_name)');
      const [r] = await next.query('SELECT @@wsrep_node_name AS n');
      const node = (r as { n: string }[])[0]!.n;
      assert.notEqual(node, 'node1', 'the next connect lands on the new writer');
      const writers = (await api<Cluster>('/api/cluster')).writers;
      assert.deepEqual(writers, [node]);
    } finally {
      next.destroy();
    }

    // the recorded decision that took the writer role from node1 was a triggered one, started by node1's data path
    const decisions = await api<Decision[]>('/api/decisions?limit=500');
    const moved = decisions.find((d) => d.changes.some((c) => c.node === 'node1' && c.pool === 'writer' && c.from === 'writer'));
    assert.ok(moved, `no recorded decision moved the writer off node1: ${JSON.stringify(decisions.map((d) => [d.seq, d.writers, d.trigger.by]))}`);
    assert.equal(moved.trigger.by, 'data-path', `the decision moving the writer (seq ${moved.seq}) was started by ${JSON.stringify(moved.trigger)}`);
    assert.equal(moved.trigger.node, 'node1');
    assert.ok(moved.trigger.signals!.every((s) => s.router === 'builtin' && s.node === 'node1' && ['reset', 'closed', 'refused', 'no-greeting'].includes(s.kind)));
    assert.ok(!moved.writers.includes('node1'));
    // the same, as /metrics counts it
    const m = await scrapeMetrics(API_PORT, AUTH);
    assert.ok(m.value('galera_warden_datapath_ticks_total') >= 1, m.text.split('\n').filter((l) => l.includes('datapath')).join('\n'));
    assert.ok(m.value('galera_warden_datapath_signals_total') >= m.value('galera_warden_datapath_ticks_total'));
    await waitFor('the eviction of node1 in the decision history', 30_000, async () =>
      ((await api<Decision[]>('/api/decisions?limit=500')).some((d) => d.findings.some((f) => f.code === 'FENCE_EVICTED' && f.node === 'node1')) ? true : undefined), 200);
  });
  it('[probe] reuseConnection, no client traffic: the killed writer\'s kept probe session is the signal; a triggered decision moves the writer and evicts it', async () => {
    await warden?.stop('SIGKILL');
    await sb!.start(1, { wait: true });
    const config = writeConfig(sb!.configPath, wardenToml(`
[probe]
reuseConnection = true
`).replace('[run]\n', `[run]\nstateFile = "${path.join(sb!.dir, 'datapath-trigger-reuse.state.json')}"\n`), path.join(sb!.dir, 'datapath-trigger-reuse.toml'));
    warden = startWarden(config);
    const writer = await waitFor('a writer', 60_000, async () => (await api<Cluster>('/api/cluster').catch(() => ({ writers: [] }))).writers[0], 200);
    await waitFor('two recorded ticks', 30_000, async () => ((await api<{ lastTick: { seq: number } | null }>('/api/cluster')).lastTick?.seq ?? 0) >= 2 ? true : undefined, 200);
    sb!.kill(Number(writer.replace('node', '')));

    const decisions = await waitFor('a decision moving the writer off the killed node', 30_000, async () => {
      const d = await api<Decision[]>('/api/decisions?limit=500');
      return d.some((x) => x.changes.some((c) => c.node === writer && c.pool === 'writer' && c.from === 'writer')) ? d : undefined;
    }, 200);
    const moved = decisions.find((d) => d.changes.some((c) => c.node === writer && c.pool === 'writer' && c.from === 'writer'))!;
    assert.equal(moved.trigger.by, 'data-path', `the decision moving the writer (seq ${moved.seq}) was started by ${JSON.stringify(moved.trigger)}`);
    assert.equal(moved.trigger.node, writer);
    assert.ok(moved.trigger.signals!.some((s) => s.router === 'probe'), JSON.stringify(moved.trigger.signals));
    await waitFor(`the eviction of ${writer} in the decision history`, 30_000, async () =>
      ((await api<Decision[]>('/api/decisions?limit=500')).some((d) => d.findings.some((f) => f.code === 'FENCE_EVICTED' && f.node === writer)) ? true : undefined), 200);

    const next = await connect();
    try {
      await next.query('INSERT INTO app.t (node) VALUES (@@wsrep_node_name)');
      const [r] = await next.query('SELECT @@wsrep_node_name AS n');
      assert.notEqual((r as { n: string }[])[0]!.n, writer, 'a new connect lands on the new writer and commits');
    } finally {
      next.destroy();
    }
  });
});
