// The fencing planner, one test per safety rule: each scenario is a short run of ticks through decide() and
// planFencing(), and says which node is evicted (or spared, with which rule's code).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecideConfig } from '../model/decide-config.js';
import type { FencingConfig, SpareCode } from '../model/fencing.js';
import { FENCING_CODE } from '../model/fencing.js';
import type { FakeExecution, NodeLook, ViewLook } from './fencing-fixtures.js';
import { FencingSim, clusterAt, decideConfigFor, fencingConfig } from './fencing-fixtures.js';
import { gcommUuid } from './fixtures.js';

const T0 = 1_000_000;
const at = (ms: number) => T0 + ms;

interface Step {
  ms: number;
  looks?: Record<string, NodeLook>;
  view: ViewLook;
  exec?: FakeExecution;
}

interface Case {
  name: string;
  nodes?: number;
  decide?: Partial<DecideConfig>;
  fencing?: Partial<FencingConfig>;
  steps: Step[];
  /** on the last step: the node evicted (with the reason), or null for none */
  evicts: { node: string; reason: 'dead' | 'unresponsive'; groupCheck?: boolean } | null;
  /** on the last step: nodes spared and the rule that spared them */
  spared?: Record<string, SpareCode>;
}

const healthy = (confId = 3): Step => ({ ms: 0, view: { confId } });
const three = (ms: number, looks: Record<string, NodeLook>, view: ViewLook = { confId: 3 }, exec?: FakeExecution): Step => ({ ms, looks, view, ...(exec ? { exec } : {}) });

