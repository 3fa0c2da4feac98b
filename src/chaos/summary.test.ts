import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Operation } from '../check/history.js';
import { checkHistory } from '../check/history-checker.js';
import type { RoundRecord } from './summary.js';
import { byKind, kindsTable, roundsTable, summarizeRounds } from './summary.js';

const w = (id: string, invokeAt: number, completeAt: number, outcome: Operation['outcome'], node?: string): Operation => ({ id, kind: 'write', client: 'c', router: 'proxy-a', invokeAt, completeAt, outcome, ...(node && { node }) });
const round = (n: number, startAt: number, kind: string, endAt: number): RoundRecord => ({
  round: n, faults: [{ kind, target: 'node1', role: 'writer' }], startAt, injectedAt: startAt + 10, healedAt: startAt + 500, recoveredAt: startAt + 700, endAt, writerBefore: 'node1', writerAfter: 'node2', repairs: [],
});

describe('chaos round summaries', () => {
  it('counts writes, the no-write gap and the recovery per round, and puts each violation in the round of its latest write', () => {
    const ops = [
      w('a', 0, 5, 'ok', 'node1'), w('b', 20, 30, 'unknown'), w('c', 40, 50, 'failed'), w('d', 800, 810, 'ok', 'node2'),
      w('e', 1100, 1110, 'ok', 'node2'), w('f', 1105, 1120, 'ok', 'node3'), w('g', 1900, 1910, 'ok', 'node3'),
    ];
    const rb = ['node1', 'node2', 'node3'].map((from) => ({ from, rows: ops.filter((o) => o.outcome === 'ok').map((o) => ({ id: o.id, node: o.node! })) }));
    const v = checkHistory(ops, rb);
    assert.equal(v.counts.overlap, 1, 'e on node2 and f on node3 overlap');
    const rounds = [round(1, 0, 'kill', 1000), round(2, 1000, 'freeze', 2000)];
    const s = summarizeRounds(rounds, ops, v);
    assert.deepEqual(s.map((x) => [x.round, x.writes, x.split, x.lost, x.gapMs, x.recoverMs]), [
      [1, { ok: 2, failed: 1, unknown: 1 }, 0, 0, 800, 200],
      [2, { ok: 3, failed: 0, unknown: 0 }, 1, 0, 790, 200],
    ]);
    assert.equal(s[0]!.faults, 'kill node1 (writer)');
    assert.deepEqual(byKind(rounds, s), [{ kind: 'freeze', rounds: 1, medianGapMs: 790, maxGapMs: 790 }, { kind: 'kill', rounds: 1, medianGapMs: 800, maxGapMs: 800 }]);
    const t = roundsTable(s).split('\n');
    assert.equal(t.length, 4);
    assert.match(t[0]!, /^round\s+fault\s+writers\s+no-write gap/);
    assert.match(t[3]!, /^2\s+freeze node1 \(writer\)\s+node1 -> node2\s+0\.79 s\s+0\.20 s\s+3\s+0\s+0\s+1\s+0\s+0$/);
    assert.match(kindsTable(byKind(rounds, s)), /kill\s+1\s+0\.80 s\s+0\.80 s/);
  });

  it('a round that never recovered says NO', () => {
    const r = { ...round(1, 0, 'kill', 1000), recoveredAt: null };
    const s = summarizeRounds([r], [], checkHistory([], []));
    assert.equal(s[0]!.recoverMs, null);
    assert.match(roundsTable(s), /\bNO\b/);
  });
});
