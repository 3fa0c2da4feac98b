// [cluster] topology = "replication": the writer is the primary (Orchestrator's master when known), readers are
// healthy replicas, never two writers, a read_only node never writes, no Galera check applies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { DecideConfig, DecideNode } from '../model/decide-config.js';
import type { DecideResult, DecideState } from '../model/decision.js';
import type { NodeObservation, NodeStatus } from '../model/observation.js';
import type { InstanceKey, OrchestratorObservation } from '../model/orchestrator.js';
import type { ReplicationStatus } from '../model/replication.js';
import { decide } from './decide.js';
import { codesOf, failed, observation, roleOf, seen } from './fixtures.js';
import { primaryStatus, replicaStatus, replicationConfig } from './replication-fixtures.js';

const T0 = 9_000_000;
const at = (s: number): number => T0 + s * 1000;
const cfg = replicationConfig();
const [db1, db2, db3] = cfg.nodes as [DecideNode, DecideNode, DecideNode];

function orch(now: number, master: InstanceKey | null): OrchestratorObservation {
  return { at: now, watchingSince: T0, leader: 'http://orc1:3000', leaderSeenAt: now, master, instances: [], problems: [] };
}

type Statuses = Record<string, NodeStatus | 'refused' | 'timeout'>;

function obsOf(config: DecideConfig, now: number, statuses: Statuses) {
  return observation(now, config.nodes.map((n): NodeObservation => {
    const s = statuses[n.name];
    return s === undefined || s === 'refused' || s === 'timeout' ? failed(n, now, s ?? 'refused') : seen(n, now, s);
  }));
}

/** ticks 2 s apart from at(0), threading the state */
function runTicks(config: DecideConfig, ticks: { statuses: Statuses; master?: InstanceKey | null }[], previous: DecideState | null = null): DecideResult[] {
  let state = previous;
  return ticks.map((t, i) => {
    const now = at(2 * i);
    const r = decide({
      observation: obsOf(config, now, t.statuses), previous: state, config, now,
      ...(t.master !== undefined && { orchestrator: { observation: orch(now, t.master), config: { graceMs: 10_000 } } }),
    });
    state = r.next;
    return r;
  });
}

const steady: Statuses = { db1: primaryStatus(), db2: replicaStatus(db1), db3: replicaStatus(db1) };
const last = (rs: DecideResult[]): DecideResult => rs[rs.length - 1] as DecideResult;

void test('replication: the writable primary writes, healthy replicas read; no Galera condition applies', () => {
  const r = last(runTicks(cfg, [{ statuses: steady }]));
  assert.deepEqual(r.desired.writers, ['db1']);
  assert.deepEqual(r.desired.readers, ['db1', 'db2', 'db3']);
  assert.deepEqual(roleOf(r, 'db2'), { writer: 'offline_soft', reader: 'reader' });
  for (const code of ['WSREP_OFF', 'NOT_PRIMARY', 'NOT_CONNECTED', 'NOT_READY', 'NOT_SYNCED', 'NO_PRIMARY_COMPONENT', 'NO_WRITER']) {
    assert.ok(!codesOf(r).includes(code), `${code} in ${codesOf(r).join(', ')}`);
  }
  assert.equal(r.desired.primary, null);
});

void test('replication: writerIsAlsoReader=false keeps the primary out of the readers while replicas can read', () => {
  const r = last(runTicks(replicationConfig({ writerIsAlsoReader: false }), [{ statuses: steady }]));
  assert.deepEqual(r.desired.readers, ['db2', 'db3']);
});

