import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createReportMetrics } from './report-metrics.js';
import { FakeReportSource } from './testing/fake-report-source.js';
import { failedOverSource, steadyTick } from './testing/scenario.js';
import { buildTick } from './testing/tick-fixtures.js';

/** "name{labels}" -> value, for the galera_warden_ series of an exposition text. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('galera_warden_')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

function typeOf(text: string, name: string): string | undefined {
  return new RegExp(`^# TYPE ${name} (\\w+)$`, 'm').exec(text)?.[1];
}

void describe('report metrics', () => {
  void it('exposes node state, roles, sessions, bytes and loop counters with their values', async () => {
    const source = failedOverSource();
    source.marks.add('db1');
    const text = await createReportMetrics(source, { defaultMetrics: false }).scrape();
    const s = samples(text);
    const expect: Record<string, number> = {
      'galera_warden_info{cluster="prod-galera"}': 1,
      'galera_warden_node_wsrep_local_state{node="db1"}': 0,
      'galera_warden_node_wsrep_local_state{node="db2"}': 4,
      'galera_warden_node_primary{node="db1"}': 0,
      'galera_warden_node_primary{node="db3"}': 1,
      'galera_warden_node_in_service{node="db1"}': 0,
      'galera_warden_node_in_service{node="db2"}': 1,
      'galera_warden_node_maintenance{node="db1"}': 1,
      'galera_warden_node_role{node="db2",pool="writer",role="writer"}': 1,
      'galera_warden_node_role{node="db2",pool="writer",role="backup"}': 0,
      'galera_warden_node_role{node="db1",pool="writer",role="maintenance"}': 1,
      'galera_warden_node_role{node="db1",pool="reader",role="reader"}': 0,
      'galera_warden_node_role{node="db3",pool="writer",role="backup"}': 1,
      'galera_warden_node_sessions{node="db2",port="writer"}': 7,
      'galera_warden_node_sessions{node="db3",port="reader"}': 3,
      'galera_warden_node_bytes_total{node="db2",port="writer",direction="out"}': 910_000,
      'galera_warden_node_bytes_total{node="db3",port="reader",direction="in"}': 1_500,
      'galera_warden_probe_latency_seconds{node="db1"}': 0.0031,
      'galera_warden_failovers_total': 1,
      'galera_warden_writer_epoch': 2,
      'galera_warden_writers': 1,
      'galera_warden_ticks_total': 5,
      'galera_warden_tick_duration_seconds': 0.0482,
      'galera_warden_apply_errors_total': 0,
      'galera_warden_rejected_connections_total': 4,
      'galera_warden_finding{code="NOT_PRIMARY",severity="error",node="db1"}': 1,
    };
    for (const [series, value] of Object.entries(expect)) assert.equal(s.get(series), value, series);
    // every node has exactly one role per pool
    for (const node of ['db1', 'db2', 'db3']) {
      for (const pool of ['writer', 'reader']) {
        const ones = [...s].filter(([k, v]) => k.startsWith(`galera_warden_node_role{node="${node}",pool="${pool}"`) && v === 1);
        assert.equal(ones.length, 1, `${node} ${pool}`);
      }
    }
    assert.equal(typeOf(text, 'galera_warden_failovers_total'), 'counter');
    assert.equal(typeOf(text, 'galera_warden_node_bytes_total'), 'counter');
    assert.equal(typeOf(text, 'galera_warden_tick_duration_seconds'), 'gauge');
  });

  void it('galera_warden_fencing_operative: 0 when a privilege is missing, 1 when operative, absent with fencing off or before the grants are read', async () => {
    const totals = { evictions: 0, evictionsDead: 0, evictionsUnresponsive: 0, aborted: 0, cleared: 0, restarts: 0 };
    const withFencing = (operative: boolean | null) => ({
      ...steadyTick(1),
      fencing: { mode: 'dead' as const, plan: { operative: { operative, reason: operative === false ? 'lacks SUPER' : null, missing: [] }, clear: [], spared: [] }, outcome: { cleared: [], restartsFinished: [] }, totals, evictions: [] },
    });
    const value = async (source: FakeReportSource) => samples(await createReportMetrics(source, { defaultMetrics: false }).scrape()).get('galera_warden_fencing_operative{mode="dead"}');
    assert.equal(await value(new FakeReportSource().record(withFencing(false))), 0);
    assert.equal(await value(new FakeReportSource().record(withFencing(true))), 1);
    assert.equal(await value(new FakeReportSource().record(withFencing(null))), undefined);
    const off = await createReportMetrics(new FakeReportSource().record(steadyTick(1)), { defaultMetrics: false }).scrape();
    assert.equal([...samples(off).keys()].some((k) => k.startsWith('galera_warden_fencing_operative')), false);
  });

  void it('mirrors the loop counters: scraping again counts nothing twice', async () => {
    const source = failedOverSource();
    const metrics = createReportMetrics(source, { defaultMetrics: false });
    await metrics.scrape();
    const second = samples(await metrics.scrape());
    assert.equal(second.get('galera_warden_ticks_total'), 5);
    assert.equal(second.get('galera_warden_failovers_total'), 1);
    assert.equal(second.get('galera_warden_node_bytes_total{node="db2",port="writer",direction="in"}'), 52_000);
    source.record(steadyTick(6));
    assert.equal(samples(await metrics.scrape()).get('galera_warden_ticks_total'), 6);
  });

  void it('mirrors the data-path trigger and the re-form watch counters; 0 while either is off', async () => {
    const source = failedOverSource();
    const metrics = createReportMetrics(source, { defaultMetrics: false });
    const off = samples(await metrics.scrape());
    assert.equal(off.get('galera_warden_datapath_signals_total'), 0);
    assert.equal(off.get('galera_warden_reform_watch_polls_total'), 0);
    source.signals = { dataPath: { signals: 7, ticks: 2, coalesced: 5 }, reformWatch: { starts: 1, polls: 340, signals: 2, sessions: 3 } };
    await metrics.scrape();
    const on = samples(await metrics.scrape());
    assert.equal(on.get('galera_warden_datapath_signals_total'), 7);
    assert.equal(on.get('galera_warden_datapath_ticks_total'), 2);
    assert.equal(on.get('galera_warden_datapath_coalesced_total'), 5);
    assert.equal(on.get('galera_warden_reform_watch_starts_total'), 1);
    assert.equal(on.get('galera_warden_reform_watch_polls_total'), 340);
    assert.equal(on.get('galera_warden_reform_watch_signals_total'), 2);
    assert.equal(on.get('galera_warden_reform_watch_sessions_total'), 3);
    source.signals = { dataPath: { signals: 7, ticks: 2, coalesced: 5 } };
    const watchOff = samples(await metrics.scrape());
    assert.equal(watchOff.get('galera_warden_datapath_signals_total'), 7);
    assert.equal(watchOff.get('galera_warden_reform_watch_polls_total'), 0);
  });

  void it('drops the series of a node that left the configuration', async () => {
    const source = failedOverSource();
    const metrics = createReportMetrics(source, { defaultMetrics: false });
    assert.ok(samples(await metrics.scrape()).has('galera_warden_node_in_service{node="db1"}'));
    source.record(buildTick({ seq: 6, epoch: 2, nodes: [{ name: 'db2', writer: 'writer' }, { name: 'db3' }] }));
    source.proxy = undefined;
    const after = samples(await metrics.scrape());
    assert.equal([...after.keys()].some((k) => k.includes('node="db1"')), false);
    assert.equal(after.get('galera_warden_node_in_service{node="db2"}'), 1);
    assert.equal([...after.keys()].some((k) => k.startsWith('galera_warden_node_sessions')), false);
  });

  void it('before the first tick: counters and tick gauges at zero, no node series', async () => {
    const s = samples(await createReportMetrics(new FakeReportSource(), { defaultMetrics: false }).scrape());
    assert.equal(s.get('galera_warden_ticks_total'), 0);
    assert.equal(s.get('galera_warden_writers'), 0);
    assert.equal(s.get('galera_warden_tick_duration_seconds'), 0);
    assert.equal(s.get('galera_warden_last_tick_timestamp_seconds'), 0, 'time() minus it is huge: a staleness alert fires');
    assert.equal([...s.keys()].some((k) => k.includes('node=')), false);
  });

  void it('reads the source once per scrape, and the process metrics come along', async () => {
    const source = failedOverSource();
    let reads = 0;
    const latest = source.latest.bind(source);
    source.latest = () => {
      reads += 1;
      return latest();
    };
    const text = await createReportMetrics(source).scrape();
    assert.equal(reads, 1);
    assert.match(text, /^process_cpu_user_seconds_total /m);
  });

  void it('a replication topology: read_only, replication threads and lag per node; no wsrep series', async () => {
    const tick = buildTick({ seq: 3, epoch: 2, nodes: [{ name: 'db1', writer: 'writer', reader: 'reader' }, { name: 'db2', writer: 'backup', reader: 'reader' }] });
    const repl = (readOnly: boolean, lag: number | null) => ({ readOnly, ioRunning: readOnly ? 'Yes' : '', sqlRunning: readOnly ? 'Yes' : '', secondsBehindMaster: lag, gtidPosition: '0-1-9', master: readOnly ? { host: '10.0.0.11', port: 3306 } : null, lastError: '' });
    const [o1, o2] = tick.observation.nodes;
    o1!.status = { ...o1!.status!, replication: repl(false, null) };
    o2!.status = { ...o2!.status!, replication: repl(true, 4) };
    const source = new FakeReportSource().record(tick);
    source.topology = 'replication';
    const text = await createReportMetrics(source, { defaultMetrics: false }).scrape();
    const s = samples(text);
    assert.deepEqual([s.get('galera_warden_node_read_only{node="db1"}'), s.get('galera_warden_node_read_only{node="db2"}')], [0, 1]);
    assert.deepEqual([s.get('galera_warden_node_replication_running{node="db1"}'), s.get('galera_warden_node_replication_running{node="db2"}')], [0, 1]);
    assert.deepEqual([s.get('galera_warden_node_replication_lag_seconds{node="db1"}'), s.get('galera_warden_node_replication_lag_seconds{node="db2"}')], [undefined, 4]);
    assert.doesNotMatch(text, /galera_warden_node_wsrep_local_state|galera_warden_node_primary/);
    const galera = await createReportMetrics(new FakeReportSource().record(tick), { defaultMetrics: false }).scrape();
    assert.match(galera, /^galera_warden_node_wsrep_local_state\{node="db1"\} /m);
    assert.doesNotMatch(galera, /galera_warden_node_read_only/);
  });
});
