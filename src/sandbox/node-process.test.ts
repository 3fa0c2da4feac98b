import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SandboxError } from '../model/errors.js';
import { NodeExitedWhileStarting, isNodeProcess, startWithRetries } from './node-process.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-node-process-'));
const errorLog = path.join(dir, 'error.log');
fs.writeFileSync(errorLog, '[Note] WSREP: non-primary view with no members\n');
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A start that exits while starting `exits` times, then succeeds (or throws `then`). */
function starts(exits: number, then?: Error) {
  const calls: number[] = [];
  return {
    calls,
    start: async () => {
      calls.push(calls.length + 1);
      if (calls.length <= exits) throw new NodeExitedWhileStarting('node1', errorLog);
      if (then) throw then;
    },
  };
}

describe('startWithRetries (the sandbox restart hook on a loaded host)', () => {
  it('a start that exits while starting (it raced the view change) is started again after a growing pause, and succeeds', async () => {
    const s = starts(2);
    const pauses: number[] = [];
    const logs: string[] = [];
    const n = await startWithRetries('node1', s.start, { attempts: 4, pauseMs: 2000, sleep: async (ms) => void pauses.push(ms), log: (m) => logs.push(m) });
    assert.equal(n, 3);
    assert.deepEqual(s.calls, [1, 2, 3]);
    assert.deepEqual(pauses, [2000, 4000]);
    assert.match(logs[0]!, /node1 exited while starting \(start 1 of 4\); starting it again in 2000 ms/);
  });

  it('the retries are bounded: after the last start it fails, naming the node and the error log', async () => {
    const s = starts(10);
    await assert.rejects(startWithRetries('node1', s.start, { attempts: 3, pauseMs: 1, sleep: async () => {} }), (err: Error) => {
      assert.ok(err instanceof SandboxError);
      assert.match(err.message, /node1: 3 starts, each exited while starting/);
      assert.match(err.message, /non-primary view with no members/);
      return true;
    });
    assert.equal(s.calls.length, 3);
  });

  it('any other failure (e.g. not Synced within the deadline) is not retried', async () => {
    const s = starts(0, new SandboxError('node1 did not reach Synced within 120000 ms'));
    await assert.rejects(startWithRetries('node1', s.start, { attempts: 4, pauseMs: 1, sleep: async () => {} }), /did not reach Synced/);
    assert.equal(s.calls.length, 1);
  });
});

describe('isNodeProcess (is the pid in warden.pid still this node?)', () => {
  const cnf = '/tmp/sb/node1/my.cnf';
  it('the node\'s mariadbd, or the `ip netns exec` that is about to become it: yes', () => {
    assert.equal(isNodeProcess(`mariadbd\0--defaults-file=${cnf}\0`, undefined, cnf), true);
    assert.equal(isNodeProcess(`ip\0netns\0exec\0gw-n1\0mariadbd\0--defaults-file=${cnf}\0`, undefined, cnf), true);
  });
  it('in the middle of the exec (empty command line): the program decides; a netns start is not taken for a dead one', () => {
    assert.equal(isNodeProcess('', '/usr/sbin/mariadbd', cnf), true);
    assert.equal(isNodeProcess('', '/usr/bin/ip', cnf), true);
    assert.equal(isNodeProcess('', '/usr/sbin/mariadbd (deleted)', cnf), true);
    assert.equal(isNodeProcess('', '/usr/bin/sleep', cnf), false);
    assert.equal(isNodeProcess('', undefined, cnf), false);
  });
  it('a reused pid (another program, another node\'s mariadbd): no', () => {
    assert.equal(isNodeProcess('sleep\x00600\x00', '/usr/bin/sleep', cnf), false);
    assert.equal(isNodeProcess('mariadbd\0--defaults-file=/tmp/sb/node2/my.cnf\0', '/usr/sbin/mariadbd', cnf), false);
  });
});