// one row per replica fault: what db2 reports, the condition it raises, whether it acts on the first observation
const REPLICA_FAULTS: { name: string; status: NodeStatus; code: string; immediate: boolean }[] = [
  { name: 'IO thread stopped', status: replicaStatus(db1, 0, { ioRunning: 'No', secondsBehindMaster: null, lastError: 'error connecting to master' }), code: 'REPLICATION_STOPPED', immediate: false },
  { name: 'IO thread connecting', status: replicaStatus(db1, 0, { ioRunning: 'Connecting', secondsBehindMaster: null }), code: 'REPLICATION_STOPPED', immediate: false },
  { name: 'SQL thread stopped', status: replicaStatus(db1, 0, { sqlRunning: 'No', secondsBehindMaster: null, lastError: 'Duplicate entry' }), code: 'REPLICATION_STOPPED', immediate: false },
  { name: 'lag over maxReplicationLagS', status: replicaStatus(db1, 11), code: 'REPLICATION_LAGGING', immediate: false },
  { name: 'lag unknown while threads run', status: replicaStatus(db1, 0, { secondsBehindMaster: null }), code: 'REPLICATION_LAGGING', immediate: false },
  { name: 'writable replica', status: replicaStatus(db1, 0, { readOnly: false }), code: 'REPLICA_WRITABLE', immediate: true },
  { name: 'replicates from another replica', status: replicaStatus(db3), code: 'WRONG_MASTER', immediate: true },
  { name: 'replication state not read', status: (({ replication: _r, ...rest }) => rest)(primaryStatus()), code: 'REPLICATION_UNKNOWN', immediate: false },
];

for (const row of REPLICA_FAULTS) {
  void test(`replication: a replica with ${row.name} is out of the readers (${row.code}), never the writer`, () => {
    const rs = runTicks(cfg, [{ statuses: steady }, { statuses: steady }, { statuses: { ...steady, db2: row.status } }, { statuses: { ...steady, db2: row.status } }, { statuses: { ...steady, db2: row.status } }]);
    const first = rs[2] as DecideResult;
    assert.equal(first.desired.readers.includes('db2'), !row.immediate, `after one observation: ${first.desired.readers.join(', ')}`);
    const r = last(rs);
    assert.ok(!r.desired.readers.includes('db2'), `db2 still reads: ${r.desired.readers.join(', ')}`);
    assert.deepEqual(r.desired.writers, ['db1']);
    assert.ok(codesOf(r, 'db2').includes(row.code), codesOf(r, 'db2').join(', '));
    assert.ok(r.findings.some((f) => f.node === 'db2' && f.code === row.code && f.message.startsWith('db2: ')));
  });
}

void test('replication: lag equal to maxReplicationLagS still reads; the limit is configurable', () => {
  assert.ok(last(runTicks(cfg, [{ statuses: { ...steady, db2: replicaStatus(db1, 10) } }])).desired.readers.includes('db2'));
  const strict = replicationConfig({ maxReplicationLagS: 0 });
  const rs = runTicks(strict, [1, 2, 3].map(() => ({ statuses: { ...steady, db2: replicaStatus(db1, 1) } })));
  assert.ok(!last(rs).desired.readers.includes('db2'));
  assert.match(last(rs).findings.find((f) => f.code === 'REPLICATION_LAGGING')?.message ?? '', /1 s behind 127\.0\.0\.1:3311, more than maxReplicationLagS=0/);
});

void test('replication: a read_only primary takes no writes, and the finding says why', () => {
  const r = last(runTicks(cfg, [{ statuses: { ...steady, db1: primaryStatus({ readOnly: true }) } }]));
  assert.deepEqual(r.desired.writers, []);
  assert.ok(r.desired.readers.includes('db1'));
  assert.match(r.findings.find((f) => f.code === 'NO_WRITER')?.message ?? '', /no observed node is writable and replicates from no one/);
  assert.ok(codesOf(r, 'db1').includes('READ_ONLY'));
  const named = last(runTicks(cfg, [{ statuses: { ...steady, db1: primaryStatus({ readOnly: true }) }, master: { host: '127.0.0.1', port: db1.port } }]));
  assert.deepEqual(named.desired.writers, []);
  assert.match(named.findings.find((f) => f.code === 'READ_ONLY' && f.node === 'db1')?.message ?? '', /read_only=ON: the primary takes no writes/);
});

void test('replication: the writer turning read_only loses the role at once, even as the last one', () => {
  const rs = runTicks(cfg, [{ statuses: steady }, { statuses: { ...steady, db1: primaryStatus({ readOnly: true }) } }]);
  assert.deepEqual((rs[0] as DecideResult).desired.writers, ['db1']);
  assert.deepEqual(last(rs).desired.writers, []);
  assert.equal(roleOf(last(rs), 'db1').writer, 'offline_soft');
});

