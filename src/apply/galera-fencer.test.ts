import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { Secret } from '../config/secret.js';
import type { EvictionPlan, FencingPlan } from '../model/fencing.js';
import { DEFAULT_FENCING_CONFIG } from '../model/fencing.js';
import type { NodeSpec } from '../model/node.js';
import { FakeGaleraServer } from '../observe/testing/fake-galera-server.js';
import { GaleraFencer, hookEnv } from './galera-fencer.js';

const UUID = 'ccf111cf-e617-11f1-adf4-ba5b312d053a';
const nodes: NodeSpec[] = [1, 2, 3].map((i) => ({ name: `node${i}`, host: '127.0.0.1', port: 1, weight: 0 }));
const probe = { user: 'warden', password: new Secret('pw'), connectTimeoutMs: 300, timeoutMs: 500 };
const plan = (evict?: Partial<EvictionPlan>, more: Partial<FencingPlan> = {}): FencingPlan => ({
  operative: { operative: true, reason: null, missing: [] }, clear: [], spared: [], findings: [],
  ...(evict ? { evict: { node: 'node1', uuid: UUID, reason: 'dead', via: ['node2', 'node3'], groupCheck: false, evidence: [], view: { stateUuid: UUID, confId: 3 }, ...evict } } : {}),
  ...more,
});

function fencer(o: { fail?: string[]; group?: 'answered' | 'stalled' | 'error'; hook?: string[] } = {}) {
  const statements: [string, string][] = [];
  const f = new GaleraFencer({
    nodes, probe, config: { ...DEFAULT_FENCING_CONFIG, mode: 'unresponsive', ...(o.hook ? { restartHook: o.hook } : {}) },
    run: async (node, sqls) => {
      if (o.fail?.includes(node.name)) throw new Error(`${node.name}: connection refused`);
      for (const s of sqls) statements.push([node.name, s]);
    },
    groupCheck: async () => {
      if (o.group === 'error') throw new Error('connect ECONNREFUSED');
      return o.group ?? 'stalled';
    },
  });
  return { f, statements };
}

