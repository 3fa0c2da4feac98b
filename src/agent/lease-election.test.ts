import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LeaseElector, leaseStep, observe } from './lease-election.js';
import type { LeaseRecord, LeaseStore, StoredLease } from './lease-election.js';

const rec = (holder: string, renewTime: number, extra: Partial<LeaseRecord> = {}): LeaseRecord =>
  ({ holderIdentity: holder, leaseDurationSeconds: 10, acquireTime: 0, renewTime, leaseTransitions: 3, ...extra });

describe('leaseStep (client-go tryAcquireOrRenew)', () => {
  it('creates the lease when there is none', () => {
    assert.deepEqual(leaseStep(undefined, undefined, 'me', 5000, 15), { kind: 'create', record: { holderIdentity: 'me', leaseDurationSeconds: 15, acquireTime: 5000, renewTime: 5000, leaseTransitions: 0 } });
  });

  it('waits while another holder\'s lease runs, timed by the local clock since the record was first seen', () => {
    // the holder's renewTime is far in the past on OUR clock (skew): irrelevant, first-seen time counts
    const read: StoredLease = { record: rec('other', -1_000_000), resourceVersion: '7' };
    const o = observe(read, undefined, 100_000);
    assert.deepEqual(leaseStep(read, o, 'me', 105_000, 10), { kind: 'wait', holder: 'other', expiresAt: 110_000 });
    // the same record read again keeps its first-seen time: expired at 110 s
    const again = observe(read, o, 110_000);
    assert.equal(again.at, 100_000);
    const step = leaseStep(read, again, 'me', 110_000, 10);
    assert.equal(step.kind, 'replace');
    assert.deepEqual(step.kind === 'replace' && step, { kind: 'replace', resourceVersion: '7', record: { holderIdentity: 'me', leaseDurationSeconds: 10, acquireTime: 110_000, renewTime: 110_000, leaseTransitions: 4 } });
  });

  it('a renewal by the holder (new resourceVersion) restarts the wait', () => {
    const first: StoredLease = { record: rec('other', 1), resourceVersion: '7' };
    const o1 = observe(first, undefined, 0);
    const renewed: StoredLease = { record: rec('other', 2), resourceVersion: '8' };
    const o2 = observe(renewed, o1, 9_000);
    assert.equal(o2.at, 9_000);
    assert.equal(leaseStep(renewed, o2, 'me', 12_000, 10).kind, 'wait');
  });

  it('renews its own lease keeping acquireTime and transitions; takes a released (empty holder) lease at once', () => {
    const mine: StoredLease = { record: rec('me', 1, { acquireTime: 42 }), resourceVersion: '9' };
    const s = leaseStep(mine, observe(mine, undefined, 50), 'me', 60, 10);
    assert.deepEqual(s, { kind: 'replace', resourceVersion: '9', record: { holderIdentity: 'me', leaseDurationSeconds: 10, acquireTime: 42, renewTime: 60, leaseTransitions: 3 } });
    const released: StoredLease = { record: rec('', 1), resourceVersion: '10' };
    assert.equal(leaseStep(released, observe(released, undefined, 50), 'me', 50, 10).kind, 'replace');
  });
});

describe('LeaseElector', () => {
  it('a 409 on the write means not leader; a store error propagates; renewDeadlineMs must be below the lease duration', async () => {
    let now = 0;
    let stored: StoredLease | undefined;
    let fail: 'conflict' | 'down' | undefined;
    const store: LeaseStore = {
      get: async () => { if (fail === 'down') throw new Error('down'); return stored; },
      create: async (r) => { if (fail === 'conflict') throw Object.assign(new Error('409'), { status: 409 }); stored = { record: r, resourceVersion: '1' }; return stored; },
      replace: async (r, rv) => {
        if (fail === 'conflict' || rv !== stored?.resourceVersion) throw Object.assign(new Error('409'), { status: 409 });
        stored = { record: r, resourceVersion: String(Number(rv) + 1) };
        return stored;
      },
    };
    const e = new LeaseElector({ store, identity: 'me', leaseDurationSeconds: 10, renewDeadlineMs: 5000, retryPeriodMs: 1000, now: () => now });
    fail = 'conflict';
    assert.equal(await e.tryAcquireOrRenew(), false);
    assert.equal(e.counts.conflicts, 1);
    fail = undefined;
    assert.equal(await e.tryAcquireOrRenew(), true);
    now = 4000;
    fail = 'down';
    await assert.rejects(e.tryAcquireOrRenew(), /down/);
    assert.throws(() => new LeaseElector({ store, identity: 'x', leaseDurationSeconds: 5, renewDeadlineMs: 5000 }), /renewDeadlineMs/);
  });
});
