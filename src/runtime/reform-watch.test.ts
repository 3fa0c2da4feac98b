import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataPathSignal } from '../model/tick.js';
import { buildTick, T0 } from '../report/testing/tick-fixtures.js';
import type { NodeSpec } from '../report/testing/tick-fixtures.js';
import type { GaleraView, WatchSession } from './reform-watch.js';
import { ReformWatch, reformWatchTargets, VIEW_QUERY, viewOfRows } from './reform-watch.js';
import { flush, ManualTimers } from './testing/manual-timers.js';

/** A node's Galera view as the fake server answers it; `fail` makes its sessions' login or queries fail. */
interface FakeNode { view: GaleraView; failLogin?: boolean; failQuery?: boolean }

class FakeSession implements WatchSession {
  readonly ready: Promise<void>;
  queries = 0;
  closed = false;
  destroyed = false;
  constructor(private readonly node: FakeNode) {
    this.ready = node.failLogin ? Promise.reject(new Error('login failed')) : Promise.resolve();
    this.ready.catch(() => undefined);
  }
  query(sql: string): Promise<unknown[]> {
    assert.equal(sql, VIEW_QUERY);
    this.queries++;
    if (this.closed || this.destroyed) return Promise.reject(new Error('closed'));
    if (this.node.failQuery) return Promise.reject(new Error('gone'));
    const v = this.node.view;
    const confId = v.confId < 0 ? '18446744073709551615' : String(v.confId);
    return Promise.resolve([['wsrep_cluster_conf_id', confId], ['wsrep_cluster_status', v.clusterStatus], ['wsrep_local_state', String(v.localState)]]);
  }
  close(): void {
    this.closed = true;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

const NON_PRIMARY: GaleraView = { clusterStatus: 'non-Primary', confId: -1, localState: 0 };
const PRIMARY_OF_TWO: GaleraView = { clusterStatus: 'Primary', confId: 9, localState: 4 };

/** node1 (the killed writer) refused; node2 and node3 as given (non-Primary by default, as the tick saw them). */
function tickWithoutWriter(seq: number, survivors: NodeSpec['state'] = 'non-primary', at?: number) {
  // a node outside a Primary component reports conf_id 2^64-1, which the probe reads as -1
  const status = survivors === 'non-primary' ? { status: { clusterConfId: -1 } } : {};
  return buildTick({ seq, epoch: 2, ...(at !== undefined && { at }), nodes: [{ name: 'node1', state: 'down' }, { name: 'node2', state: survivors, ...status }, { name: 'node3', state: survivors, ...status }] });
}

function tickWithWriter(seq: number, writer = 'node2') {
  return buildTick({ seq, epoch: 3, nodes: [{ name: 'node1', state: 'down' }, ...['node2', 'node3'].map((n) => ({ name: n, state: 'synced' as const, ...(n === writer && { writer: 'writer' as const }) }))] });
}

function harness(everyMs = 10) {
  const timers = new ManualTimers();
  const nodes: Record<string, FakeNode> = { node1: { view: NON_PRIMARY }, node2: { view: { ...NON_PRIMARY } }, node3: { view: { ...NON_PRIMARY } } };
  const sessions: { node: string; s: FakeSession }[] = [];
  const signals: DataPathSignal[] = [];
  const watch = new ReformWatch({
    everyMs,
    timers,
    epochNow: () => T0 + timers.t,
    open: (name) => {
      const s = new FakeSession(nodes[name]!);
      sessions.push({ node: name, s });
      return s;
    },
    signal: (s) => signals.push(s),
  });
  const queries = () => sessions.reduce((a, x) => a + x.s.queries, 0);
  const open = () => sessions.filter((x) => !x.s.closed && !x.s.destroyed).map((x) => x.node).sort();
  return { timers, nodes, sessions, signals, watch, queries, open };
}

describe('re-form watch: when it watches', () => {
  it('a routed writer: idle, nothing opened', () => {
    assert.deepEqual([...reformWatchTargets(tickWithWriter(1)).keys()], []);
    const h = harness();
    h.watch.update(tickWithWriter(1));
    assert.deepEqual(h.watch.watching(), []);
    assert.equal(h.sessions.length, 0);
    assert.equal(h.timers.due.size, 0);
  });

  it('no writer, survivors non-Primary: the reachable nodes, with the view the tick saw (a refused node is not polled)', () => {
    const targets = reformWatchTargets(tickWithoutWriter(1));
    assert.deepEqual([...targets.keys()].sort(), ['node2', 'node3']);
    assert.equal(targets.get('node2')!.clusterStatus, 'non-Primary');
  });

  it('no writer but every reachable node in a Synced Primary (a change of view is not what the decision waits for): idle', () => {
    const t = tickWithoutWriter(1, 'synced');
    assert.deepEqual(t.desired.writers, []);
    assert.deepEqual([...reformWatchTargets(t).keys()], []);
  });

  it('traffic switched off: idle', () => {
    const t = tickWithoutWriter(1);
    t.desired = { ...t.desired, trafficOff: 'switched off by ops' };
    assert.deepEqual([...reformWatchTargets(t).keys()], []);
  });

  it('parses a non-Primary conf_id (2^64-1) as -1, as the probe does', () => {
    assert.deepEqual(viewOfRows([['wsrep_cluster_status', 'non-Primary'], ['wsrep_cluster_conf_id', '18446744073709551615'], ['wsrep_local_state', '0']]), NON_PRIMARY);
  });
});

describe('re-form watch: polls, signals, stops', () => {
  it('polls every everyMs, one statement per node in flight; one view change gives exactly one signal, then no polls until a tick ends', async () => {
    const h = harness(10);
    h.watch.update(tickWithoutWriter(1));
    assert.deepEqual(h.open(), ['node2', 'node3']);
    await h.timers.advance(100);
    assert.equal(h.queries(), 20, '10 polls of 2 nodes in 100 ms');
    assert.equal(h.signals.length, 0, 'no change, no signal');

    // Galera re-forms: both survivors see the new Primary of two at the same moment
    h.nodes.node2!.view = { ...PRIMARY_OF_TWO };
    h.nodes.node3!.view = { ...PRIMARY_OF_TWO };
    await h.timers.advance(10);
    assert.equal(h.signals.length, 1, 'one signal for the change, not one per node');
    const s = h.signals[0]!;
    assert.equal(s.router, 'galera');
    assert.equal(s.kind, 'view-change');
    assert.equal(s.node, 'node2');
    assert.match(s.detail ?? '', /non-Primary conf_id -1 local_state 0 -> Primary conf_id 9 local_state 4/);
    const after = h.queries();
    await h.timers.advance(200);
    assert.equal(h.queries(), after, 'paused until a tick has ended');
    assert.equal(h.signals.length, 1);
  });

  it('the tick the signal ran routes a writer: the watch stops and closes its sessions', async () => {
    const h = harness(10);
    h.watch.update(tickWithoutWriter(1));
    await h.timers.advance(30);
    h.nodes.node2!.view = { ...PRIMARY_OF_TWO };
    await h.timers.advance(10);
    assert.equal(h.signals.length, 1);
    h.watch.update(tickWithWriter(2));
    assert.deepEqual(h.watch.watching(), []);
    assert.deepEqual(h.open(), [], 'every session closed');
    assert.ok(h.sessions.every((x) => x.s.closed));
    assert.equal(h.timers.due.size, 0, 'no timer left');
    const q = h.queries();
    await h.timers.advance(500);
    assert.equal(h.queries(), q);
  });

  it('a tick that started before the signal (in flight) leaves the watch paused; the one after it re-arms it, and a change its probes missed is signalled again', async () => {
    const h = harness(10);
    h.watch.update(tickWithoutWriter(1, 'non-primary', T0));
    h.nodes.node3!.view = { ...PRIMARY_OF_TWO, localState: 3 };
    await h.timers.advance(10);
    assert.equal(h.signals.length, 1);
    const signalAt = h.signals[0]!.at;
    // the scheduled tick that was in flight ends: it started before the signal
    h.watch.update(tickWithoutWriter(2, 'non-primary', signalAt - 5));
    const q = h.queries();
    await h.timers.advance(100);
    assert.equal(h.queries(), q, 'still paused: the triggered tick has not ended');
    // the triggered tick ends, but its probes still saw node3 non-Primary: the change is news to the decision
    h.watch.update(tickWithoutWriter(3, 'non-primary', signalAt + 1));
    await h.timers.advance(10);
    assert.equal(h.signals.length, 2);
    // a tick that saw it (Joined in a Primary): no further signal while nothing changes; no writer yet, so it keeps watching
    const t4 = tickWithoutWriter(4, 'non-primary', h.signals[1]!.at + 1);
    Object.assign(t4.observation.nodes.find((n) => n.node === 'node3')!.status!, { clusterStatus: 'Primary', clusterConfId: 9, localState: 3 });
    h.watch.update(t4);
    await h.timers.advance(100);
    assert.equal(h.signals.length, 2);
    assert.ok(h.queries() > q + 20, 'still watching');
    // Joined -> Synced is a change too
    h.nodes.node3!.view = { ...PRIMARY_OF_TWO };
    await h.timers.advance(10);
    assert.equal(h.signals.length, 3);
    assert.match(h.signals[2]!.detail ?? '', /local_state 3 -> Primary conf_id 9 local_state 4/);
  });

  it('a session that fails is dropped and opened again only at the next tick (no reconnect storm)', async () => {
    const h = harness(10);
    h.nodes.node3!.failLogin = true;
    h.watch.update(tickWithoutWriter(1));
    await h.timers.advance(100);
    assert.equal(h.sessions.filter((x) => x.node === 'node3').length, 1, 'one attempt per tick');
    assert.ok(h.sessions.find((x) => x.node === 'node3')!.s.destroyed);
    h.nodes.node2!.failQuery = true;
    await h.timers.advance(100);
    assert.equal(h.sessions.filter((x) => x.node === 'node2').length, 1);
    assert.ok(h.sessions.find((x) => x.node === 'node2')!.s.destroyed);
    h.nodes.node2!.failQuery = false;
    h.nodes.node3!.failLogin = false;
    h.watch.update(tickWithoutWriter(2));
    assert.equal(h.sessions.length, 4, 'both opened again at the tick');
    assert.equal(h.signals.length, 0, 'a failure is not a signal');
  });

  it('stop(): sessions closed, timer cleared, later ticks and answers ignored', async () => {
    const h = harness(10);
    h.watch.update(tickWithoutWriter(1));
    await h.timers.advance(20);
    h.watch.stop();
    assert.deepEqual(h.open(), []);
    assert.equal(h.timers.due.size, 0);
    h.nodes.node2!.view = { ...PRIMARY_OF_TWO };
    h.watch.update(tickWithoutWriter(2));
    await h.timers.advance(100);
    assert.equal(h.signals.length, 0);
    assert.equal(h.sessions.length, 2, 'nothing opened after stop');
  });

  it('an answer that arrives after stop() signals nothing', async () => {
    const h = harness(10);
    let answer: ((rows: unknown[]) => void) | undefined;
    h.watch.update(tickWithoutWriter(1));
    for (const x of h.sessions) x.s.query = () => new Promise((r) => (answer = r));
    await h.timers.advance(10);
    h.watch.stop();
    answer!([['wsrep_cluster_status', 'Primary'], ['wsrep_cluster_conf_id', '9'], ['wsrep_local_state', '4']]);
    await flush();
    assert.equal(h.signals.length, 0);
  });

  it('rejects a non-positive period', () => {
    assert.throws(() => new ReformWatch({ everyMs: 0, open: () => { throw new Error('never'); }, signal: () => undefined }), /reformWatchMs/);
  });
});
