import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DecideConfig } from '../../model/decide-config.js';
import { DEFAULT_DECIDE_CONFIG } from '../../model/decide-config.js';
import type { DecideResult, DesiredRouting } from '../../model/decision.js';
import { failed, healthyCluster, run, seen, syncedStatus } from '../../decide/fixtures.js';
import type { Tick } from '../../decide/fixtures.js';
import { SERVER_COLUMNS, hostgroups, parseServerRow, topologyOf } from './servers.js';
import type { ServerRow } from './servers.js';
import { commentWarnings, planServers } from './plan.js';
import { installStatements, parseInstallNode } from './install.js';
import { AdminStore } from './testing/admin-sql.js';
import { seedExample } from './testing/seed-example.js';

const g = hostgroups(100, 101);
const A = '192.168.4.22:3306';
const B = '192.168.4.23:3306';
const C = '192.168.4.233:3306';

/** An admin store holding seed 000's example, and helpers to read it and to apply a plan to it. */
function proxysql() {
  const store = new AdminStore();
  seedExample({ exec: (...s: string[]) => s.map((x) => store.execute(x)) }, g);
  const rows = (table = 'mysql_servers'): ServerRow[] => {
    const r = store.execute(`SELECT ${SERVER_COLUMNS} FROM ${table}`);
    if (r.kind !== 'rows') throw new Error('no rows');
    return r.rows.map((v) => parseServerRow(Object.fromEntries(r.columns.map((c, i) => [c, v[i] ?? null]))));
  };
  const apply = (desired: DesiredRouting) => {
    const plan = planServers(rows(), rows('runtime_mysql_servers'), desired, g);
    for (const s of plan.statements) store.execute(s);
    if (plan.load) store.execute('LOAD MYSQL SERVERS TO RUNTIME');
    return plan;
  };
  const group = (hg: number, status?: string) => rows('runtime_mysql_servers').filter((r) => r.hostgroup === hg && (status === undefined || r.status === status)).map((r) => `${r.hostname}:${r.port}`).sort();
  return { store, rows, apply, group };
}

function config(over: Partial<DecideConfig> = {}): DecideConfig {
  return { ...DEFAULT_DECIDE_CONFIG, retryUp: 1, retryDown: 1, minHoldMs: 0, nodes: topologyOf(proxysql().rows(), g), ...over };
}

const healthy = (c: DecideConfig, now: number): Tick => ({ now, observation: healthyCluster(c, now) });
const without = (c: DecideConfig, now: number, down: string): Tick => {
  const t = healthyCluster({ ...c, nodes: c.nodes.filter((n) => n.name !== down) }, now);
  return { now, observation: { at: now, nodes: [...t.nodes, failed(c.nodes.find((n) => n.name === down)!, now)] } };
};
const set = (...names: string[]): string[] => names.sort();
const last = (r: DecideResult[]): DesiredRouting => r[r.length - 1]!.desired;

