// `galera-warden chaos` end to end: a short campaign (fixed seed: kill, cut-warden, freeze, restart-warden) on a sandbox of its own, two instances with
// the shared writer record, their real HAProxys, writes through all four routers. It must pass (the promise
// held), print a row per round, write a history that replays (JSON lines), and leave no process behind. Then, with
// their binaries: real ProxySQLs driven by their own scheduler on the same record (seed 4: desync of the writer while
// an instance restarts), and the record in a real etcd that is killed (seed 7, 1 round). Ports 24500-24799, then 24000-24499.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Sandbox } from '../src/sandbox/sandbox.js';
import { haproxyMissing } from './support/haproxy-process.js';
import { proxysqlBinary, skipRealProxySql } from './support/proxysql-real.js';
import { etcdBin } from './support/etcd.js';
import { CLI } from './support/warden-process.js';

const BASE = 24500;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-chaos-'));

/** runs the CLI; on the deadline SIGTERM (the campaign stops its processes), SIGKILL a minute later */
function chaos(args: string[], deadlineMs: number, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'chaos', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += String(d)));
    child.stderr.on('data', (d: Buffer) => (out += String(d)));
    const term = setTimeout(() => child.pid && child.kill('SIGTERM'), deadlineMs);
    const kill = setTimeout(() => child.pid && child.kill('SIGKILL'), deadlineMs + 60_000);
    child.once('close', (code) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code, out });
    });
  });
}

const refused = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect({ host: '127.0.0.1', port });
  s.once('connect', () => {
    s.destroy();
    resolve(false);
  });
  s.once('error', () => resolve(true));
});

