import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Deadline, DeadlineExceeded } from './deadline.js';

describe('Deadline', () => {
  it('lets a step that finishes in time through', async () => {
    const d = new Deadline(200);
    assert.equal(await d.race(Promise.resolve(7)), 7);
    d.clear();
    assert.equal(d.passed, false);
  });

  it('rejects a slow step at the deadline and runs onExpire once', async () => {
    let expired = 0;
    const d = new Deadline(50, () => expired++);
    const started = Date.now();
    await assert.rejects(d.race(new Promise(() => undefined)), DeadlineExceeded);
    assert.ok(Date.now() - started >= 45);
    await assert.rejects(d.race(Promise.resolve(1).then(() => new Promise(() => undefined))), DeadlineExceeded);
    assert.equal(expired, 1);
    assert.equal(d.passed, true);
  });

  it('a step failing after it lost the race is no unhandled rejection', async () => {
    const d = new Deadline(10);
    const late = new Promise((_, reject) => setTimeout(() => reject(new Error('late')), 30));
    await assert.rejects(d.race(late), DeadlineExceeded);
    await new Promise((r) => setTimeout(r, 40));
  });

  it('an expired deadline nobody raced is no unhandled rejection either', async () => {
    new Deadline(5);
    await new Promise((r) => setTimeout(r, 20));
  });
});