describe('ProxySQL plan', () => {
  it('reads the topology from the 8000 groups: weights from 8000+hgW, candidates from membership', () => {
    const nodes = topologyOf(proxysql().rows(), g);
    assert.deepEqual(nodes.map((n) => [n.name, n.weight, n.writerCandidate, n.readerCandidate]), [[A, 1000, true, true], [C, 998, true, true], [B, 999, true, true]]);
  });

  it('names a node by its rows\' comment when `proxysql install --node host:port:weight:name` wrote one (the daemons\' names)', () => {
    assert.deepEqual(parseInstallNode('10.0.0.5:3306:900:node2'), { host: '10.0.0.5', port: 3306, weight: 900, name: 'node2' });
    assert.deepEqual(parseInstallNode('[::1]:3306'), { host: '::1', port: 3306 });
    assert.throws(() => parseInstallNode('10.0.0.5:3306:900:no spaces'), /host:port\[:weight\[:name\]\]/);
    const statements = installStatements({
      clusterId: 10, hgW: 100, hgR: 101, bckHgW: 8100, bckHgR: 8101, maxConnections: 100, program: ['/usr/bin/node', '/x/scheduler-main.js'],
      configFile: 'config.toml', configPath: '/etc/gw', intervalMs: 2000, deadlineMs: 1800, active: false, saveToDisk: false,
      nodes: [parseInstallNode('10.0.0.5:3306:1000:node1'), parseInstallNode('10.0.0.6:3306')],
    });
    const store = new AdminStore();
    for (const x of statements.filter((q) => q.startsWith('INSERT INTO mysql_servers') || q.startsWith('DELETE FROM mysql_servers'))) store.execute(x);
    const r = store.execute(`SELECT ${SERVER_COLUMNS} FROM mysql_servers`);
    if (r.kind !== 'rows') throw new Error('no rows');
    const rows = r.rows.map((v) => parseServerRow(Object.fromEntries(r.columns.map((c, i) => [c, v[i] ?? null]))));
    assert.ok(rows.some((r) => r.comment === 'galera-warden [node1] preferred writer'), rows.map((r) => r.comment).join(' | '));
    const nodes = topologyOf(rows, hostgroups(100, 101));
    assert.deepEqual(nodes.map((n) => [n.name, n.host, n.weight]), [['10.0.0.6:3306', '10.0.0.6', 999], ['node1', '10.0.0.5', 1000]]);
  });

  it('first decision: only the writer stays in hgW; every row takes its template from its 8000 row', () => {
    const p = proxysql();
    const c = config();
    const plan = p.apply(last(run(c, [healthy(c, 1000)])));
    assert.deepEqual(p.group(100, 'ONLINE'), set(A));
    assert.deepEqual(p.group(101, 'ONLINE'), set(A, B, C));
    const reader = p.rows('runtime_mysql_servers').find((r) => r.hostgroup === 101 && r.hostname === '192.168.4.23')!;
    assert.equal(reader.weight, 999); // 8101's value, not the 1000 the operator typed in 101
    assert.equal(reader.comment, 'Second preferred');
    assert.ok(plan.actions.some((a) => a.includes(`hg 100: remove ${B}`)));
    // the configuration groups are never written
    assert.ok(plan.statements.every((s) => !/810[01]/.test(s)));
  });

  it('changes nothing when memory and runtime already match; loads only when the runtime lags', () => {
    const p = proxysql();
    const c = config();
    const desired = last(run(c, [healthy(c, 1000)]));
    p.apply(desired);
    assert.equal(planServers(p.rows(), p.rows('runtime_mysql_servers'), desired, g).noop, true);
    p.store.execute(`UPDATE runtime_mysql_servers SET status='SHUNNED' WHERE hostgroup_id=101`);
    p.store.layers.runtime.mysql_servers!.forEach((r) => { if (r.hostgroup_id === '101') r.status = 'SHUNNED'; });
    assert.equal(planServers(p.rows(), p.rows('runtime_mysql_servers'), desired, g).noop, true, 'a server ProxySQL shunned is not re-added');
    p.store.layers.runtime.mysql_servers = [];
    const lagging = planServers(p.rows(), p.rows('runtime_mysql_servers'), desired, g);
    assert.deepEqual([lagging.statements.length, lagging.load, lagging.noop], [0, true, false]);
  });

  it('fails over within the 8000 list: the next by 8000+hgW weight becomes the writer', () => {
    const p = proxysql();
    const c = config();
    const results = run(c, [healthy(c, 1000), without(c, 2000, A), without(c, 3000, A)]);
    p.apply(results[0]!.desired);
    p.apply(last(results));
    assert.deepEqual(p.group(100, 'ONLINE'), set(B));
    assert.ok(!p.group(101, 'ONLINE').includes(A));
    assert.deepEqual(p.group(101, 'ONLINE'), set(B, C));
  });

  it('maintenance (wsrep_reject_queries) moves a node to 9000+HG and back to its groups when it ends', () => {
    const p = proxysql();
    const c = config();
    const rejecting = (now: number): Tick => ({
      now,
      observation: { at: now, nodes: c.nodes.map((n) => seen(n, now, syncedStatus(n, { confId: 3, members: c.nodes }, n.name === C ? { rejectQueries: 'ALL' } : {}))) },
    });
    const r1 = run(c, [healthy(c, 1000), rejecting(2000)]);
    p.apply(r1[0]!.desired);
    p.apply(last(r1));
    assert.deepEqual(p.group(101, 'ONLINE'), set(A, B));
    assert.deepEqual(p.group(9101), set(C));
    assert.deepEqual(p.group(9100), set(C));
    const r2 = run(c, [healthy(c, 3000), healthy(c, 4000), healthy(c, 5000)], r1[1]!.next);
    p.apply(last(r2));
    assert.deepEqual(p.group(101, 'ONLINE'), set(A, B, C));
    assert.deepEqual(p.group(9101), []);
    assert.deepEqual(p.group(9100), []);
  });

  it('an operator maintenance mark drains the node (OFFLINE_SOFT for reads; severed for writes while another node writes)', () => {
    const p = proxysql();
    const c = config();
    const r = run(c, [healthy(c, 1000), { ...healthy(c, 2000), external: { maintenance: [C] } }]);
    p.apply(last(r));
    assert.deepEqual(p.group(101, 'OFFLINE_SOFT'), set(C));
    // loaded OFFLINE_HARD (decide() says sever: A writes), which ProxySQL purges from the runtime
    assert.deepEqual(p.rows().filter((x) => x.hostgroup === 100 && x.status === 'OFFLINE_HARD').map((x) => `${x.hostname}:${x.port}`), [C]);
    assert.deepEqual(p.group(100), set(A));
    assert.deepEqual(p.group(101, 'ONLINE'), set(A, B));
    assert.equal(p.apply(last(r)).noop, true, 'a purged OFFLINE_HARD row is what ProxySQL keeps: nothing to load again');
  });

  it('a demoted writer while another writer exists is OFFLINE_HARD in hgW (decide() says sever), not OFFLINE_SOFT', () => {
    const p = proxysql();
    const c = config();
    const desired = last(run(c, [healthy(c, 1000)]));
    const demoted: DesiredRouting = {
      ...desired, writers: [B],
      nodes: desired.nodes.map((n) => (n.node === A ? { ...n, writer: 'offline_soft', writerConnections: 'sever' } : n.node === B ? { ...n, writer: 'writer', writerConnections: 'keep' } : n)),
    };
    const plan = p.apply(demoted);
    assert.ok(plan.target.some((t) => t.hostgroup === 100 && `${t.hostname}:${t.port}` === A && t.status === 'OFFLINE_HARD'), JSON.stringify(plan.target));
    assert.deepEqual(p.group(100), set(B));
    const drained: DesiredRouting = { ...demoted, nodes: demoted.nodes.map((n) => (n.node === A ? { ...n, writerConnections: 'drain' } : n)) };
    assert.ok(planServers(p.rows(), p.rows('runtime_mysql_servers'), drained, g).target.some((t) => t.hostgroup === 100 && `${t.hostname}:${t.port}` === A && t.status === 'OFFLINE_SOFT'));
  });

  it('a removed server still listed OFFLINE_HARD in the runtime (connections in use) is no reason to load again', () => {
    const p = proxysql();
    const c = config();
    p.apply(last(run(c, [healthy(c, 1000)])));
    const runtime = [...p.rows('runtime_mysql_servers'), { ...p.rows('runtime_mysql_servers').find((x) => x.hostgroup === 100)!, hostname: '10.9.9.9', status: 'OFFLINE_HARD' as const }];
    const again = planServers(p.rows(), runtime, last(run(c, [healthy(c, 1000)])), g);
    assert.equal(again.noop, true, again.actions.join('; '));
    const online = [...runtime.slice(0, -1), { ...runtime[runtime.length - 1]!, status: 'ONLINE' as const }];
    const stray = planServers(p.rows(), online, last(run(c, [healthy(c, 1000)])), g);
    assert.deepEqual(stray.actions.slice(1), ['hg 100: remove 10.9.9.9:3306 ONLINE'], 'a stray ONLINE row is named exactly');
  });

  it('a 4-byte character in a template comment is left out of the managed rows, with a warning naming the row', () => {
    const p = proxysql();
    p.store.execute(`UPDATE mysql_servers SET comment='writer \u{FFFD}\u{FFFD} main' WHERE hostgroup_id=8100 AND hostname='192.168.4.22'`);
    p.store.execute('LOAD MYSQL SERVERS TO RUNTIME');
    const c = config();
    const plan = p.apply(last(run(c, [healthy(c, 1000)])));
    assert.equal(plan.target.find((t) => t.hostgroup === 100)!.comment, 'writer  main');
    const warnings = commentWarnings(p.rows(), g);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /hg 8100 192\.168\.4\.22:3306: the comment holds a 4-byte character/);
  });

  it('writerIsAlsoReader = false keeps the writer out of hgR; with no other reader left it serves reads', () => {
    const p = proxysql();
    const c = config({ writerIsAlsoReader: false });
    p.apply(last(run(c, [healthy(c, 1000)])));
    assert.deepEqual(p.group(100, 'ONLINE'), set(A));
    assert.deepEqual(p.group(101, 'ONLINE'), set(B, C));
    const down = (now: number): Tick => {
      const t = healthyCluster({ ...c, nodes: c.nodes.filter((n) => n.name === A) }, now);
      return { now, observation: { at: now, nodes: [...t.nodes, failed(c.nodes[1]!, now), failed(c.nodes[2]!, now)] } };
    };
    const r = run(c, [healthy(c, 1000), down(2000), down(3000)]);
    p.apply(last(r));
    assert.deepEqual(p.group(101, 'ONLINE'), [A], 'reader fallback: the writer serves reads');
  });

  it('quotes by doubling single quotes and passes backslashes through', () => {
    const p = proxysql();
    p.store.execute(`UPDATE mysql_servers SET comment='it''s \\ fine' WHERE hostgroup_id=8100`);
    p.store.execute('LOAD MYSQL SERVERS TO RUNTIME');
    const c = config();
    p.apply(last(run(c, [healthy(c, 1000)])));
    assert.equal(p.rows('runtime_mysql_servers').find((r) => r.hostgroup === 100)!.comment, "it's \\ fine");
  });
});