after(async () => {
  // a safety net should the campaign have died without tearing its sandbox down
  await Sandbox.open(path.join(dir, 'sandbox'))?.down().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('galera-warden chaos (real 3-node Galera, two instances, real HAProxy)', { skip: haproxyMissing() ?? false }, () => {
  it('bad flags: exit 2 naming the flag', async () => {
    const r = await chaos(['--faults', 'kill,isolate'], 30_000);
    assert.equal(r.code, 2, r.out);
    assert.match(r.out, /--faults: unknown fault "isolate".*\(isolate needs --netns\)/);
    const d = await chaos(['--duration', 'soon'], 30_000);
    assert.equal(d.code, 2);
    assert.match(d.out, /--duration: expected a duration such as 8s/);
    const rt = await chaos(['--routers', 'proxy,nginx'], 30_000);
    assert.equal(rt.code, 2);
    assert.match(rt.out, /--routers: expected some of proxy, haproxy, proxysql, got "proxy,nginx"/);
    const sd = await chaos(['--faults', 'kill,store-down'], 30_000);
    assert.equal(sd.code, 2);
    assert.match(sd.out, /--faults: unknown fault "store-down".*\(store-down needs --store etcd\)/);
    const st = await chaos(['--store', 'zookeeper'], 30_000);
    assert.equal(st.code, 2);
    assert.match(st.out, /--store: expected galera or etcd, got "zookeeper"/);
    const fe = await chaos(['--fencing', 'maybe'], 30_000);
    assert.equal(fe.code, 2);
    assert.match(fe.out, /--fencing: expected off, dead or unresponsive, got "maybe"/);
  });

  it('a short campaign with a fixed seed passes, prints a row per round, writes a replayable history, stops every process', async () => {
    const history = path.join(dir, 'history.jsonl');
    const r = await chaos(['--rounds', '4', '--seed', '19', '--faults', 'kill,freeze,restart-warden,cut-warden', '--duration', '8s', '--settle', '2s',
      '--base-port', String(BASE), '--dir', dir, '--history', history], 600_000);
    console.log(r.out.split('\n').filter((l) => !l.startsWith('  ')).map((l) => `# ${l}`).join('\n'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /VERDICT: PASS \(seed 19\)/);
    const lines = fs.readFileSync(history, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const of = (type: string) => lines.filter((l) => l.type === type);
    assert.equal(of('campaign')[0]!.seed, 19);
    const rounds = of('round');
    assert.deepEqual(rounds.map((x) => x.round), [1, 2, 3, 4]);
    // seed 19's plan: the writer killed, an instance cut off from the nodes (its store), the writer frozen, an
    // instance restarted (src/chaos/plan.ts)
    assert.deepEqual(rounds.map((x) => (x.faults as { kind: string; role: string }[]).map((f) => `${f.kind} ${f.role}`).join('+')), ['kill writer', 'cut-warden instance', 'freeze writer', 'restart-warden instance']);
    for (const x of rounds) assert.ok(typeof x.recoveredAt === 'number', `round ${String(x.round)} recovered`);
    const ops = of('op');
    for (const router of ['proxy-a', 'proxy-b', 'haproxy-a', 'haproxy-b']) {
      assert.ok(ops.some((o) => o.router === router && o.outcome === 'ok'), `acknowledged writes through ${router}`);
      assert.ok(of('routing').some((s) => s.router === router), `a routing timeline for ${router}`);
    }
    assert.deepEqual(of('readback').map((x) => x.from), ['node1', 'node2', 'node3']);
    const verdict = of('verdict')[0]!;
    assert.equal(verdict.ok, true);
    // the table: one row per round, each naming its fault
    const plan = rounds.map((x) => (x.faults as { kind: string }[]).map((f) => f.kind).join('+'));
    for (const [i, kind] of plan.entries()) assert.match(r.out, new RegExp(`^${i + 1}\\s+${kind.split('+')[0]!}`, 'm'));
    // nothing left running: the nodes, the instances' proxies and APIs, the HAProxys
    for (const port of [BASE + 11, BASE + 21, BASE + 31, BASE + 100, BASE + 103, BASE + 110, BASE + 113, BASE + 200, BASE + 210, BASE + 451, BASE + 463]) assert.ok(await refused(port), `port ${port} still answers`);
  });

  // The campaign found both faults this replays (docs/chaos.md): scheduler runs that named the nodes host:port
  // flipped the record against the daemons' node1, and ProxySQLs a run apart routed two writers after a move.
  it('ProxySQL driven by its own scheduler beside the instances, one record: the writer desynced while an instance restarts (seed 4)', { skip: skipRealProxySql }, async () => {
    const sub = path.join(dir, 'proxysql');
    const history = path.join(sub, 'history.jsonl');
    // base 24000 (the CLI's default range, which no other test uses): its ProxySQLs sit at +310..+313
    const r = await chaos(['--rounds', '1', '--seed', '4', '--faults', 'kill,desync,restart-warden,double', '--routers', 'proxy,haproxy,proxysql',
      '--duration', '6s', '--settle', '2s', '--base-port', '24000', '--dir', sub, '--history', history], 600_000, { ...process.env, PROXYSQL_BIN: proxysqlBinary() });
    console.log(r.out.split('\n').filter((l) => !l.startsWith('  ')).map((l) => `# ${l}`).join('\n'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /VERDICT: PASS \(seed 4\)/);
    const lines = fs.readFileSync(history, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const round = lines.find((l) => l.type === 'round')!;
    assert.deepEqual((round.faults as { kind: string; role: string }[]).map((f) => `${f.kind} ${f.role}`), ['restart-warden instance', 'desync writer']);
    assert.notEqual(round.writerAfter, round.writerBefore, 'the writer moved off the desynced node');
    const ops = lines.filter((l) => l.type === 'op');
    for (const router of ['proxysql-a', 'proxysql-b']) assert.ok(ops.some((o) => o.router === router && o.outcome === 'ok' && o.node === round.writerAfter), `acknowledged writes through ${router} on the new writer`);
    for (const port of [24011, 24100, 24200, 24310, 24311, 24312, 24313]) assert.ok(await refused(port), `port ${port} still answers`);
  });

  it('the record in etcd: etcd killed for the fault (store-down); the promise holds', { skip: etcdBin() ? false : 'no etcd binary (Debian etcd-server, or ETCD_BIN)' }, async () => {
    const sub = path.join(dir, 'etcd');
    const r = await chaos(['--rounds', '1', '--seed', '7', '--faults', 'store-down,kill', '--store', 'etcd', '--routers', 'proxy,haproxy',
      '--duration', '6s', '--settle', '2s', '--base-port', '24000', '--dir', sub], 600_000);
    console.log(r.out.split('\n').filter((l) => !l.startsWith('  ')).map((l) => `# ${l}`).join('\n'));
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /^1\s+store-down etcd/m);
    assert.match(r.out, /VERDICT: PASS \(seed 7\)/);
    for (const port of [24011, 24100, 24340]) assert.ok(await refused(port), `port ${port} still answers`);
  });
});