describe('galera fencer (executor)', () => {
  it('evicts through the first survivor that answers, with the exact statement', async () => {
    const { f, statements } = fencer({ fail: ['node2'] });
    const out = await f.execute(plan({}));
    assert.equal(out.evict?.done, true);
    assert.equal(out.evict?.via, 'node3');
    assert.deepEqual(statements, [['node3', `SET GLOBAL wsrep_provider_options='evs.evict=${UUID}'`]]);
  });

  it('unresponsive: evicts only when the causal read on a survivor stalls', async () => {
    const stalled = fencer({ group: 'stalled' });
    const a = await stalled.f.execute(plan({ reason: 'unresponsive', groupCheck: true }));
    assert.equal(a.evict?.done, true);
    assert.equal(a.evict?.groupStalled, true);
    const answered = fencer({ group: 'answered' });
    const b = await answered.f.execute(plan({ reason: 'unresponsive', groupCheck: true }));
    assert.equal(b.evict?.done, false);
    assert.equal(b.evict?.groupStalled, false);
    assert.deepEqual(answered.statements, []);
    const broken = fencer({ group: 'error' });
    const c = await broken.f.execute(plan({ reason: 'unresponsive', groupCheck: true }));
    assert.equal(c.evict?.done, false);
    assert.match(c.evict?.error ?? '', /group check on node2 failed/);
    assert.deepEqual(broken.statements, []);
  });

  it('refuses anything but a gcomm uuid (it is spliced into SET GLOBAL)', async () => {
    const { f, statements } = fencer();
    const out = await f.execute(plan({ uuid: "x'; SET GLOBAL read_only=1; --" }));
    assert.equal(out.evict?.done, false);
    assert.deepEqual(statements, []);
  });

  it('never throws: no survivor answering is an outcome', async () => {
    const { f } = fencer({ fail: ['node2', 'node3'] });
    const out = await f.execute(plan({}));
    assert.equal(out.evict?.done, false);
    assert.match(out.evict?.error ?? '', /node2: .*refused.*node3/);
  });

  it('clears evict lists with an empty evs.evict, each survivor on its own', async () => {
    const { f, statements } = fencer({ fail: ['node3'] });
    const out = await f.execute(plan(undefined, { clear: [{ node: 'node2', uuids: [UUID], why: '' }, { node: 'node3', uuids: [UUID], why: '' }] }));
    assert.deepEqual(out.cleared.map((c) => [c.node, c.ok]), [['node2', true], ['node3', false]]);
    assert.deepEqual(statements, [['node2', "SET GLOBAL wsrep_provider_options='evs.evict='"]]);
  });

  it('runs the restart hook with the node filled in, in the background, and reports its end on a later call', async () => {
    const { f } = fencer({ hook: [process.execPath, '-e', 'console.log("restarting " + process.argv[1])', '{node}'] });
    const out = await f.execute(plan(undefined, { restart: { node: 'node3', uuid: UUID, why: '' } }));
    assert.equal(out.restart?.started, true);
    const deadline = Date.now() + 5000;
    let finished: Awaited<ReturnType<GaleraFencer['execute']>>['restartsFinished'] = [];
    while (finished.length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      finished = (await f.execute(plan())).restartsFinished;
    }
    assert.equal(finished[0]?.ok, true);
    assert.match(finished[0]?.output ?? '', /restarting node3/);
  });

  it('the restart hook gets PATH, HOME, LANG and the node placeholders only, never a password variable', async () => {
    const env = { PATH: '/usr/bin:/bin', HOME: '/home/warden', LANG: 'C.UTF-8', GALERA_WARDEN_PASSWORD: 'pw', MYSQL_PWD: 'pw', GW_API_PASSWORD: 'x', AWS_SECRET_ACCESS_KEY: 'k' };
    assert.deepEqual(hookEnv(env, { name: 'node3', host: '10.0.0.3', port: 3306, weight: 0 }, UUID), {
      PATH: '/usr/bin:/bin', HOME: '/home/warden', LANG: 'C.UTF-8', GW_NODE: 'node3', GW_HOST: '10.0.0.3', GW_PORT: '3306', GW_UUID: UUID,
    });
    // and the spawned hook sees exactly that, whatever the warden's own environment holds
    process.env.GALERA_WARDEN_TEST_PASSWORD = 'secret';
    try {
      const { f } = fencer({ hook: [process.execPath, '-e', 'console.log(Object.keys(process.env).sort().join(","))'] });
      await f.execute(plan(undefined, { restart: { node: 'node3', uuid: UUID, why: '' } }));
      const deadline = Date.now() + 5000;
      let finished: Awaited<ReturnType<GaleraFencer['execute']>>['restartsFinished'] = [];
      while (finished.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        finished = (await f.execute(plan())).restartsFinished;
      }
      const keys = (finished[0]?.output ?? '').split(',').filter((k) => !['PATH', 'HOME', 'LANG'].includes(k));
      assert.deepEqual(keys, ['GW_HOST', 'GW_NODE', 'GW_PORT', 'GW_UUID']);
    } finally {
      delete process.env.GALERA_WARDEN_TEST_PASSWORD;
    }
  });

  it('against real sockets: a survivor that accepts TCP but never greets is an error, never taken for a stalled group', async () => {
    const silent = await FakeGaleraServer.start({ mode: 'silent' });
    const f = new GaleraFencer({ nodes: [{ name: 'node2', host: '127.0.0.1', port: silent.port, weight: 0 }], probe, config: { ...DEFAULT_FENCING_CONFIG, mode: 'unresponsive', actionTimeoutMs: 200, groupCheckTimeoutMs: 50 } });
    const out = await f.execute(plan({ via: ['node2'], groupCheck: true, reason: 'unresponsive' }));
    assert.equal(out.evict?.done, false);
    assert.match(out.evict?.error ?? '', /group check on node2 failed/);
    await silent.close();
  });

  it('against real sockets: a refused port fails the statement within the deadline', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    const f = new GaleraFencer({ nodes: [{ name: 'node2', host: '127.0.0.1', port, weight: 0 }], probe, config: { ...DEFAULT_FENCING_CONFIG, mode: 'dead' } });
    const t = Date.now();
    const out = await f.execute(plan({ via: ['node2'] }));
    assert.equal(out.evict?.done, false);
    assert.ok(Date.now() - t < 10_000, 'ended by its own deadline, not hung');
  });
});