const CASES: Case[] = [
  {
    name: 'dead: a writer that served and now refuses is evicted at once, through the new writer, when the survivors are a majority',
    steps: [healthy(), three(100, { node1: { kind: 'refused' } })],
    evicts: { node: 'node1', reason: 'dead', groupCheck: false },
  },
  {
    name: 'off: nothing is planned whatever happens',
    fencing: { mode: 'off' },
    steps: [healthy(), three(100, { node1: { kind: 'refused' } })],
    evicts: null,
  },
  {
    name: 'refused proves death only for a member seen serving: a node never seen serving since the warden started is spared',
    steps: [three(0, { node1: { kind: 'refused' } })],
    evicts: null,
    spared: { node1: 'NOT_SEEN_SERVING' },
  },
  {
    name: 'a node that restarted (new id) and refuses while it joins (SST/IST) is spared: not seen serving since its start',
    steps: [
      healthy(),
      three(100, { node3: { kind: 'nonPrimary', incarnation: 2 } }, { confId: 3 }),
      three(200, { node3: { kind: 'refused' } }, { confId: 4, members: [['node1', 1], ['node2', 1], ['node3', 2]] }),
    ],
    evicts: null,
    spared: { node3: 'NOT_SEEN_SERVING' },
  },
  {
    name: 'the survivors list a new incarnation of the refused node (it restarted and is joining): spared',
    steps: [healthy(), three(100, { node3: { kind: 'refused' } }, { confId: 4, members: [['node1', 1], ['node2', 1], ['node3', 1], ['node3', 2]] })],
    evicts: null,
    spared: { node3: 'JOINING' },
  },
  {
    name: 'never from a minority: one survivor of a view of three is not a majority',
    steps: [healthy(), three(100, { node1: { kind: 'refused' }, node2: { kind: 'timeout' } })],
    evicts: null,
    spared: { node1: 'NO_MAJORITY', node2: 'MODE' },
  },
  {
    name: 'never without a trusted Primary component: non-Primary survivors evict nothing',
    steps: [healthy(), three(100, { node1: { kind: 'refused' }, node2: { kind: 'nonPrimary' }, node3: { kind: 'nonPrimary' } })],
    evicts: null,
    spared: { node1: 'NO_PRIMARY' },
  },
  {
    name: 'never the last writer candidate: survivors that may not write (not candidates) spare it',
    decide: { nodes: decideConfigFor(3).nodes.map((n) => (n.name === 'node1' ? n : { ...n, writerCandidate: false })) },
    steps: [healthy(), three(100, { node1: { kind: 'refused' } })],
    evicts: null,
    spared: { node1: 'LAST_WRITER_CANDIDATE' },
  },
  {
    name: 'never the last writer candidate: read_only survivors spare it',
    steps: [healthy(), three(100, { node1: { kind: 'refused' }, node2: { kind: 'serving', over: { readOnly: true } }, node3: { kind: 'serving', over: { readOnly: true } } })],
    evicts: null,
    spared: { node1: 'LAST_WRITER_CANDIDATE' },
  },
  {
    name: 'never the last writer candidate by decide()\'s verdict: survivors under pxc_maint_mode or with refused table access do not count',
    steps: [
      healthy(),
      three(100, {
        node1: { kind: 'refused' },
        node2: { kind: 'serving', over: { pxcMaintMode: 'MAINTENANCE' } },
        node3: { kind: 'serving', over: { tableAccess: { ok: false, errno: 1047, message: 'WSREP has not yet prepared node for application use' } } },
      }),
    ],
    evicts: null,
    spared: { node1: 'LAST_WRITER_CANDIDATE' },
  },
  {
    name: 'never the last writer candidate by decide()\'s verdict: a survivor still serving out its hold time does not count',
    // node2 may never write; node3 left the Primary component and is back, healthy, but for less than minHoldMs
    decide: { minHoldMs: 60_000, nodes: decideConfigFor(3).nodes.map((n) => (n.name === 'node2' ? { ...n, writerCandidate: false } : n)) },
    steps: [
      healthy(),
      three(100, { node3: { kind: 'nonPrimary' } }),
      three(200, {}),
      three(300, { node1: { kind: 'refused' } }),
    ],
    evicts: null,
    spared: { node1: 'LAST_WRITER_CANDIDATE' },
  },
  {
    name: 'at most one eviction per window: a second dead node 10 s after the first is spared (5 nodes)',
    nodes: 5,
    fencing: { windowMs: 60_000 },
    steps: [
      healthy(),
      { ms: 100, looks: { node1: { kind: 'refused' } }, view: { confId: 3 } },
      { ms: 10_000, looks: { node1: { kind: 'refused' }, node2: { kind: 'refused' } }, view: { confId: 4, members: [['node2', 1], ['node3', 1], ['node4', 1], ['node5', 1]] } },
    ],
    evicts: null,
    spared: { node2: 'WINDOW' },
  },
  {
    name: 'after the window the next dead node may be evicted (5 nodes)',
    nodes: 5,
    fencing: { windowMs: 5000 },
    steps: [
      healthy(),
      { ms: 100, looks: { node1: { kind: 'refused' } }, view: { confId: 3 } },
      { ms: 10_000, looks: { node1: { kind: 'refused' }, node2: { kind: 'refused' } }, view: { confId: 4, members: [['node2', 1], ['node3', 1], ['node4', 1], ['node5', 1]] } },
    ],
    evicts: { node: 'node2', reason: 'dead' },
  },
  {
    name: 'dead mode never acts on a timeout',
    steps: [healthy(), three(100, { node1: { kind: 'timeout' } })],
    evicts: null,
    spared: { node1: 'MODE' },
  },
  {
    name: 'unresponsive: a timed-out writer is planned for eviction behind a group check on a survivor',
    fencing: { mode: 'unresponsive' },
    steps: [healthy(), three(500, { node1: { kind: 'timeout' } })],
    evicts: { node: 'node1', reason: 'unresponsive', groupCheck: true },
  },
  {
    name: 'unresponsive: not before it has timed out for confirmMs',
    fencing: { mode: 'unresponsive', confirmMs: 1000 },
    steps: [healthy(), three(500, { node1: { kind: 'timeout' } }), three(1000, { node1: { kind: 'timeout' } })],
    evicts: null,
    spared: { node1: 'CONFIRMING' },
  },
  {
    name: 'unresponsive: after confirmMs it is planned',
    fencing: { mode: 'unresponsive', confirmMs: 1000 },
    steps: [healthy(), three(500, { node1: { kind: 'timeout' } }), three(1000, { node1: { kind: 'timeout' } }), three(1500, { node1: { kind: 'timeout' } })],
    evicts: { node: 'node1', reason: 'unresponsive', groupCheck: true },
  },
  {
    name: 'unresponsive: when the survivors answer the group check (in contact with the node), it is not evicted and the window is not used',
    fencing: { mode: 'unresponsive' },
    steps: [healthy(), three(500, { node3: { kind: 'timeout' } }, { confId: 3 }, { groupAnswers: true }), three(600, { node3: { kind: 'timeout' } }, { confId: 3 }, { groupAnswers: true })],
    evicts: { node: 'node3', reason: 'unresponsive', groupCheck: true },
  },
  {
    name: 'unresponsive: a stall proves nothing when another member cannot be reached either (5 nodes)',
    nodes: 5,
    fencing: { mode: 'unresponsive' },
    steps: [healthy(), { ms: 500, looks: { node1: { kind: 'timeout' }, node5: { kind: 'timeout' } }, view: { confId: 3 } }],
    evicts: null,
    spared: { node1: 'NOT_ALONE', node5: 'NOT_ALONE' },
  },
  {
    name: 'the ids must be known: survivors without a member list evict nothing',
    steps: [{ ms: 0, view: { confId: 3, withMembers: false } }, three(100, { node1: { kind: 'refused' } }, { confId: 3, withMembers: false })],
    evicts: null,
    spared: { node1: 'NO_MEMBER_LIST' },
  },
  {
    name: 'nothing to evict once the survivors\' view no longer holds it',
    steps: [healthy(), three(100, { node1: { kind: 'refused' } }, { confId: 4, members: [['node2', 1], ['node3', 1]] })],
    evicts: null,
    spared: { node1: 'NOT_IN_VIEW' },
  },
  {
    name: 'a view change under way: the survivors still show the view it was evicted from, longer than the window: not evicted again',
    fencing: { windowMs: 1000 },
    steps: [healthy(), three(100, { node1: { kind: 'refused' } }), three(1500, { node1: { kind: 'refused' } }), three(2600, { node1: { kind: 'refused' } })],
    evicts: null,
    spared: { node1: 'EVICTING' },
  },
  {
    name: 'a new view that still holds the evicted id (the eviction did not take): evicted again once the window has passed',
    fencing: { windowMs: 1000 },
    steps: [healthy(), three(100, { node1: { kind: 'refused' } }), three(1500, { node1: { kind: 'refused' } }, { confId: 4 })],
    evicts: { node: 'node1', reason: 'dead' },
  },
];

