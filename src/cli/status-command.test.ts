import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ConfigError, UsageError } from '../model/errors.js';
import { ERR_WSREP_NOT_READY, FakeGaleraServer } from '../observe/testing/fake-galera-server.js';
import { MemoryWriterStore } from '../coordinate/testing/memory-writer-store.js';
import { parseWatch, runStatus } from './status-command.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gw-status-'));
const fakes: FakeGaleraServer[] = [];
after(async () => {
  await Promise.all(fakes.map((f) => f.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function cluster(): Promise<string> {
  const a = await FakeGaleraServer.start({ password: 'pw-status-1' });
  const b = await FakeGaleraServer.start({ password: 'pw-status-1', tableAccessError: ERR_WSREP_NOT_READY });
  b.state.variables.wsrep_reject_queries = 'ALL';
  fakes.push(a, b);
  const file = path.join(dir, `c${fakes.length}.toml`);
  writeFileSync(
    file,
    `[cluster]\nname = "test"\n[credentials]\nuser = "warden"\npassword = "pw-status-1"\n` +
      `[[nodes]]\nname = "a"\nhost = "127.0.0.1"\nport = ${a.port}\n[[nodes]]\nname = "b"\nhost = "127.0.0.1"\nport = ${b.port}\n`,
  );
  return file;
}

function capture(extra: { stop?: AbortSignal; isTTY?: boolean } = {}) {
  const out: string[] = [];
  return { out, io: { write: (t: string) => void out.push(t), isTTY: extra.isTTY ?? false, ...(extra.stop && { stop: extra.stop }) } };
}

describe('galera-warden status', () => {
  it('--watch values', () => {
    assert.equal(parseWatch(undefined, 1000), undefined);
    assert.equal(parseWatch(true, 1000), 1000);
    assert.equal(parseWatch('250', 1000), 250);
    assert.throws(() => parseWatch('soon', 1000), UsageError);
    assert.throws(() => parseWatch('5', 1000), /--watch: expected milliseconds from 10 to 3600000, got "5"/);
  });

  it('prints one row per node with its role candidate', async () => {
    const { out, io } = capture();
    await runStatus({ config: await cluster() }, io);
    const text = out.join('');
    assert.match(text, /^cluster test at \d{4}-/);
    assert.match(text, /\na +127\.0\.0\.1:\d+ +writer +Synced +yes +ON +NONE /);
    assert.match(text, /\nb +127\.0\.0\.1:\d+ +none +Synced +yes +ON +ALL .*REJECT_QUERIES,TABLE_ACCESS\n/);
    assert.ok(!text.includes('pw-status-1'));
  });

  it('a replication topology: read_only, master, threads and lag, never the wsrep state; the primary named', async () => {
    const p = await FakeGaleraServer.start({ password: 'pw-status-1' }, 27710);
    const r = await FakeGaleraServer.start({ password: 'pw-status-1' }, 27711);
    fakes.push(p, r);
    r.state.variables.read_only = 'ON';
    r.state.slaveStatus = { Master_Host: '127.0.0.1', Master_Port: String(p.port), Slave_IO_Running: 'Yes', Slave_SQL_Running: 'Yes', Seconds_Behind_Master: '4', Last_IO_Error: '', Last_SQL_Error: '' };
    const file = path.join(dir, 'repl.toml');
    writeFileSync(file, `[cluster]\nname = "repl"\ntopology = "replication"\n[credentials]\nuser = "warden"\npassword = "pw-status-1"\n`
      + `[[nodes]]\nname = "p"\nhost = "127.0.0.1"\nport = ${p.port}\n[[nodes]]\nname = "r"\nhost = "127.0.0.1"\nport = ${r.port}\n`);
    const { out, io } = capture();
    await runStatus({ config: file }, io);
    const text = out.join('');
    assert.match(text, /^cluster repl \(replication; p is the primary: the only node that is writable and replicates from no one\) at /);
    assert.match(text, /\nNODE +ADDRESS +ROLE +RO +MASTER +IO +SQL +LAG +GTID +MS +REASONS\n/);
    assert.match(text, /\np +127\.0\.0\.1:27710 +writer +OFF +\(none\) +- +- +- +0-1-42 /);
    assert.match(text, new RegExp(`\\nr +127\\.0\\.0\\.1:27711 +reader +ON +127\\.0\\.0\\.1:${p.port} +Yes +Yes +4s +0-1-42 .*REPLICA\\n`));
    assert.doesNotMatch(text, /Synced|WSREP_OFF|NOT_PRIMARY/);
    const json = capture();
    await runStatus({ config: file, json: true }, json.io);
    const doc = JSON.parse(json.out.join('')) as { topology: string; primary: { node: string }; nodes: { node: string; health: { role: string } }[] };
    assert.deepEqual([doc.topology, doc.primary.node, doc.nodes.map((n) => n.health.role)], ['replication', 'p', ['writer', 'reader']]);
  });

  it('--json prints the observations with their assessment, never the password', async () => {
    const { out, io } = capture();
    await runStatus({ config: await cluster(), json: true }, io);
    const doc = JSON.parse(out.join('')) as { cluster: string; nodes: { node: string; status?: { rejectQueries: string }; health: { role: string; available: boolean } }[] };
    assert.equal(doc.cluster, 'test');
    assert.deepEqual(doc.nodes.map((n) => [n.node, n.health.role, n.status?.rejectQueries]), [['a', 'writer', 'NONE'], ['b', 'none', 'ALL']]);
    assert.ok(!out.join('').includes('pw-status-1'));
  });

  it('--watch redraws (clearing a terminal) until stopped', async () => {
    const stop = new AbortController();
    const { out, io } = capture({ stop: stop.signal, isTTY: true });
    const file = await cluster();
    const running = runStatus({ config: file, watch: '50' }, io);
    // until two redraws came (a busy machine may take seconds), then stop
    for (const until = Date.now() + 30_000; out.length < 2 && Date.now() < until;) await new Promise((r) => setTimeout(r, 50));
    stop.abort();
    await running;
    assert.ok(out.length >= 2, `${out.length} redraws`);
    assert.ok(out.every((t) => t.startsWith('\x1b[H\x1b[2J')));
    assert.match(out[0]!, /\(every 50 ms; Ctrl-C to stop\)/);
  });

  it('with a store: shows the record (writer, epoch, set by, traffic, maintenance), or the failure code when the store does not answer', async () => {
    const store = new MemoryWriterStore('test');
    store.writeAsOther({ writers: ['a'], setBy: 'proxy-a', setAt: Date.UTC(2026, 10, 30), maintenance: ['b'], trafficEnabled: false, message: 'migration', trafficSetBy: 'ops@h via proxy-a', trafficSetAt: Date.UTC(2026, 10, 30, 1) });
    const file = await cluster();
    const text = capture();
    await runStatus({ config: file }, { ...text.io, openStore: () => store });
    assert.match(text.out.join(''), /\ncoordination: memory store, record "test": reachable\n {2}writer: a \(epoch 1, set by proxy-a at 2026-11-30T00:00:00\.000Z\)\n {2}traffic: OFF by ops@h via proxy-a at 2026-11-30T01:00:00\.000Z: migration\n {2}maintenance: b\n$/);
    const json = capture();
    await runStatus({ config: file, json: true }, { ...json.io, openStore: () => store });
    const doc = JSON.parse(json.out.join('')) as { coordination: { reachable: boolean; record: { epoch: number; trafficEnabled: boolean } } };
    assert.deepEqual([doc.coordination.reachable, doc.coordination.record.epoch, doc.coordination.record.trafficEnabled], [true, 1, false]);
    store.fault = { kind: 'fail', code: 'COORD_NOT_PRIMARY' };
    const down = capture();
    await runStatus({ config: file }, { ...down.io, openStore: () => store });
    assert.match(down.out.join(''), /\ncoordination: memory store, record "test": UNREACHABLE \(COORD_NOT_PRIMARY\): memory store \(test\): injected failure\n/);
  });

  it('a bad config is a ConfigError (exit status 2) naming the file', async () => {
    const file = path.join(dir, 'bad.toml');
    writeFileSync(file, '[cluster]\nname = "x"\n');
    await assert.rejects(runStatus({ config: file }, capture().io), (e: unknown) => e instanceof ConfigError && e.exitCode === 2 && e.message.includes(`config ${file}: credentials: is required`));
  });
});