describe('galera fencer: on the probe\'s kept session ([probe] reuseConnection)', () => {
  const closedPort = async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise<void>((r) => srv.close(() => r()));
    return port;
  };
  const kept = (query: (sql: string) => Promise<unknown[]>) => {
    const calls: string[] = [];
    const released: boolean[] = [];
    const destroyed: (string | undefined)[] = [];
    return {
      calls, released, destroyed,
      lend: { session: { query: (sql: string) => (calls.push(sql), query(sql)), destroy: (why?: string) => void destroyed.push(why) }, release: (keep: boolean) => void released.push(keep) },
    };
  };

  it('evicts on the lent session and hands it back; no connection is opened', async () => {
    // the node's port refuses: a fresh session could not have done it
    const node = { name: 'node2', host: '127.0.0.1', port: await closedPort(), weight: 0 };
    const k = kept(async () => []);
    const f = new GaleraFencer({ nodes: [node], probe, config: { ...DEFAULT_FENCING_CONFIG, mode: 'dead' }, kept: () => k.lend });
    const out = await f.execute(plan({ via: ['node2'] }));
    assert.equal(out.evict?.done, true, out.evict?.error);
    assert.deepEqual(k.calls, [`SET GLOBAL wsrep_provider_options='evs.evict=${UUID}'`]);
    assert.deepEqual(k.released, [true]);
  });

  it('a lent session that fails is dropped and the statement retried once on a fresh session', async () => {
    // the node accepts TCP and closes at once: the fresh attempt is seen (one connection) and fails
    const fake = await FakeGaleraServer.start({ mode: 'close' });
    try {
      const node = { name: 'node2', host: '127.0.0.1', port: fake.port, weight: 0 };
      const k = kept(async () => {
        throw Object.assign(new Error('the connection closed'), { fatal: true });
      });
      const f = new GaleraFencer({ nodes: [node], probe, config: { ...DEFAULT_FENCING_CONFIG, mode: 'dead' }, kept: () => k.lend });
      const out = await f.execute(plan({ via: ['node2'] }));
      assert.deepEqual(k.released, [false]);
      assert.equal(fake.connections, 1, 'one fresh session after the lent one failed');
      assert.equal(out.evict?.done, false);
      assert.match(out.evict?.error ?? '', /node2/);
    } finally {
      await fake.close();
    }
  });

  it('a lent session that hangs is destroyed by the statement deadline; the eviction fails, nothing hangs', async () => {
    const node = { name: 'node2', host: '127.0.0.1', port: await closedPort(), weight: 0 };
    const k = kept(() => new Promise<unknown[]>(() => undefined));
    const f = new GaleraFencer({ nodes: [node], probe, config: { ...DEFAULT_FENCING_CONFIG, mode: 'dead', actionTimeoutMs: 100 } });
    const withKept = new GaleraFencer({ nodes: [node], probe, config: { ...DEFAULT_FENCING_CONFIG, mode: 'dead', actionTimeoutMs: 100 }, kept: () => k.lend });
    assert.equal((await f.execute(plan({ via: ['node2'] }))).evict?.done, false);
    const out = await withKept.execute(plan({ via: ['node2'] }));
    assert.equal(out.evict?.done, false);
    assert.deepEqual(k.destroyed, ['fencing statement deadline']);
    assert.deepEqual(k.released, [false]);
  });
});