function runCase(c: Case) {
  const config = decideConfigFor(c.nodes ?? 3, c.decide);
  const sim = new FencingSim(config, fencingConfig(c.fencing));
  let last: ReturnType<FencingSim['tick']> | undefined;
  for (const s of c.steps) last = sim.tick(clusterAt(config, at(s.ms), s.looks ?? {}, s.view), s.exec);
  return { sim, last: last! };
}

describe('fencing planner: safety rules', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const { last } = runCase(c);
      const e = last.plan.evict;
      if (c.evicts === null) assert.equal(e, undefined, `unexpected eviction of ${e?.node}`);
      else {
        assert.ok(e, `expected ${c.evicts.node} to be evicted; spared: ${JSON.stringify(last.plan.spared)}`);
        assert.equal(e.node, c.evicts.node);
        assert.equal(e.reason, c.evicts.reason);
        assert.equal(e.uuid, gcommUuid(c.evicts.node));
        if (c.evicts.groupCheck !== undefined) assert.equal(e.groupCheck, c.evicts.groupCheck);
        assert.ok(e.evidence.length >= 3);
      }
      for (const [node, code] of Object.entries(c.spared ?? {})) {
        assert.equal(last.plan.spared.find((s) => s.node === node)?.code, code, `${node}: ${JSON.stringify(last.plan.spared)}`);
      }
    });
  }

  it('the eviction goes through the writer first, and is recorded with its evidence and the window', () => {
    const { sim, last } = runCase(CASES[0]!);
    assert.deepEqual(last.plan.evict?.via, ['node2', 'node3']);
    assert.equal(last.decision.desired.writers[0], 'node2');
    assert.equal(sim.state?.lastEvictionAt, at(100));
    assert.equal(sim.state?.totals.evictionsDead, 1);
    assert.ok(last.findings.some((f) => f.code === FENCING_CODE.EVICTED && f.node === 'node1'));
  });

  it('the eviction record names the node, its id, the reason, the survivor that took it and the view it was evicted from', () => {
    const { sim, last } = runCase(CASES[0]!);
    const primary = last.decision.desired.primary!;
    assert.deepEqual(sim.state?.evictions, [{ node: 'node1', uuid: gcommUuid('node1'), at: at(100), reason: 'dead', via: 'node2', view: { stateUuid: primary.stateUuid, confId: 3 } }]);
  });

  it('while the view change is under way the spared finding says so, naming the view', () => {
    const { last } = runCase(CASES.find((x) => x.name.startsWith('a view change under way'))!);
    const f = last.findings.find((x) => x.code === FENCING_CODE.SPARED && x.node === 'node1');
    assert.ok(f && /from view 3 is under way/.test(f.message) && /EVICTING/.test(f.message), JSON.stringify(last.findings));
  });

  it('a failed eviction or an answered group check does not use the window', () => {
    const c = CASES.find((x) => x.name.startsWith('unresponsive: when the survivors answer'))!;
    const { sim, last } = runCase(c);
    assert.equal(sim.state?.lastEvictionAt, null);
    assert.equal(sim.state?.totals.aborted, 2);
    assert.ok(last.findings.some((f) => f.code === FENCING_CODE.EVICT_ABORTED && /still in contact/.test(f.message)));
  });

  it('the planner is deterministic and its state is plain JSON', () => {
    const a = runCase(CASES[0]!);
    const b = runCase(CASES[0]!);
    assert.deepEqual(a.last.plan, b.last.plan);
    assert.deepEqual(JSON.parse(JSON.stringify(a.sim.state)), a.sim.state);
  });
});