void test('replication: two writable nodes that replicate from no one and no Orchestrator: no writer at all (PRIMARY_AMBIGUOUS)', () => {
  const rs = runTicks(cfg, [{ statuses: steady }, { statuses: { ...steady, db2: primaryStatus() } }]);
  const r = last(rs);
  assert.deepEqual(r.desired.writers, []);
  assert.deepEqual(codesOf(r).filter((c) => c === 'PRIMARY_AMBIGUOUS').length, 2);
  assert.match(r.findings.find((f) => f.code === 'NO_WRITER')?.message ?? '', /db1, db2 are all writable and replicate from no one/);
});

void test('replication: Orchestrator\'s master is the writer; another writable non-replica is out (NOT_TOPOLOGY_PRIMARY)', () => {
  const r = last(runTicks(cfg, [{ statuses: { ...steady, db2: primaryStatus(), db3: replicaStatus(db2) }, master: { host: '127.0.0.1', port: db2.port } }]));
  assert.deepEqual(r.desired.writers, ['db2']);
  assert.deepEqual(roleOf(r, 'db1'), { writer: 'offline_soft', reader: 'offline_soft' });
  assert.ok(codesOf(r, 'db1').includes('NOT_TOPOLOGY_PRIMARY'));
  assert.ok(r.desired.readers.includes('db3'));
});

void test('replication: Orchestrator names a read_only master: no writer (galera-warden checks read_only itself)', () => {
  const r = last(runTicks(cfg, [{ statuses: { db1: 'refused', db2: primaryStatus({ readOnly: true }), db3: replicaStatus(db2) }, master: { host: '127.0.0.1', port: db2.port } }]));
  assert.deepEqual(r.desired.writers, []);
  assert.match(r.findings.find((f) => f.code === 'NO_WRITER')?.message ?? '', /the primary db2 cannot take writes/);
});

void test('replication: Orchestrator\'s master changes: the old writer loses the role at once although it still answers writable', () => {
  const rs = runTicks(cfg, [
    { statuses: steady, master: { host: '127.0.0.1', port: db1.port } },
    { statuses: steady, master: { host: '127.0.0.1', port: db1.port } },
    { statuses: { db1: primaryStatus(), db2: primaryStatus(), db3: replicaStatus(db2) }, master: { host: '127.0.0.1', port: db2.port } },
  ]);
  assert.deepEqual((rs[1] as DecideResult).desired.writers, ['db1']);
  assert.deepEqual(last(rs).desired.writers, ['db2']);
  assert.ok(!last(rs).desired.readers.includes('db1'));
});

void test('replication: activeFailover=0 does not hold the writer back: the writer follows the primary Orchestrator promoted', () => {
  const rs = runTicks(replicationConfig({ activeFailover: 0 }), [
    { statuses: steady, master: { host: '127.0.0.1', port: db1.port } },
    { statuses: { db1: 'refused', db2: primaryStatus(), db3: replicaStatus(db2) }, master: { host: '127.0.0.1', port: db2.port } },
  ]);
  assert.deepEqual(rs.map((r) => r.desired.writers.join()), ['db1', 'db2']);
});

void test('replication: Orchestrator\'s master is not a configured node: no writer, replicas of it still read', () => {
  const other = { name: 'x', host: '10.9.9.9', port: 3306, weight: 0 };
  const r = last(runTicks(cfg, [{ statuses: { db1: primaryStatus(), db2: replicaStatus(other), db3: replicaStatus(other) }, master: { host: '10.9.9.9', port: 3306 } }]));
  assert.deepEqual(r.desired.writers, []);
  assert.deepEqual(r.desired.readers, ['db2', 'db3']);
  assert.match(r.findings.find((f) => f.code === 'NO_WRITER')?.message ?? '', /10\.9\.9\.9:3306 is not a configured node/);
});

