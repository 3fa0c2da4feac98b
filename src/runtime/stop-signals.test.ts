import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { onStopSignals, sleep } from './stop-signals.js';

describe('stop signals', () => {
  it('counts signals and removes its handlers', () => {
    const proc = new EventEmitter();
    const seen: string[] = [];
    const remove = onStopSignals((s, n) => seen.push(`${s}#${n}`), ['SIGINT', 'SIGTERM'], proc);
    proc.emit('SIGTERM', 'SIGTERM');
    proc.emit('SIGINT', 'SIGINT');
    remove();
    proc.emit('SIGINT', 'SIGINT');
    assert.deepEqual(seen, ['SIGTERM#1', 'SIGINT#2']);
    assert.equal(proc.listenerCount('SIGINT'), 0);
  });

  it('sleep ends early on abort', async () => {
    const ac = new AbortController();
    const started = Date.now();
    setTimeout(() => ac.abort(), 20);
    await sleep(5000, ac.signal);
    assert.ok(Date.now() - started < 10_000, 'ended by its own timer, not hung');
    await sleep(5000, ac.signal); // already aborted: at once
  });
});