describe('fencing planner: can fencing work with the probe account?', () => {
  const grants = (lines: string[]): NodeLook => ({ kind: 'serving', over: { grants: lines } });
  it('a node whose SHOW GRANTS lacks a privilege makes fencing inoperative (a finding naming the GRANT), remembered until a later read says otherwise', () => {
    const config = decideConfigFor(3);
    const sim = new FencingSim(config, fencingConfig());
    const first = sim.tick(clusterAt(config, at(0), { node1: grants(['GRANT PROCESS ON *.* TO `warden`@`%`']) }, { confId: 3 }));
    assert.equal(first.plan.operative.operative, false);
    const f = first.findings.find((x) => x.code === FENCING_CODE.INOPERATIVE);
    assert.ok(f && f.severity === 'error' && /GRANT SUPER ON \*\.\* TO 'warden'@'%'/.test(f.message), JSON.stringify(first.findings));
    // later probes reuse the session and carry no grants: the verdict stands
    assert.equal(sim.tick(clusterAt(config, at(100), {}, { confId: 3 })).plan.operative.operative, false);
    // after a reconnect the grants are read again
    const fixed = ['GRANT PROCESS, SUPER ON *.* TO `warden`@`%`', 'GRANT SELECT ON `mysql`.`wsrep_cluster_members` TO `warden`@`%`'];
    const later = sim.tick(clusterAt(config, at(200), { node1: grants(fixed) }, { confId: 3 }));
    assert.deepEqual(later.plan.operative, { operative: true, reason: null, missing: [] });
    assert.equal(later.findings.some((x) => x.code === FENCING_CODE.INOPERATIVE), false);
  });
});

