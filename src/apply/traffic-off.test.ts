// Traffic switched off means the same on every router: nothing routed, every connection severed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { trafficOffRouting } from '../decide/traffic-off.js';
import { commandText, planHaproxy } from './haproxy/plan.js';
import type { AdminState, ServerState } from './haproxy/runtime-client.js';
import { planProxy } from './builtin-proxy/plan.js';
import { targetRows } from './proxysql/plan.js';
import { hostgroups } from './proxysql/servers.js';
import { routing } from './router-contract.js';

const nodes = ['n1', 'n2', 'n3'].map((name, i) => ({ name, host: '127.0.0.1', port: 30001 + 10 * i }));
const on = routing(nodes, { writers: ['n1'], readers: ['n1', 'n2', 'n3'] });
const off = trafficOffRouting(on, 'traffic is disabled by ops: migration');

describe('traffic off on every router', () => {
  it('the routing: no writer, no reader, every connection severed, the reason on every node', () => {
    assert.deepEqual([off.writers, off.readers, off.trafficOff], [[], [], 'traffic is disabled by ops: migration']);
    assert.ok(off.nodes.every((n) => n.writerConnections === 'sever' && n.readerConnections === 'sever' && n.reasons[0]?.code === 'TRAFFIC_DISABLED'));
    assert.deepEqual(off.nodes.map((n) => [n.writer, n.reader]), [['offline_soft', 'offline_soft'], ['offline_soft', 'offline_soft'], ['offline_soft', 'offline_soft']]);
    assert.equal(on.trafficOff, undefined, 'the decision itself is untouched');
  });

  it('a node in maintenance stays in maintenance', () => {
    const m = trafficOffRouting(routing(nodes, { writers: ['n1'], readers: ['n1', 'n2'], maintenance: ['n3'] }), 'off');
    assert.deepEqual(m.nodes.find((n) => n.node === 'n3')?.writer, 'maintenance');
  });

  it('built-in proxy: both pools emptied, open connections severed, new clients refused', () => {
    const p = planProxy({ writers: ['n1'], readers: ['n1', 'n2', 'n3'] }, off, () => true);
    assert.deepEqual([p.writers, p.readers, p.severWriter, p.severReader, p.refuse], [[], [], ['n1', 'n2', 'n3'], ['n1', 'n2', 'n3'], 'traffic is disabled by ops: migration']);
  });

  it('ProxySQL: every server OFFLINE_HARD in the writer and reader hostgroups (sessions killed, none routed)', () => {
    const g = hostgroups(100, 101);
    const rows = targetRows([], off, g);
    assert.ok(rows.length >= 6, JSON.stringify(rows));
    assert.deepEqual([...new Set(rows.filter((r) => r.hostgroup === 100 || r.hostgroup === 101).map((r) => r.status))], ['OFFLINE_HARD']);
    assert.equal(rows.filter((r) => r.hostgroup === 100).length, 3);
  });

  it('HAProxy: every server in maint with its sessions shut down, in both backends', () => {
    const B = { writer: 'galera_writer', reader: 'galera_reader' };
    const server = (backend: string, name: string, admin: AdminState): ServerState =>
      ({ backend, server: name, address: '127.0.0.1', port: 3306, opState: 2, adminFlags: { ready: 0, drain: 8, maint: 1 }[admin], admin });
    const servers = [server(B.writer, 'n1', 'ready'), server(B.writer, 'n2', 'maint'), server(B.writer, 'n3', 'maint'), ...['n1', 'n2', 'n3'].map((n) => server(B.reader, n, 'ready'))];
    const cmds = planHaproxy(off, servers, B).commands.map(commandText);
    for (const n of ['n1', 'n2', 'n3']) {
      assert.ok(cmds.includes(`set server galera_reader/${n} state maint`) && cmds.includes(`shutdown sessions server galera_reader/${n}`), cmds.join('; '));
    }
    assert.ok(cmds.includes('set server galera_writer/n1 state maint') && cmds.includes('shutdown sessions server galera_writer/n1'), cmds.join('; '));
    assert.ok(planHaproxy(off, servers, B).target.every((t) => t.state === 'maint'));
  });
});
