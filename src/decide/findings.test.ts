import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecideNode } from '../model/decide-config.js';
import type { DecideResult } from '../model/decision.js';
import { DECISION_REASON, NODE_REASON, REPLICATION_REASON, VIEW_REASON } from '../model/reasons.js';
import { CONDITIONS } from './conditions.js';
import { PROBLEMS } from './findings.js';
import { codesOf, failed, healthyCluster, observation, run, seen, syncedStatus, testConfig } from './fixtures.js';

const T0 = 6_000_000;

void test('findings table: every condition and decision code has a row; rows are unique and ordered by priority', () => {
  const rows = PROBLEMS.map((p) => `${p.code}/${p.scope}`);
  assert.equal(new Set(rows).size, rows.length);
  const codes = new Set(PROBLEMS.map((p) => p.code));
  for (const code of [...Object.values(NODE_REASON), ...Object.values(VIEW_REASON), ...Object.values(REPLICATION_REASON), ...Object.values(DECISION_REASON)]) {
    assert.ok(codes.has(code), `${code} has no row in the findings table`);
  }
  assert.deepEqual(Object.keys(CONDITIONS).sort(), [...Object.values(NODE_REASON), ...Object.values(VIEW_REASON), ...Object.values(REPLICATION_REASON)].sort());
  const priorities = PROBLEMS.map((p) => p.priority);
  assert.deepEqual(priorities, [...priorities].sort((a, b) => b - a));
});

void test('findings table: cluster-wide problems outrank node conditions, unsafe conditions outrank those that may pass', () => {
  const prio = (code: string, scope = 'node'): number => PROBLEMS.find((p) => p.code === code && p.scope === scope)?.priority ?? -1;
  assert.ok(prio('NO_WRITER', 'cluster') > prio('STALE_VIEW'));
  assert.ok(prio('STALE_VIEW') > prio('NOT_PRIMARY'));
  assert.ok(prio('NOT_PRIMARY') > prio('PROBE_TIMEOUT'));
  assert.ok(prio('PROBE_TIMEOUT') > prio('NOT_SYNCED'));
  assert.ok(prio('NOT_SYNCED') > prio('HOLD_PENDING'));
});

void test('findings: TOO_FEW_WRITERS when fewer writers than maxNumWriters can be found', () => {
  const cfg = testConfig({ singlePrimary: false, maxNumWriters: 3 });
  const [n1, n2, n3] = cfg.nodes as [DecideNode, DecideNode, DecideNode];
  const v = { confId: 4, members: [n1, n2] };
  const r = run(cfg, [{ now: T0, observation: observation(T0, [seen(n1, T0, syncedStatus(n1, v)), seen(n2, T0, syncedStatus(n2, v)), failed(n3, T0)]) }])[0] as DecideResult;
  assert.deepEqual(r.desired.writers, ['node1', 'node2']);
  const f = r.findings.find((x) => x.code === 'TOO_FEW_WRITERS');
  assert.equal(f?.message, '2 of 3 writers: no other eligible writer candidate');
});

void test('findings: NO_BACKUP_WRITER when nothing could take over from the writer', () => {
  const cfg = testConfig();
  const [n1, n2, n3] = cfg.nodes as [DecideNode, DecideNode, DecideNode];
  const v = { confId: 4, members: [n1, n2, n3] };
  const r = run(cfg, [{ now: T0, observation: observation(T0, [seen(n1, T0, syncedStatus(n1, v)), seen(n2, T0, syncedStatus(n2, v, { readOnly: true })), failed(n3, T0)]) }])[0] as DecideResult;
  assert.deepEqual(r.desired.writers, ['node1']);
  assert.ok(codesOf(r).includes('NO_BACKUP_WRITER'));
  const healthy = run(cfg, [{ now: T0, observation: healthyCluster(cfg, T0) }])[0] as DecideResult;
  assert.ok(!codesOf(healthy).includes('NO_BACKUP_WRITER'));
});

void test('findings: a healthy cluster has no problem above info', () => {
  const cfg = testConfig();
  const rs = run(cfg, [{ now: T0, observation: healthyCluster(cfg, T0) }, { now: T0 + 2000, observation: healthyCluster(cfg, T0 + 2000) }]);
  assert.deepEqual(rs[1]?.findings.filter((f) => f.severity !== 'info'), []);
  assert.deepEqual(rs[1]?.changes, []);
});
