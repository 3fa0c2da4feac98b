// Routing a replication topology (real MariaDB GTID replication, base port 27500) through the built-in proxy of
// `galera-warden run` with [cluster] topology = "replication" and no Orchestrator: writes go to the primary; after
// `promote 2` (node2 stops replicating and turns writable, node1 is set read_only and re-pointed to node2) writes go
// to node2, and no acknowledged write ever lands on node1 after one has landed on node2. node1 comes back as a reader.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { writeAndReadPort } from './support/replication-fixture.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import type { WardenProcess } from './support/warden-process.js';
import { startWarden, writeConfig } from './support/warden-process.js';

const SLOT = 21;
const BASE_PORT = 27500;
const API_PORT = BASE_PORT + 80;
const WRITER_PORT = API_PORT + 1;
const READER_PORT = API_PORT + 2;

interface Finding { code: string; node?: string; message: string }
interface Cluster { writers: string[]; readers: string[]; findings: Finding[] }

describe('replication topology through the built-in proxy (real MariaDB replication, no Orchestrator)', { timeout: 420_000 }, () => {
  let sb: Sandbox | undefined;
  let warden: WardenProcess | undefined;
  /** every acknowledged write: its sequence number and the port of the server that took it */
  const acked: { seq: number; port: number }[] = [];
  let writing = false;
  let writer: Promise<void> | undefined;

  const cluster = async (): Promise<Cluster> => (await (await fetch(`http://127.0.0.1:${API_PORT}/api/cluster`)).json()) as Cluster;
  const portOf = (i: number): number => sb!.node(i).sqlPort;
  const app = (port: number) => mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password: sb!.password('app'), database: 'app', connectTimeout: 3000 });

  /** One write on a fresh connection through the writer port: the row, then the server's port; acknowledged when both answer. */
  const writeOnce = async (seq: number): Promise<void> => {
    acked.push({ seq, port: await writeAndReadPort(sb!, WRITER_PORT, seq) });
  };

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT, topology: 'replication', nodes: 3 });
    await sb.sql(1, 'CREATE TABLE app.t (seq INT PRIMARY KEY, at TIMESTAMP(6) DEFAULT CURRENT_TIMESTAMP(6))');
    const config = writeConfig(sb.configPath, `
[routing]
retryUp = 1
retryDown = 1
minHoldMs = 1000

[probe]
connectTimeoutMs = 1000
timeoutMs = 2000

[run]
intervalMs = 300

[proxy]
host = "127.0.0.1"
writerPort = ${WRITER_PORT}
readerPort = ${READER_PORT}
healthPort = ${API_PORT + 3}
waitForBackendMs = 3000
drainMs = 200

[api]
host = "127.0.0.1"
port = ${API_PORT}
`, path.join(sb.dir, 'replication-routing.toml'));
    warden = startWarden(config);
    await waitFor('the warden to route node1 as writer and node2, node3 as readers', 60_000, async () => {
      const c = await cluster();
      return c.writers.join() === 'node1' && ['node2', 'node3'].every((n) => c.readers.includes(n)) ? c : undefined;
    }, 200);
  });

  after(async () => {
    writing = false;
    await writer?.catch(() => undefined);
    await warden?.stop();
    await stopSandbox(sb);
  });

  it('writes go to the primary; reads to the replicas', async () => {
    await writeOnce(1);
    assert.deepEqual(acked, [{ seq: 1, port: portOf(1) }]);
    const seen = new Set<number>();
    await waitFor('reads served by a replica', 30_000, async () => {
      const c = await app(READER_PORT);
      try {
        const [rows] = await c.query('SELECT @@port AS port, @@read_only AS ro');
        const r = (rows as { port: number; ro: number }[])[0]!;
        seen.add(Number(r.port));
        return Number(r.ro) === 1 ? r : undefined;
      } finally {
        c.destroy();
      }
    });
    assert.ok([...seen].every((p) => [portOf(1), portOf(2), portOf(3)].includes(p)));
  });

  it('after promote 2 (node1 read_only, re-pointed), writes go to node2 and never again to node1', async () => {
    let seq = 100;
    writing = true;
    writer = (async () => {
      while (writing) {
        await writeOnce(seq++).catch(() => undefined);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    await waitFor('writes acknowledged on node1 before the promotion', 20_000, () => (acked.some((a) => a.seq >= 100 && a.port === portOf(1)) ? true : undefined));
    // a graceful takeover, in Orchestrator's order: the old primary read_only first, node2 caught up, then promoted
    // (promoting first would lose what node1 acknowledged after node2 stopped replicating, whatever the router does)
    await sb!.sql(1, 'SET GLOBAL read_only=ON');
    const [[gtid]] = (await sb!.sql(1, 'SELECT @@gtid_binlog_pos')) as [[string]];
    await waitFor('node2 caught up with node1', 30_000, async () => ((await sb!.sql(2, `SELECT MASTER_GTID_WAIT('${gtid}', 1)`))[0]?.[0] === '0' ? true : undefined));
    const noWriter = await waitFor('no writer while node1 is read_only and node2 still replicates', 30_000, async () => {
      const x = await cluster();
      return x.writers.length === 0 ? x : undefined;
    }, 200);
    assert.ok(noWriter.findings.some((f) => f.code === 'NO_WRITER'), JSON.stringify(noWriter.findings));
    await sb!.promote(2);
    const c = await waitFor('the warden to route node2 as the only writer', 60_000, async () => {
      const x = await cluster();
      return x.writers.join() === 'node2' ? x : undefined;
    }, 200);
    assert.deepEqual(c.writers, ['node2']);
    await waitFor('writes acknowledged on node2', 30_000, () => (acked.some((a) => a.port === portOf(2)) ? true : undefined));
    const firstOn2 = acked.findIndex((a) => a.port === portOf(2));
    await new Promise((r) => setTimeout(r, 2000));
    writing = false;
    await writer;
    const after2 = acked.slice(firstOn2);
    assert.ok(after2.length > 0);
    assert.deepEqual(after2.filter((a) => a.port !== portOf(2)), [], 'a write landed elsewhere after one had landed on node2');
    // every acknowledged write is on the new primary (node1's were replicated before it was promoted)
    const [rows] = await (async () => {
      const conn = await app(portOf(2));
      try {
        return await conn.query('SELECT seq FROM t');
      } finally {
        conn.destroy();
      }
    })();
    const onNode2 = new Set((rows as { seq: number }[]).map((r) => Number(r.seq)));
    assert.deepEqual(acked.filter((a) => !onNode2.has(a.seq)), [], 'acknowledged writes missing on the new primary');
  });

  it('node1, now a read-only replica of node2, comes back as a reader, never as the writer', async () => {
    let lastSeen: Cluster | undefined;
    const c = await waitFor('node1 back in the reader pool', 60_000, async () => {
      lastSeen = await cluster();
      return lastSeen.readers.includes('node1') ? lastSeen : undefined;
    }, 200).catch((err: unknown) => {
      throw new Error(`${String(err)}; last findings: ${JSON.stringify(lastSeen?.findings)}`);
    });
    assert.deepEqual(c.writers, ['node2']);
  });
});
