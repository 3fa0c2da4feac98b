// The scheduler bundle's SHA-1 (mysql_native_password) against node:crypto: the standard's test vectors, and
// any mix of strings and bytes as auth_41.js passes them (the password, then the two scramble halves and a hash).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Sha1, createHash } from './scheduler-sha1.js';

const reference = (parts: (string | Uint8Array)[]): string => {
  const h = crypto.createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};
const ours = (parts: (string | Uint8Array)[]): string => {
  const h = new Sha1();
  for (const p of parts) h.update(p);
  return h.digest().toString('hex');
};

describe('scheduler SHA-1', () => {
  it('gives the standard test vectors', () => {
    assert.equal(ours(['']), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(ours(['abc']), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(ours(['abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq']), '84983e441c3bd26ebaae4aa1f95129e5e54670f1');
    assert.equal(ours(['a'.repeat(1_000_000)]), '34aa973cd4c4daa4f61eeb2bdbad27316534016f');
  });

  it('agrees with node:crypto on any strings and bytes, at every length around the 64-byte blocks', () => {
    const part = fc.oneof(fc.string({ unit: 'binary', maxLength: 150 }), fc.uint8Array({ maxLength: 150 }));
    fc.assert(fc.property(fc.array(part, { minLength: 1, maxLength: 4 }), (parts) => ours(parts) === reference(parts)), { numRuns: 500 });
    for (let n = 0; n <= 130; n++) assert.equal(ours([Buffer.alloc(n, n)]), reference([Buffer.alloc(n, n)]), `${n} bytes`);
  });

  it('createHash takes sha1 only', () => {
    assert.equal(createHash('sha1').update('abc').digest().toString('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.throws(() => createHash('sha256'), /only sha1/);
  });
});