void test('replication: a promotion by hand (promote db2, then the old primary read_only and re-pointed): never two writers, writes end on db2', () => {
  const rs = runTicks(cfg, [
    { statuses: steady },
    { statuses: steady },
    // promote: db2 stops replicating and turns writable; db3 re-pointed; db1 still writable
    { statuses: { db1: primaryStatus(), db2: primaryStatus(), db3: replicaStatus(db2) } },
    { statuses: { db1: primaryStatus(), db2: primaryStatus(), db3: replicaStatus(db2) } },
    // the old primary set read_only, not yet replicating: out of every pool
    { statuses: { db1: primaryStatus({ readOnly: true }), db2: primaryStatus(), db3: replicaStatus(db2) } },
    { statuses: { db1: primaryStatus({ readOnly: true }), db2: primaryStatus(), db3: replicaStatus(db2) } },
    // re-pointed to db2: a replica again
    ...[1, 2, 3, 4, 5, 6].map(() => ({ statuses: { db1: replicaStatus(db2), db2: primaryStatus(), db3: replicaStatus(db2) } })),
  ]);
  for (const r of rs) assert.ok(r.desired.writers.length <= 1, r.desired.writers.join(', '));
  assert.deepEqual(rs.map((r) => r.desired.writers[0] ?? '-'), ['db1', 'db1', '-', '-', 'db2', 'db2', 'db2', 'db2', 'db2', 'db2', 'db2', 'db2']);
  assert.ok(codesOf(rs[4] as DecideResult, 'db1').includes('NOT_TOPOLOGY_PRIMARY'));
  assert.ok(!(rs[4] as DecideResult).desired.readers.includes('db1'));
  // db1 back as a reader once healthy long enough (retryUp, minHoldMs)
  assert.ok(last(rs).desired.readers.includes('db1'));
});

void test('replication: the primary dead, a replica promoted: the writer follows the only writable non-replica', () => {
  const rs = runTicks(cfg, [
    { statuses: steady },
    { statuses: { ...steady, db1: 'refused' } },
    { statuses: { db1: 'refused', db2: primaryStatus(), db3: replicaStatus(db2) } },
  ]);
  // kept while nothing can replace it (as in a Galera cluster): nothing lands on a dead node
  assert.deepEqual((rs[1] as DecideResult).desired.writers, ['db1']);
  assert.deepEqual(last(rs).desired.writers, ['db2']);
  assert.ok(codesOf(last(rs)).includes('FAILOVER'));
});

// ---- properties over random replication worlds ----

type NodeFault = 'primary' | 'primaryRO' | 'replica' | 'replicaRW' | 'stopped' | 'lagging' | 'wrongMaster' | 'refused' | 'timeout';
const FAULTS: NodeFault[] = ['primary', 'primaryRO', 'replica', 'replicaRW', 'stopped', 'lagging', 'wrongMaster', 'refused', 'timeout'];

function statusFor(f: NodeFault, self: DecideNode, nodes: readonly DecideNode[], masterOf: DecideNode): NodeStatus | 'refused' | 'timeout' {
  const other = nodes.find((n) => n.name !== self.name && n.name !== masterOf.name) ?? masterOf;
  switch (f) {
    case 'primary': return primaryStatus();
    case 'primaryRO': return primaryStatus({ readOnly: true });
    case 'replica': return replicaStatus(masterOf, 2);
    case 'replicaRW': return replicaStatus(masterOf, 0, { readOnly: false });
    case 'stopped': return replicaStatus(masterOf, 0, { sqlRunning: 'No', secondsBehindMaster: null });
    case 'lagging': return replicaStatus(masterOf, 99);
    case 'wrongMaster': return replicaStatus(other, 0);
    default: return f;
  }
}

const worldArb = fc.integer({ min: 2, max: 4 }).chain((n) => fc.record({
  n: fc.constant(n),
  retryDown: fc.integer({ min: 0, max: 2 }),
  writerIsAlsoReader: fc.boolean(),
  ticks: fc.array(fc.record({
    faults: fc.array(fc.constantFrom(...FAULTS), { minLength: n, maxLength: n }),
    masterIndex: fc.integer({ min: 0, max: n - 1 }),
    orchestrator: fc.constantFrom<'none' | 'master' | 'other'>('none', 'master', 'other'),
  }), { minLength: 1, maxLength: 12 }),
}));

