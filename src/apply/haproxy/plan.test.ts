import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { DesiredRouting } from '../../model/decision.js';
import { routing } from '../router-contract.js';
import { commandText, compareTarget, planHaproxy, simulate } from './plan.js';
import type { AdminState, ServerState } from './runtime-client.js';

const B = { writer: 'galera_writer', reader: 'galera_reader' };
const nodes = ['n1', 'n2', 'n3'].map((name, i) => ({ name, host: '127.0.0.1', port: 30001 + 10 * i }));
const server = (backend: string, name: string, admin: AdminState): ServerState =>
  ({ backend, server: name, address: '127.0.0.1', port: 3306, opState: admin === 'maint' ? 0 : 2, adminFlags: { ready: 0, drain: 8, maint: 1 }[admin], admin });
const state = (w: AdminState[], r: AdminState[], names = ['n1', 'n2', 'n3']): ServerState[] =>
  [...names.map((n, i) => server(B.writer, n, w[i]!)), ...names.map((n, i) => server(B.reader, n, r[i]!))];
const ready = (s: readonly ServerState[], backend: string): string[] => s.filter((x) => x.backend === backend && x.admin === 'ready').map((x) => x.server).sort();

describe('planHaproxy', () => {
  it('a fresh HAProxy (all ready): the writer stays ready, the others go to maint with their sessions shut down', () => {
    const p = planHaproxy(routing(nodes, { writers: ['n1'], readers: ['n1', 'n2', 'n3'] }), state(['ready', 'ready', 'ready'], ['ready', 'ready', 'ready']), B);
    assert.deepEqual(p.commands.map(commandText), [
      'set server galera_writer/n2 state maint', 'shutdown sessions server galera_writer/n2',
      'set server galera_writer/n3 state maint', 'shutdown sessions server galera_writer/n3',
    ]);
  });

  it('moving the writer takes the old one out (maint, sessions shut down) before the new one is ready', () => {
    const p = planHaproxy(routing(nodes, { writers: ['n2'], readers: ['n1', 'n2', 'n3'] }), state(['ready', 'maint', 'maint'], ['ready', 'ready', 'ready']), B);
    assert.deepEqual(p.commands.map(commandText), [
      'set server galera_writer/n1 state maint', 'shutdown sessions server galera_writer/n1', 'set server galera_writer/n2 state ready',
    ]);
    assert.deepEqual(p.actions[0], 'galera_writer/n1: ready -> maint');
  });

  it('a writer that only leaves the role without sever drains; a drained server never goes back from maint to drain', () => {
    const d = routing(nodes, { writers: ['n2'], readers: ['n1', 'n2', 'n3'] });
    const drainN1: DesiredRouting = { ...d, nodes: d.nodes.map((n) => (n.node === 'n1' ? { ...n, writer: 'offline_soft', writerConnections: 'drain' } : n)) };
    assert.deepEqual(planHaproxy(drainN1, state(['ready', 'maint', 'maint'], ['ready', 'ready', 'ready']), B).commands.map(commandText),
      ['set server galera_writer/n1 state drain', 'set server galera_writer/n2 state ready']);
    assert.deepEqual(planHaproxy(drainN1, state(['maint', 'ready', 'maint'], ['ready', 'ready', 'ready']), B).commands, []);
  });

  it('maintenance takes the node out of the reader backend too', () => {
    const p = planHaproxy(routing(nodes, { writers: ['n1'], readers: ['n1', 'n2'], maintenance: ['n3'] }), state(['ready', 'maint', 'maint'], ['ready', 'ready', 'ready']), B);
    assert.deepEqual(p.commands.map(commandText), ['set server galera_reader/n3 state maint', 'shutdown sessions server galera_reader/n3']);
  });

  it('nothing to do when the servers match', () => {
    const p = planHaproxy(routing(nodes, { writers: ['n1'], readers: ['n1', 'n2', 'n3'] }), state(['ready', 'maint', 'maint'], ['ready', 'ready', 'ready']), B);
    assert.equal(p.noop, true);
    assert.deepEqual(compareTarget(state(['ready', 'maint', 'maint'], ['ready', 'ready', 'ready']), p.target), []);
  });

  it('a routed node without a server line is E_HAPROXY_PLAN naming node and backend; an unrouted one is a note', () => {
    const two = state(['ready', 'maint'], ['ready', 'ready'], ['n1', 'n2']);
    assert.throws(() => planHaproxy(routing(nodes, { writers: ['n3'], readers: ['n1'] }), two, B), (e: Error & { code: string }) =>
      e.code === 'E_HAPROXY_PLAN' && e.message.includes('node n3') && e.message.includes('galera_writer'));
    const p = planHaproxy(routing(nodes, { writers: ['n1'], readers: ['n1', 'n2'] }), two, B);
    assert.deepEqual(p.notes, ['node n3: no server line in backend galera_writer', 'node n3: no server line in backend galera_reader']);
  });

  it('a server no node names is put in maint', () => {
    const s = [...state(['ready', 'maint', 'maint'], ['ready', 'ready', 'ready']), server(B.writer, 'stray', 'ready')];
    const p = planHaproxy(routing(nodes, { writers: ['n1'], readers: ['n1', 'n2', 'n3'] }), s, B);
    assert.deepEqual(p.commands.map(commandText), ['set server galera_writer/stray state maint']);
  });

  it('property: afterwards exactly the desired writers and readers are ready; a new writer is ready only once no other writer server is; planning again does nothing', () => {
    const admin = fc.constantFrom<AdminState>('ready', 'drain', 'maint');
    const names = ['n1', 'n2', 'n3'];
    fc.assert(fc.property(
      fc.array(admin, { minLength: 3, maxLength: 3 }), fc.array(admin, { minLength: 3, maxLength: 3 }),
      fc.option(fc.constantFrom(...names), { nil: undefined }), fc.subarray(names), fc.subarray(names),
      fc.array(fc.constantFrom<'keep' | 'drain' | 'sever'>('drain', 'sever'), { minLength: 3, maxLength: 3 }),
      (w, r, writer, readers0, maint, conns) => {
        const maintenance = maint.filter((m) => m !== writer);
        const readers = readers0.filter((x) => !maintenance.includes(x));
        const base = routing(nodes, { writers: writer ? [writer] : [], readers, maintenance });
        const d: DesiredRouting = { ...base, nodes: base.nodes.map((n, i) => (n.writer === 'backup' ? { ...n, writerConnections: conns[i]! } : n)) };
        const before = state(w, r);
        const p = planHaproxy(d, before, B);
        let s = before;
        for (let k = 0; k < p.commands.length; k++) {
          s = simulate(s, [p.commands[k]!]);
          const on = ready(s, B.writer);
          if (writer && on.includes(writer) && !ready(before, B.writer).includes(writer)) assert.deepEqual(on, [writer], `step ${k}: ${commandText(p.commands[k]!)}`);
        }
        assert.deepEqual(ready(s, B.writer), writer ? [writer] : []);
        assert.deepEqual(ready(s, B.reader), [...readers].sort());
        assert.deepEqual(compareTarget(s, p.target), []);
        assert.equal(planHaproxy(d, s, B).noop, true);
        for (const c of p.commands) if (c.kind === 'shutdown') assert.equal(before.find((x) => x.backend === c.backend && x.server === c.server)?.admin !== 'maint', true);
      },
    ), { numRuns: 500 });
  });
});
