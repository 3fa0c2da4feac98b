// A three-node story the report tests share: db1 is elected, serves for a while, loses the Primary
// component, and db2 takes over (epoch 1 -> 2). Proxy stats match the routing of the last tick.
import type { ProxyStatsSnapshot, TickRecord } from '../../model/tick.js';
import { FakeReportSource } from './fake-report-source.js';
import { buildTick, finding, roleChange } from './tick-fixtures.js';

export function electionTick(seq = 1, at?: number): TickRecord {
  return buildTick({
    seq,
    ...(at === undefined ? {} : { at }),
    epoch: 1,
    nodes: [{ name: 'db1', writer: 'writer' }, { name: 'db2' }, { name: 'db3' }],
    changes: [
      roleChange('db1', 'writer', null, 'writer', ['WRITER_ELECTED']),
      roleChange('db1', 'reader', null, 'reader', ['ADMITTED']),
      roleChange('db2', 'writer', null, 'backup', ['ADMITTED']),
      roleChange('db2', 'reader', null, 'reader', ['ADMITTED']),
      roleChange('db3', 'writer', null, 'backup', ['ADMITTED']),
      roleChange('db3', 'reader', null, 'reader', ['ADMITTED']),
    ],
  });
}

export function steadyTick(seq: number, at?: number): TickRecord {
  return buildTick({
    seq,
    ...(at === undefined ? {} : { at }),
    epoch: 1,
    nodes: [{ name: 'db1', writer: 'writer' }, { name: 'db2' }, { name: 'db3' }],
  });
}

export function failoverTick(seq: number, at?: number): TickRecord {
  return buildTick({
    seq,
    ...(at === undefined ? {} : { at }),
    durationMs: 48.2,
    epoch: 2,
    nodes: [{ name: 'db1', state: 'non-primary', latencyMs: 3.1 }, { name: 'db2', writer: 'writer' }, { name: 'db3' }],
    changes: [
      roleChange('db1', 'writer', 'writer', 'maintenance', ['NOT_PRIMARY']),
      roleChange('db1', 'reader', 'reader', 'maintenance', ['NOT_PRIMARY']),
      roleChange('db2', 'writer', 'backup', 'writer', ['FAILOVER']),
    ],
    findings: [
      finding('NOT_PRIMARY', 'error', 'db1 (10.0.0.11:3306) reports wsrep_cluster_status non-Primary', 'db1'),
      finding('FAILOVER', 'warning', 'writer moved from db1 to db2 (epoch 2)'),
    ],
  });
}

/** An operator's switchover from db2 to db3 while db1 is still out (epoch 2 -> 3). */
export function switchoverTick(seq: number, at?: number): TickRecord {
  return buildTick({
    seq,
    ...(at === undefined ? {} : { at }),
    epoch: 3,
    nodes: [{ name: 'db1', state: 'non-primary', latencyMs: 2.7 }, { name: 'db2' }, { name: 'db3', writer: 'writer' }],
    changes: [
      roleChange('db2', 'writer', 'writer', 'backup', ['SWITCHOVER']),
      roleChange('db3', 'writer', 'backup', 'writer', ['SWITCHOVER']),
    ],
    findings: [finding('NOT_PRIMARY', 'error', 'db1 (10.0.0.11:3306) reports wsrep_cluster_status non-Primary', 'db1')],
  });
}

/** Sessions as a built-in proxy would count them with db2 as the writer. */
export function proxyStatsAfterFailover(): ProxyStatsSnapshot {
  return {
    writer: { db2: { sessions: 7, totalSessions: 40, bytesIn: 52_000, bytesOut: 910_000 } },
    reader: {
      db2: { sessions: 2, totalSessions: 11, bytesIn: 1_200, bytesOut: 80_500 },
      db3: { sessions: 3, totalSessions: 12, bytesIn: 1_500, bytesOut: 99_000 },
      db1: { sessions: 0, totalSessions: 9, bytesIn: 900, bytesOut: 41_000 },
    },
    rejected: 4,
    endpoints: { writer: '0.0.0.0:3306', reader: '0.0.0.0:3307' },
  };
}

/** A source that has seen the whole story: election, 3 steady ticks, the failover. */
export function failedOverSource(): FakeReportSource {
  const source = new FakeReportSource();
  source.record(electionTick(1), steadyTick(2), steadyTick(3), steadyTick(4), failoverTick(5));
  source.proxy = proxyStatsAfterFailover();
  return source;
}
