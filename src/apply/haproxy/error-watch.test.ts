import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataPathSignal } from '../../model/tick.js';
import { parseServerErrors, risenErrors, watchHaproxyErrors } from './error-watch.js';

const HEAD = '# pxname,svname,qcur,scur,econ,eresp,status,chkfail,check_status,cli_abrt,srv_abrt,';
const stat = (rows: [string, string, number, number, number][]) =>
  [HEAD, ...rows.map(([px, sv, econ, chkfail, srvAbrt]) => `${px},${sv},0,1,${econ},0,UP,${chkfail},L4OK,0,${srvAbrt},`)].join('\n') + '\n';

describe('HAProxy error watch', () => {
  it('reads econ, srv_abrt and chkfail of the managed backends\' servers only', () => {
    const csv = stat([['galera_writer', 'node1', 3, 1, 2], ['galera_writer', 'BACKEND', 9, 9, 9], ['other', 'x', 5, 5, 5], ['galera_reader', 'node2', 0, 0, 0]]);
    assert.deepEqual(parseServerErrors(csv, ['galera_writer', 'galera_reader']), [
      { backend: 'galera_writer', server: 'node1', econ: 3, srvAbrt: 2, chkfail: 1 },
      { backend: 'galera_reader', server: 'node2', econ: 0, srvAbrt: 0, chkfail: 0 },
    ]);
    assert.deepEqual(parseServerErrors('Unknown command\n', ['galera_writer']), []);
  });

  it('a counter that went up is a signal; a first sight is only a baseline', () => {
    const a = parseServerErrors(stat([['w', 'node1', 3, 1, 2], ['w', 'node2', 0, 0, 0]]), ['w']);
    const b = parseServerErrors(stat([['w', 'node1', 5, 1, 2], ['w', 'node2', 0, 0, 1], ['w', 'node3', 7, 7, 7]]), ['w']);
    assert.deepEqual(risenErrors(a, b), [{ server: 'node1', detail: 'w/node1: econ +2' }, { server: 'node2', detail: 'w/node2: srv_abrt +1' }]);
    assert.deepEqual(risenErrors(b, b), []);
  });

  it('polls show stat and signals the node whose failed connects went up', async () => {
    const answers = [stat([['w', 'node1', 0, 0, 0]]), stat([['w', 'node1', 0, 0, 0]]), stat([['w', 'node1', 4, 0, 0]])];
    const commands: string[] = [];
    const signals: DataPathSignal[] = [];
    const stop = watchHaproxyErrors({
      send: async (c) => {
        commands.push(c);
        return answers[Math.min(commands.length - 1, answers.length - 1)]!;
      },
      backends: ['w'], pollMs: 10, sink: (s) => signals.push(s),
    });
    const end = Date.now() + 5000;
    while (signals.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    stop();
    assert.equal(commands[0], 'show stat -1 4 -1');
    assert.equal(signals.length, 1);
    assert.deepEqual({ ...signals[0], at: 0 }, { router: 'haproxy', node: 'node1', kind: 'counters', at: 0, detail: 'w/node1: econ +4' });
  });
});
