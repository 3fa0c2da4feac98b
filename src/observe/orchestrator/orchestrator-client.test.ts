import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Secret } from '../../config/secret.js';
import type { OrchestratorObservation } from '../../model/orchestrator.js';
import { httpGet } from './http-get.js';
import { OrchestratorClient, initialObservation } from './orchestrator-client.js';
import { OrchestratorSource } from './orchestrator-source.js';
import { FakeOrchestrator } from './testing/fake-orchestrator.js';

const H = '127.0.0.1';
const WATCH = [3311, 3321, 3331].map((port) => ({ host: H, port }));

/** a fake of three members describing db1 (3311) master with replicas 3321 and 3331, alias "shop" */
async function fakeGroup(now: () => number, auth?: { user: string; password: string }): Promise<FakeOrchestrator> {
  const f = await FakeOrchestrator.start({ members: 3, forwardTimeoutMs: 50, now, ...(auth && { auth }) });
  f.topology.add({ host: H, port: 3311 });
  f.topology.add({ host: H, port: 3321, master: `${H}:3311`, lagSeconds: 0 });
  f.topology.add({ host: H, port: 3331, master: `${H}:3311`, lagSeconds: 2 });
  f.topology.setAlias('shop', `${H}:3311`);
  return f;
}

const clientFor = (f: FakeOrchestrator, extra: Partial<ConstructorParameters<typeof OrchestratorClient>[0]> = {}): OrchestratorClient =>
  new OrchestratorClient({ urls: f.urls, clusterHint: 'shop', watch: WATCH, timeoutMs: 1000, ...extra });

const inst = (o: OrchestratorObservation, port: number) => o.instances.find((i) => i.port === port);
const codes = (o: OrchestratorObservation) => o.problems.map((p) => p.code);