void test('replication property: never two writers; a writer observed in the tick is writable and replicates from no one; Orchestrator\'s master or nothing', () => {
  fc.assert(fc.property(worldArb, (w) => {
    const config = replicationConfig({ retryDown: w.retryDown, retryUp: 1, minHoldMs: 0, writerIsAlsoReader: w.writerIsAlsoReader }, w.n);
    const nodes = config.nodes;
    let state: DecideState | null = null;
    w.ticks.forEach((t, i) => {
      const now = at(2 * i);
      const masterNode = nodes[t.masterIndex] as DecideNode;
      const statuses: Statuses = Object.fromEntries(nodes.map((n, j) => [n.name, statusFor(t.faults[j] as NodeFault, n, nodes, masterNode)]));
      const orchMaster = t.orchestrator === 'none' ? undefined : t.orchestrator === 'master' ? { host: masterNode.host, port: masterNode.port } : { host: '10.9.9.9', port: 3306 };
      const r: DecideResult = decide({
        observation: obsOf(config, now, statuses), previous: state, config, now,
        ...(orchMaster && { orchestrator: { observation: orch(now, orchMaster), config: { graceMs: 10_000 } } }),
      });
      state = r.next;
      assert.ok(r.desired.writers.length <= 1, `two writers: ${r.desired.writers.join(', ')}`);
      const writer = r.desired.writers[0];
      if (writer === undefined) return;
      const s = statuses[writer];
      if (typeof s === 'object') {
        assert.equal(s.replication?.readOnly, false, `${writer} writes while read_only`);
        assert.equal(s.replication?.master, null, `${writer} writes while replicating`);
      }
      if (orchMaster) assert.equal(writer, t.orchestrator === 'master' ? masterNode.name : '(none)', `writer ${writer} is not Orchestrator's master`);
      const claimers = nodes.filter((n) => { const x = statuses[n.name]; return typeof x === 'object' && x.replication?.master === null && !x.replication.readOnly; });
      if (!orchMaster && claimers.length > 1) assert.ok(!claimers.some((c) => c.name === writer), `writer ${writer} while ${claimers.map((c) => c.name).join(', ')} all claim to be primary`);
      // a reader is never a writable replica nor one of another master (both act on the first observation)
      for (const rd of r.desired.readers) {
        const x = statuses[rd];
        if (typeof x === 'object' && x.replication?.master) {
          assert.ok(x.replication.readOnly, `${rd} reads while a writable replica`);
        }
      }
    });
  }), { numRuns: 300 });
});

void test('replication property: a reader that replicates reads from the primary, and is read_only', () => {
  fc.assert(fc.property(worldArb, (w) => {
    const config = replicationConfig({ retryDown: w.retryDown, retryUp: 1, minHoldMs: 0 }, w.n);
    const nodes = config.nodes;
    let state: DecideState | null = null;
    w.ticks.forEach((t, i) => {
      const now = at(2 * i);
      const masterNode = nodes[t.masterIndex] as DecideNode;
      const statuses: Statuses = Object.fromEntries(nodes.map((n, j) => [n.name, statusFor(t.faults[j] as NodeFault, n, nodes, masterNode)]));
      const r: DecideResult = decide({
        observation: obsOf(config, now, statuses), previous: state, config, now,
        orchestrator: { observation: orch(now, { host: masterNode.host, port: masterNode.port }), config: { graceMs: 10_000 } },
      });
      state = r.next;
      for (const rd of r.desired.readers) {
        const x = statuses[rd];
        const rep: ReplicationStatus | undefined = typeof x === 'object' ? x.replication : undefined;
        if (rep?.master) {
          assert.equal(rep.master.port, masterNode.port, `${rd} reads but replicates from ${rep.master.port}, not ${masterNode.port}`);
          assert.ok(rep.readOnly);
        } else if (rep) {
          assert.equal(rd, masterNode.name, `${rd} reads while replicating from no one and not the primary`);
        }
      }
    });
  }), { numRuns: 300 });
});

void test('replication: without topology = "replication" the same statuses are judged as Galera (unchanged behaviour)', () => {
  const galera = { ...cfg, topology: 'galera' as const };
  const r = last(runTicks(galera, [{ statuses: steady }]));
  assert.deepEqual(r.desired.writers, []);
  assert.ok(codesOf(r).includes('WSREP_OFF'));
});
