import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Operation, ReadBack } from './history.js';
import type { RoutingSpan } from './history-checker.js';
import { checkHistory, describeVerdict, longestGap, routingAt } from './history-checker.js';

const NODES = ['node1', 'node2', 'node3'];

interface Built {
  ops: Operation[];
  readBack: ReadBack[];
  /** the stretches during which one node took every write: [node, start, end] */
  segments: { node: string; start: number; end: number }[];
}

/**
 * A history that holds: the writer moves between segments (never to the same node twice in a row), each
 * segment's writes lie inside it, segments are separated by a gap in which writes fail; every acked row is on
 * every node read back.
 */
const holding = fc
  .array(fc.record({ nodeStep: fc.integer({ min: 1, max: 2 }), writes: fc.array(fc.record({ at: fc.integer({ min: 0, max: 900 }), len: fc.integer({ min: 1, max: 99 }), client: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 8 }), gap: fc.integer({ min: 1, max: 500 }) }), { minLength: 1, maxLength: 6 })
  .map((segs): Built => {
    const ops: Operation[] = [];
    const segments: Built['segments'] = [];
    let node = 0;
    let t = 1000;
    let seq = 0;
    for (const s of segs) {
      node = (node + s.nodeStep) % NODES.length;
      const name = NODES[node]!;
      const start = t;
      for (const w of s.writes) {
        ops.push({ id: `w${seq++}`, kind: 'write', client: `c${w.client}`, router: 'r', invokeAt: start + w.at, completeAt: start + w.at + w.len, outcome: 'ok', node: name });
      }
      segments.push({ node: name, start, end: start + 1000 });
      t = start + 1000 + s.gap;
      ops.push({ id: `w${seq++}`, kind: 'write', client: 'c0', router: 'r', invokeAt: t - s.gap, completeAt: t, outcome: 'failed', error: 'connection refused' });
    }
    const rows = ops.filter((o) => o.outcome === 'ok').map((o) => ({ id: o.id, node: o.node! }));
    return { ops, segments, readBack: NODES.map((from) => ({ from, rows })) };
  });

describe('history checker', () => {
  it('passes histories that hold, with one window per segment', () => {
    fc.assert(fc.property(holding, (h) => {
      const v = checkHistory(h.ops, h.readBack, { maxWriterChanges: h.segments.length - 1 });
      assert.ok(v.ok, describeVerdict(v));
      assert.deepEqual(v.windows.map((w) => w.node), h.segments.map((s) => s.node));
      for (const [i, w] of v.windows.entries()) assert.ok(w.start >= h.segments[i]!.start && w.end <= h.segments[i]!.end);
    }));
  });

  it('an unknown write that did not commit, and a failed one, count for nothing', () => {
    fc.assert(fc.property(holding, fc.nat(), (h, pick) => {
      const seg = h.segments[pick % h.segments.length]!;
      const other = NODES.find((n) => n !== seg.node)!;
      const ops: Operation[] = [...h.ops,
        { id: 'u', kind: 'write', client: 'x', router: 'r', invokeAt: seg.start + 10, completeAt: seg.end - 10, outcome: 'unknown', error: 'timeout' },
        { id: 'f', kind: 'write', client: 'x', router: 'r', invokeAt: seg.start + 10, completeAt: seg.start + 20, outcome: 'failed', node: other, error: 'ER_LOCK_DEADLOCK' }];
      assert.ok(checkHistory(ops, h.readBack).ok);
    }));
  });

  it('catches a second node acknowledging a write while another node\'s write was in flight', () => {
    fc.assert(fc.property(holding, fc.nat(), fc.nat(), (h, pick, at) => {
      const acked = h.ops.filter((o) => o.outcome === 'ok');
      const w = acked[pick % acked.length]!;
      const other = NODES.find((n) => n !== w.node)!;
      // the rogue write's interval intersects w's
      const inv = w.invokeAt + (at % (w.completeAt - w.invokeAt));
      const rogue: Operation = { id: 'rogue', kind: 'write', client: 'x', router: 'r2', invokeAt: inv, completeAt: inv + 1, outcome: 'ok', node: other };
      const readBack = h.readBack.map((rb) => ({ ...rb, rows: [...rb.rows, { id: 'rogue', node: other }] }));
      const v = checkHistory([...h.ops, rogue], readBack);
      assert.ok(v.counts.overlap >= 1, describeVerdict(v));
      assert.ok(v.violations.some((x) => x.rule === 'overlap' && x.ids.includes('rogue') && x.ids.includes(w.id)));
    }));
  });

  it('catches an unknown write that committed on another node inside a window (unknowns count against the promise)', () => {
    fc.assert(fc.property(holding, fc.nat(), (h, pick) => {
      const seg = h.segments[pick % h.segments.length]!;
      const other = NODES.find((n) => n !== seg.node)!;
      const rogue: Operation = { id: 'rogue', kind: 'write', client: 'x', router: 'r2', invokeAt: seg.start, completeAt: seg.end, outcome: 'unknown', error: 'connection lost' };
      const readBack = h.readBack.map((rb) => ({ ...rb, rows: [...rb.rows, { id: 'rogue', node: other }] }));
      const v = checkHistory([...h.ops, rogue], readBack);
      assert.ok(v.counts.overlap >= 1, describeVerdict(v));
      assert.equal(v.totals.unknownCommitted, 1);
    }));
  });

  it('catches an acknowledged write missing on any node', () => {
    fc.assert(fc.property(holding, fc.nat(), fc.nat(), (h, pick, from) => {
      const acked = h.ops.filter((o) => o.outcome === 'ok');
      const gone = acked[pick % acked.length]!;
      const victim = from % h.readBack.length;
      const readBack = h.readBack.map((rb, i) => (i === victim ? { ...rb, rows: rb.rows.filter((r) => r.id !== gone.id) } : rb));
      const v = checkHistory(h.ops, readBack);
      assert.equal(v.counts.lost, 1);
      assert.deepEqual(v.violations[0]!.ids, [gone.id]);
      assert.match(v.violations[0]!.message, new RegExp(`missing on ${h.readBack[victim]!.from}$`));
    }));
  });

  it('catches a failed write whose row exists, and a row that names another node than the answer', () => {
    fc.assert(fc.property(holding, (h) => {
      const ok = h.ops.find((o) => o.outcome === 'ok')!;
      const failed = h.ops.find((o) => o.outcome === 'failed')!;
      const readBack = h.readBack.map((rb) => ({ ...rb, rows: [...rb.rows.map((r) => (r.id === ok.id ? { ...r, node: `${r.node}x` } : r)), { id: failed.id, node: ok.node! }] }));
      const v = checkHistory(h.ops, readBack);
      assert.equal(v.counts['failed-committed'], 1);
      assert.equal(v.counts['node-mismatch'], 1);
    }));
  });

  it('catches the writes moving more often than the store changed the writer (alternation without overlap)', () => {
    fc.assert(fc.property(holding, (h) => {
      fc.pre(h.segments.length >= 2);
      const v = checkHistory(h.ops, h.readBack, { maxWriterChanges: h.segments.length - 2 });
      assert.equal(v.counts['writer-changes'], 1);
      assert.equal(v.ok, false);
    }));
  });

  it('longest gap without an acknowledged write', () => {
    assert.deepEqual(longestGap([5, 6, 30], 0, 40), { from: 6, to: 30, ms: 24 });
    assert.deepEqual(longestGap([], 0, 40), { from: 0, to: 40, ms: 40 });
    const v = checkHistory([
      { id: 'a', kind: 'write', client: 'c', router: 'r', invokeAt: 0, completeAt: 10, outcome: 'ok', node: 'node1' },
      { id: 'b', kind: 'write', client: 'c', router: 'r', invokeAt: 10, completeAt: 500, outcome: 'failed' },
      { id: 'c', kind: 'write', client: 'c', router: 'r', invokeAt: 500, completeAt: 510, outcome: 'ok', node: 'node2' },
    ], [{ from: 'node1', rows: [{ id: 'a', node: 'node1' }, { id: 'c', node: 'node2' }] }]);
    assert.deepEqual(v.longestGap, { from: 10, to: 510, ms: 500 });
    assert.deepEqual(v.windows.map((w) => [w.node, w.start, w.end]), [['node1', 0, 10], ['node2', 500, 510]]);
  });

  /** the routing timeline of a holding history: each segment's node from its start, nobody in the gaps */
  const timeline = (h: Built): RoutingSpan[] => h.segments.flatMap((g) => [{ from: g.start - 1, writers: [g.node] }, { from: g.end, writers: [] }]);

  it('demoted-write: passes histories whose writes went to the node routed when they were sent', () => {
    fc.assert(fc.property(holding, (h) => {
      const v = checkHistory(h.ops, h.readBack, { routings: { r: timeline(h) } });
      assert.ok(v.ok, describeVerdict(v));
    }));
  });

  it('demoted-write: catches a write (acked, or unknown and committed) that landed on a node its router had already demoted', () => {
    fc.assert(fc.property(holding, fc.nat(), fc.boolean(), (h, pick, acked) => {
      const seg = h.segments[pick % h.segments.length]!;
      // sent 5 ms after the segment ended (its router demoted seg.node then), committed on seg.node
      const late: Operation = { id: 'late', kind: 'write', client: 'x', router: 'r', invokeAt: seg.end + 5, completeAt: seg.end + 6, outcome: acked ? 'ok' : 'unknown', ...(acked && { node: seg.node }) };
      const readBack = h.readBack.map((rb) => ({ ...rb, rows: [...rb.rows, { id: 'late', node: seg.node }] }));
      const v = checkHistory([...h.ops, late], readBack, { routings: { r: timeline(h) } });
      assert.equal(v.counts['demoted-write'], 1, describeVerdict(v));
      assert.deepEqual(v.violations.find((x) => x.rule === 'demoted-write')?.ids, ['late']);
      assert.equal(v.ok, false);
      // a router without a timeline is not judged by this rule
      assert.equal(checkHistory([...h.ops, late], readBack, { routings: { other: timeline(h) } }).counts['demoted-write'], 0);
    }));
  });

  it('demoted-write: a write sent while a routing that adds the node is being applied is not one', () => {
    const spans: RoutingSpan[] = [{ from: 10, writers: ['a'] }, { from: 20, writers: [] }, { decidedAt: 25, from: 40, writers: ['b'] }];
    const op = (id: string, t: number, node: string): Operation => ({ id, kind: 'write', client: 'c', router: 'r', invokeAt: t, completeAt: t + 1, outcome: 'ok', node });
    const ops = [op('a1', 12, 'a'), op('a2', 22, 'a'), op('b1', 23, 'b'), op('b2', 30, 'b'), op('b3', 45, 'b')];
    const v = checkHistory(ops, [{ from: 'a', rows: ops.map((o) => ({ id: o.id, node: o.node! })) }], { routings: { r: spans } });
    assert.deepEqual(v.violations.filter((x) => x.rule === 'demoted-write').map((x) => x.ids[0]), ['a2', 'b1']);
  });

  it('demoted-write: a write the router held while it had no writer, answered after the next routing was decided, is not one', () => {
    const spans: RoutingSpan[] = [{ from: 10, writers: ['a'] }, { from: 20, writers: [] }, { decidedAt: 25, from: 40, writers: ['b'] }];
    const op = (id: string, t: number, done: number, node: string): Operation => ({ id, kind: 'write', client: 'c', router: 'r', invokeAt: t, completeAt: done, outcome: 'ok', node });
    // held from 22 (no writer) and run on b once b was routed: fine; one that ran on the demoted a: still caught
    const ops = [op('held', 22, 41, 'b'), op('late-a', 22, 41, 'a'), op('early-b', 21, 24, 'b')];
    const v = checkHistory(ops, [{ from: 'a', rows: ops.map((o) => ({ id: o.id, node: o.node! })) }], { routings: { r: spans } });
    assert.deepEqual(v.violations.filter((x) => x.rule === 'demoted-write').map((x) => x.ids[0]).sort(), ['early-b', 'late-a']);
  });

  it('routingAt: the span in force at a time, none before the first', () => {
    const spans = [{ from: 10, writers: ['a'] }, { from: 20, writers: [] }, { from: 30, writers: ['b'] }];
    assert.deepEqual([5, 10, 19, 20, 29, 30, 99].map((t) => routingAt(spans, t)?.writers.join(',') ?? 'none'), ['none', 'a', 'a', '', '', 'b', 'b']);
  });
});