describe('orchestrator client against the fake Orchestrator', () => {
  let clock = Date.parse('2026-11-30T12:00:00Z');
  const now = (): number => clock;
  let f: FakeOrchestrator;
  before(async () => {
    f = await fakeGroup(now);
  });
  after(async () => {
    await f.close();
  });

  it('finds the leader among the members and reads master, instances, lags', async () => {
    f.leader = 1;
    const o = await clientFor(f).poll(initialObservation(clock), now);
    assert.equal(o.leader, f.urls[1]);
    assert.equal(o.leaderSeenAt, clock);
    assert.deepEqual(o.master, { host: H, port: 3311 });
    assert.deepEqual(o.problems, []);
    assert.deepEqual(o.instances.map((i) => [i.port, i.readOnly, i.master?.port ?? null, i.lagSeconds, i.downtimed]), [
      [3311, false, null, null, false], [3321, true, 3311, 0, false], [3331, true, 3311, 2, false],
    ]);
    assert.equal(inst(o, 3321)?.clusterName, `${H}:3311`);
  });

  it('after a recovery: the old master is downtimed lost-in-recovery, looked up by itself, and the alias follows the new master', async () => {
    f.leader = 0;
    f.requests.length = 0;
    f.topology.recover(`${H}:3311`, `${H}:3321`);
    const o = await clientFor(f).poll(initialObservation(clock), now);
    assert.deepEqual(o.master, { host: H, port: 3321 });
    const old = inst(o, 3311);
    assert.ok(old);
    assert.deepEqual([old.downtimed, old.downtimeReason, old.lastCheckValid, old.clusterName], [true, 'lost-in-recovery', false, `${H}:3311`]);
    assert.equal(old.downtimeEnd, '2027-11-30 12:00:00');
    assert.deepEqual([inst(o, 3321)?.readOnly, inst(o, 3331)?.master?.port], [false, 3321]);
    assert.ok(f.requests.some((r) => r.path === '/api/downtimed'));
  });

  it('a downtime that ends frees the instance; an operator ending it early too', async () => {
    f.topology.beginDowntime(`${H}:3331`, 'maintenance', 60, 'ops');
    let o = await clientFor(f).poll(initialObservation(clock), now);
    assert.deepEqual([inst(o, 3331)?.downtimed, inst(o, 3331)?.downtimeReason], [true, 'maintenance']);
    clock += 61_000;
    o = await clientFor(f).poll(o, now);
    assert.deepEqual([inst(o, 3331)?.downtimed, inst(o, 3331)?.downtimeReason, inst(o, 3331)?.downtimeEnd], [false, '', '']);
    assert.equal(inst(o, 3311)?.downtimed, true);
    f.topology.endDowntime(`${H}:3311`);
    o = await clientFor(f).poll(o, now);
    assert.equal(inst(o, 3311)?.downtimed, false);
  });

  it('no leader: ORCH_NO_LEADER, the last known instances kept, leaderSeenAt not moved', async () => {
    f.topology.beginDowntime(`${H}:3311`, 'lost-in-recovery', 3600);
    const good = await clientFor(f).poll(initialObservation(clock), now);
    f.leader = null;
    clock += 5000;
    const o = await clientFor(f).poll(good, now);
    assert.equal(o.leader, null);
    assert.equal(codes(o)[0], 'ORCH_NO_LEADER');
    assert.equal(o.leaderSeenAt, good.leaderSeenAt);
    assert.deepEqual(o.instances, good.instances);
    f.leader = 2;
    const back = await clientFor(f).poll(o, now);
    assert.deepEqual([back.leader, back.leaderSeenAt], [f.urls[2], clock]);
  });

  it('a hanging leader: its leader-check times out (ORCH_TIMEOUT naming its URL), the poll still ends', async () => {
    f.leader = 0;
    f.setHang(0, true);
    try {
      const o = await clientFor(f, { timeoutMs: 300 }).poll(initialObservation(clock), now);
      assert.equal(o.leader, null);
      assert.ok(o.problems.some((p) => p.code === 'ORCH_TIMEOUT' && p.url === `${f.urls[0]}/api/leader-check`), JSON.stringify(o.problems));
    } finally {
      f.setHang(0, false);
    }
  });

  it('a follower forwards to the leader: the same answers; with the leader frozen it answers 502, empty', async () => {
    f.leader = 0;
    const paths = ['/api/downtimed', '/api/cluster/shop', '/api/cluster/alias/shop', '/api/master/shop', `/api/instance/${H}/3311`];
    for (const p of paths) {
      const [viaLeader, viaFollower] = await Promise.all([httpGet(f.urls[0]!, p, { timeoutMs: 1000 }), httpGet(f.urls[1]!, p, { timeoutMs: 1000 })]);
      assert.ok(viaLeader.ok && viaFollower.ok);
      assert.deepEqual([viaFollower.status, viaFollower.body], [viaLeader.status, viaLeader.body], p);
    }
    f.setHang(0, true);
    try {
      const r = await httpGet(f.urls[1]!, '/api/downtimed', { timeoutMs: 1000 });
      assert.ok(r.ok);
      assert.deepEqual([r.status, r.body], [502, '']);
    } finally {
      f.setHang(0, false);
    }
  });

  it('a malformed answer is a problem with a code, never a throw; the downtimes stay as they were', async () => {
    f.leader = 0;
    const good = await clientFor(f).poll(initialObservation(clock), now);
    clock += 1000;
    for (const [path, body] of [[/^\/api\/downtimed$/, '{"Key":'], [/^\/api\/downtimed$/, '[{"Key":{"Hostname":"x","Port":"3306"}}]'], [/^\/api\/downtimed$/, 'null']] as const) {
      f.setMalformed(0, path, body);
      const o = await clientFor(f).poll(good, now);
      assert.ok(codes(o).includes('ORCH_MALFORMED'), `${body}: ${JSON.stringify(o.problems)}`);
      assert.equal(o.leaderSeenAt, good.leaderSeenAt, body);
      assert.equal(inst(o, 3311)?.downtimed, true, body);
    }
    f.setMalformed(0, null);
  });

  it('an unknown cluster hint is ORCH_API_ERROR; a stopped member ORCH_UNREACHABLE; the others still answer', async () => {
    f.leader = 2;
    const o = await clientFor(f, { clusterHint: 'nosuch' }).poll(initialObservation(clock), now);
    assert.equal(o.leader, f.urls[2]);
    assert.ok(o.problems.some((p) => p.code === 'ORCH_API_ERROR' && p.message.includes('nosuch')), JSON.stringify(o.problems));
    await f.stopMember(1);
    try {
      const s = await clientFor(f).poll(initialObservation(clock), now);
      assert.equal(s.leader, f.urls[2]);
      assert.deepEqual(s.problems.map((p) => [p.code, p.url]), [['ORCH_UNREACHABLE', `${f.urls[1]}/api/leader-check`]]);
    } finally {
      await f.startMember(1);
    }
  });

  it('https against a plain HTTP member is ORCH_TLS', async () => {
    const o = await clientFor(f, { urls: [f.urls[0]!.replace('http:', 'https:')], tls: { verifyCertificate: true } }).poll(initialObservation(clock), now);
    assert.ok(o.problems.some((p) => p.code === 'ORCH_TLS'), JSON.stringify(o.problems));
  });

  it('rejects options it cannot use, naming the key', () => {
    assert.throws(() => clientFor(f, { urls: [] }), /orchestrator\.urls/);
    assert.throws(() => clientFor(f, { urls: ['orc1:3000'] }), /orchestrator\.urls: "orc1:3000"/);
    assert.throws(() => clientFor(f, { clusterHint: ' ' }), /orchestrator\.clusterHint/);
  });
});

describe('orchestrator client: basic auth', () => {
  it('a wrong password is ORCH_AUTH on every member; the right one reads', async () => {
    const f = await fakeGroup(Date.now, { user: 'warden', password: 'pw' });
    try {
      const bad = await clientFor(f, { auth: { user: 'warden', password: new Secret('nope') } }).poll(initialObservation(0));
      assert.deepEqual(codes(bad), ['ORCH_NO_LEADER', 'ORCH_AUTH', 'ORCH_AUTH', 'ORCH_AUTH']);
      const good = await clientFor(f, { auth: { user: 'warden', password: new Secret('pw') } }).poll(initialObservation(0));
      assert.equal(good.leader, f.urls[0]);
      assert.deepEqual(good.problems, []);
    } finally {
      await f.close();
    }
  });
});

describe('orchestrator source', () => {
  it('polls in the background, keeps the latest observation, and stops on close()', async () => {
    const f = await fakeGroup(Date.now);
    const source = new OrchestratorSource({ client: clientFor(f), intervalMs: 20 });
    try {
      assert.equal(source.latest().leader, null);
      source.start();
      const deadline = Date.now() + 10_000;
      while (source.latest().leaderSeenAt === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(source.latest().leader, f.urls[0]);
      f.leader = null;
      const seen = source.latest().leaderSeenAt;
      while (source.latest().leader !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(source.latest().leader, null);
      assert.equal(source.latest().leaderSeenAt !== null && seen !== null && source.latest().leaderSeenAt! >= seen, true);
    } finally {
      await source.close();
      await f.close();
    }
    const count = f.requests.length;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(f.requests.length, count);
  });
});
