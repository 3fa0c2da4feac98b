// The Galera-table writer store against a real 3-node cluster: the shared store contract (writer-store-contract.ts,
// instances through different nodes), two instances racing compare-and-set from the same epoch through different
// nodes (exactly one wins each round, the loser sees the winner's record), and a node outside the Primary
// component (gmcast.isolate=1) refusing writes through it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GaleraWriterStore } from '../src/coordinate/galera-writer-store.js';
import { writerStoreContract } from '../src/coordinate/writer-store-contract.js';
import type { StoreNode } from '../src/coordinate/galera-writer-store.js';
import type { CasResult, WriterRecordChange } from '../src/model/writer-record.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import { startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';

const SLOT = 0;
const BASE_PORT = 29000;
const ROUNDS = 20;

describe('Galera writer store (real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  const stores: GaleraWriterStore[] = [];
  let nodes: StoreNode[] = [];

  const store = (order: number[], timeoutMs = 10_000): GaleraWriterStore => {
    const s = new GaleraWriterStore({
      cluster: 'race',
      nodes: order.map((i) => nodes[i - 1]!),
      session: { user: 'warden', password: sb!.password('warden'), connectTimeoutMs: 3000 },
      timeoutMs,
    });
    stores.push(s);
    return s;
  };
  const change = (writers: string[], setBy: string): WriterRecordChange => ({ writers, setBy, setAt: Date.now(), maintenance: [], trafficEnabled: true, message: '' });
  const status = async (i: number): Promise<string> => (await sb!.sql(i, "SHOW GLOBAL STATUS LIKE 'wsrep_cluster_status'"))[0]?.[1] ?? '?';

  before(async () => {
    sb = await startSandbox(SLOT, { basePort: BASE_PORT });
    nodes = sb.layout.nodes.map((n) => ({ name: n.name, host: n.host, port: n.sqlPort }));
  });

  after(async () => {
    for (const s of stores) s.destroy();
    await stopSandbox(sb);
  });

  writerStoreContract('galera', () => ({
    open: (cluster, instance) => {
      const i = Number(instance.replace(/\D/g, '') || instance.charCodeAt(0)) % 3;
      const s = new GaleraWriterStore({ cluster, nodes: [0, 1, 2].map((k) => nodes[(i + k) % 3]!), session: { user: 'warden', password: sb!.password('warden'), connectTimeoutMs: 3000 }, timeoutMs: 10_000 });
      stores.push(s);
      return s;
    },
    racers: 3,
    close: () => Promise.resolve(),
  }));

  it('creates its table on the first write and reads back what it wrote through another node', async () => {
    const a = store([1, 2, 3]);
    const b = store([2, 3, 1]);
    assert.deepEqual(await a.read(), { ok: true, record: null });
    const first = await a.compareAndSet(0, change(['node1'], 'a'));
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.record.epoch, 1);
    const seen = await b.read();
    assert.ok(seen.ok);
    assert.deepEqual([seen.record?.epoch, seen.record?.writers, seen.record?.setBy], [1, ['node1'], 'a']);
    const again = await b.compareAndSet(0, change(['node2'], 'b'));
    assert.ok(!again.ok && again.error === undefined, JSON.stringify(again));
    assert.equal(again.current?.setBy, 'a');
  });

  it(`two instances racing ${ROUNDS} compare-and-sets from the same epoch through different nodes: exactly one wins each round`, async () => {
    const a = store([1, 2, 3]);
    const b = store([3, 2, 1]);
    let winsA = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const r = await a.read();
      assert.ok(r.ok && r.record);
      const e = r.record.epoch;
      // alternate which instance sends first, so that both sides win some rounds
      const casA = () => a.compareAndSet(e, change([`node${1 + (round % 3)}`], 'a'));
      const casB = () => b.compareAndSet(e, change([`node${1 + ((round + 1) % 3)}`], 'b'));
      let ra: CasResult;
      let rb: CasResult;
      if (round % 2 === 0) [ra, rb] = await Promise.all([casA(), casB()]);
      else [rb, ra] = await Promise.all([casB(), casA()]);
      assert.ok(ra.error === undefined && rb.error === undefined, `round ${round}: ${JSON.stringify([ra, rb])}`);
      assert.equal([ra, rb].filter((x) => x.ok).length, 1, `round ${round}: ${JSON.stringify([ra, rb])}`);
      const winner = ra.ok ? ra.record : rb.ok ? rb.record : undefined;
      const loser = ra.ok ? rb : ra;
      assert.ok(winner && !loser.ok);
      assert.equal(winner.epoch, e + 1);
      // the loser's re-read shows the winner's record
      assert.deepEqual([loser.current?.epoch, loser.current?.setBy, loser.current?.writers], [e + 1, winner.setBy, winner.writers]);
      const check = await b.read();
      assert.ok(check.ok);
      assert.deepEqual([check.record?.epoch, check.record?.setBy], [e + 1, winner.setBy]);
      if (ra.ok) winsA++;
    }
    console.log(`# ${ROUNDS} races, each with exactly one winner: instance a (via node1) won ${winsA}, b (via node3) won ${ROUNDS - winsA}`);
  });

  it('a node outside the Primary component refuses reads and writes through it; a store that lists another node skips it', async () => {
    await sb!.sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=1'");
    try {
      await waitFor('node3 to leave the Primary component', 60_000, async () => ((await status(3)) !== 'Primary' ? true : undefined), 250);
      const only3 = store([3]);
      const before = await store([1]).read();
      assert.ok(before.ok && before.record);
      const w = await only3.compareAndSet(before.record.epoch, change(['node3'], 'minority'));
      assert.ok(!w.ok && w.error !== undefined, JSON.stringify(w));
      assert.equal(w.error.code, 'COORD_NOT_PRIMARY');
      assert.match(w.error.message, /node3 \(127\.0\.0\.1:\d+\) is not in the Primary component/);
      const r = await only3.read();
      assert.ok(!r.ok && r.error.code === 'COORD_NOT_PRIMARY');
      const after = await store([1]).read();
      assert.ok(after.ok);
      assert.equal(after.record?.epoch, before.record.epoch, 'the minority node moved the record');
      const skipping = store([3, 2]);
      const moved = await skipping.compareAndSet(before.record.epoch, change(['node2'], 'majority'));
      assert.ok(moved.ok, JSON.stringify(moved));
      assert.deepEqual(moved.record.writers, ['node2']);
    } finally {
      await sb!.sql(3, "SET GLOBAL wsrep_provider_options='gmcast.isolate=0'");
    }
    await waitFor('node3 to rejoin the Primary component', 120_000, async () => ((await status(3)) === 'Primary' ? true : undefined), 500);
    const back = await store([3]).read();
    assert.ok(back.ok);
    assert.deepEqual(back.record?.writers, ['node2']);
  });

  it('an account without UPDATE on the table gets COORD_ACCESS_DENIED, naming the node', async () => {
    await sb!.sql(1, "CREATE USER 'gw_ro'@'%' IDENTIFIED BY 'ro-Pw-123'; GRANT SELECT ON galera_warden.* TO 'gw_ro'@'%'");
    const ro = new GaleraWriterStore({ cluster: 'race', nodes: [nodes[0]!], session: { user: 'gw_ro', password: 'ro-Pw-123', connectTimeoutMs: 3000 }, timeoutMs: 10_000 });
    stores.push(ro);
    const r = await ro.read();
    assert.ok(r.ok && r.record);
    const w = await ro.compareAndSet(r.record.epoch, change(['node1'], 'ro'));
    assert.ok(!w.ok && w.error !== undefined, JSON.stringify(w));
    assert.equal(w.error.code, 'COORD_ACCESS_DENIED');
    assert.match(w.error.message, /node1 \(127\.0\.0\.1:\d+\).*UPDATE command denied/);
  });

  it('a frozen node: alone it makes the operation fail by the hard timeout; listed first, its share runs out and the next node answers (once the group has excluded it)', async () => {
    const alone = store([2], 1500);
    const first = store([2, 1], 3000);
    assert.ok((await alone.read()).ok);
    assert.ok((await first.read()).ok);
    sb!.freeze(2);
    try {
      const r = await alone.read();
      assert.ok(!r.ok);
      assert.equal(r.error.code, 'COORD_TIMEOUT');
      // the group itself stalls (causal reads and commits wait) until it excludes the frozen member
      const viaNode1 = await waitFor('a read through node1 once the group has excluded frozen node2', 90_000, async () => {
        const r2 = await first.read();
        return r2.ok && r2.record ? r2 : undefined;
      }, 200);
      assert.ok(viaNode1.ok && viaNode1.record);
      const w = await store([2, 1], 3000).compareAndSet(viaNode1.record.epoch, change(['node1'], 'skipper'));
      assert.ok(w.ok, JSON.stringify(w));
      assert.equal(w.record.epoch, viaNode1.record.epoch + 1);
    } finally {
      sb!.thaw(2);
    }
  });
});
