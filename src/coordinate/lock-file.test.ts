import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LockFile } from './lock-file.js';

describe('lock file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-lock-'));
  const file = path.join(dir, 'x.pid');

  it('is exclusive while held and free once released', () => {
    const a = LockFile.acquire(file, 60_000);
    assert.equal(a.acquired, true);
    const b = LockFile.acquire(file, 60_000);
    assert.equal(b.acquired, false);
    assert.equal(b.acquired === false && b.holder.pid, process.pid);
    if (a.acquired) a.lock.release();
    assert.equal(fs.existsSync(file), false);
  });

  it('takes over a lock whose process is gone, or that expired', () => {
    fs.writeFileSync(file, JSON.stringify({ pid: 2 ** 22 + 3, host: os.hostname(), since: 1, expires: Date.now() + 60_000 }));
    const a = LockFile.acquire(file, 60_000);
    assert.equal(a.acquired && a.tookOver?.pid, 2 ** 22 + 3);
    if (a.acquired) a.lock.release();
    fs.writeFileSync(file, JSON.stringify({ pid: process.pid, host: 'elsewhere', since: 1, expires: Date.now() - 1 }));
    const b = LockFile.acquire(file, 60_000);
    assert.equal(b.acquired, true);
    if (b.acquired) b.lock.release();
  });

  it('treats an unreadable lock file as stale', () => {
    fs.writeFileSync(file, 'garbage');
    const a = LockFile.acquire(file, 60_000);
    assert.equal(a.acquired, true);
    if (a.acquired) a.lock.release();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
