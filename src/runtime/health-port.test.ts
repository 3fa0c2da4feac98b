import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HealthPort } from './health-port.js';

describe('health port', () => {
  const hp = new HealthPort('127.0.0.1', 0);
  let base = '';
  before(async () => {
    base = `http://127.0.0.1:${(await hp.listen()).port}`;
  });
  after(async () => {
    await hp.close();
  });

  it('answers 200 on any path while serving, and /ready 200 until draining', async () => {
    assert.equal((await fetch(`${base}/`)).status, 200);
    assert.equal((await fetch(`${base}/anything`)).status, 200);
    assert.equal((await fetch(`${base}/ready`)).status, 200);
  });

  it('turns /ready to 503 while draining, the liveness path stays 200', async () => {
    hp.drain();
    const r = await fetch(`${base}/ready`);
    assert.equal(r.status, 503);
    assert.deepEqual(await r.json(), { status: 'draining' });
    assert.equal((await fetch(`${base}/`)).status, 200);
  });
});