describe('fencing planner: evict-list hygiene and resumed evicted nodes', () => {
  const config = decideConfigFor(3);
  const u1 = gcommUuid('node1');
  const evicted: ViewLook = { confId: 4, members: [['node2', 1], ['node3', 1]], evictList: [u1] };
  const killedWriter = (fencing: Partial<FencingConfig> = {}) => {
    const sim = new FencingSim(config, fencingConfig(fencing));
    sim.tick(clusterAt(config, at(0), {}, { confId: 3 }));
    sim.tick(clusterAt(config, at(100), { node1: { kind: 'refused' } }, { confId: 3 }));
    return sim;
  };
  const step = (sim: FencingSim, ms: number, looks: Record<string, NodeLook>, view: ViewLook): ReturnType<FencingSim['tick']> => sim.tick(clusterAt(config, at(ms), looks, view));

  it('a killed node: the survivors\' lists are cleared while its port refuses (the process is gone)', () => {
    const sim = killedWriter();
    const t = step(sim, 200, { node1: { kind: 'refused' } }, evicted);
    assert.deepEqual(t.plan.clear.map((c) => c.node), ['node2', 'node3']);
    assert.match(t.plan.clear[0]!.why, /gone/);
  });

  it('an evicted id is not cleared while a view still holds it (the view change may be under way)', () => {
    const sim = killedWriter();
    const t = step(sim, 150, { node1: { kind: 'refused' } }, { confId: 3, evictList: [u1] });
    assert.deepEqual(t.plan.clear, []);
    assert.ok(t.findings.some((f) => f.code === FENCING_CODE.EVICT_LIST_KEPT && /still in a view/.test(f.message)));
  });

  it('a node back with a new id: the lists are cleared', () => {
    const sim = killedWriter();
    const t = step(sim, 9000, { node1: { kind: 'serving', incarnation: 2 } }, { confId: 5, members: [['node1', 2], ['node2', 1], ['node3', 1]], evictList: [u1] });
    assert.deepEqual(t.plan.clear.map((c) => c.node), ['node1', 'node2', 'node3'].filter((n) => n !== 'node1' || t.plan.clear.some((c) => c.node === 'node1')));
    assert.ok(t.plan.clear.some((c) => c.node === 'node2'));
  });

  it('an evicted frozen node that resumed (Disconnected) keeps the lists, is reported and restarted once by the hook', () => {
    const sim = new FencingSim(config, fencingConfig({ mode: 'unresponsive', restartHook: ['restart', '{node}'], restartAfterMs: 1000 }));
    sim.tick(clusterAt(config, at(0), {}, { confId: 3 }));
    const ev = sim.tick(clusterAt(config, at(500), { node3: { kind: 'timeout' } }, { confId: 3 }));
    assert.equal(ev.plan.evict?.node, 'node3');
    const view: ViewLook = { confId: 4, members: [['node1', 1], ['node2', 1]], evictList: [gcommUuid('node3')] };
    const t1 = sim.tick(clusterAt(config, at(3000), { node3: { kind: 'disconnected' } }, view));
    assert.deepEqual(t1.plan.clear, []);
    assert.ok(t1.findings.some((f) => f.code === FENCING_CODE.NEEDS_RESTART && f.node === 'node3'));
    assert.ok(t1.findings.some((f) => f.code === FENCING_CODE.EVICT_LIST_KEPT));
    assert.equal(t1.plan.restart, undefined, 'restarted before restartAfterMs');
    assert.equal(t1.decision.desired.nodes.find((n) => n.node === 'node3')?.writer, 'maintenance');
    assert.ok(!t1.decision.desired.readers.includes('node3'));
    const t2 = sim.tick(clusterAt(config, at(4100), { node3: { kind: 'disconnected' } }, view));
    assert.equal(t2.plan.restart?.node, 'node3');
    const t3 = sim.tick(clusterAt(config, at(4200), { node3: { kind: 'disconnected' } }, view));
    assert.equal(t3.plan.restart, undefined, 'the hook ran twice for one incarnation');
    // the hook killed it: the port refuses, so the lists may be cleared
    const t4 = sim.tick(clusterAt(config, at(4300), { node3: { kind: 'refused' } }, view));
    assert.deepEqual(t4.plan.clear.map((c) => c.node), ['node1', 'node2']);
  });

  it('an evict-list entry of no known node is never cleared', () => {
    const sim = killedWriter();
    const t = step(sim, 200, { node1: { kind: 'refused' } }, { ...evicted, evictList: [u1, 'ffffffff-0000-11ef-0000-000000000000'] });
    assert.deepEqual(t.plan.clear, []);
    assert.ok(t.findings.some((f) => f.code === FENCING_CODE.EVICT_LIST_KEPT && /not a known node/.test(f.message)));
  });

  it('mode off plans no hygiene either', () => {
    const sim = new FencingSim(config, fencingConfig({ mode: 'off' }));
    const t = sim.tick(clusterAt(config, at(0), { node1: { kind: 'refused' } }, evicted));
    assert.deepEqual(t.plan.clear, []);
    assert.deepEqual(t.findings, []);
  });
});
