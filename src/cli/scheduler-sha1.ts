// SHA-1 (FIPS 180-4) for mysql2's mysql_native_password login in the scheduler bundle: scripts/bundle-scheduler.mjs
// hands it to mysql2's auth_41.js in place of node:crypto, which loads fifteen of Node's modules (4-6 ms of CPU,
// a tenth of what a scheduler run adds to an empty Node; issue 16) for three hashes of a few dozen bytes per
// login. SHA-1 is the protocol's choice (the server's challenge), not ours. Other logins (caching_sha2_password,
// sha256_password) still load node:crypto, on first use. Checked against node:crypto by scheduler-sha1.test.ts.

const K = [0x5a827999, 0x6ed9eba1, 0x8f1bbcdc, 0xca62c1d6];

/** The part of node:crypto's Hash that auth_41.js uses: update() with strings (UTF-8) or bytes, then digest(). */
export class Sha1 {
  readonly #parts: Uint8Array[] = [];

  update(data: string | Uint8Array): this {
    this.#parts.push(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    return this;
  }

  digest(): Buffer {
    const msg = Buffer.concat(this.#parts);
    const bits = msg.length * 8;
    // the message, a 1 bit, zeros up to 56 mod 64 bytes, the length in bits as 64-bit big-endian
    const padded = Buffer.alloc((((msg.length + 8) >> 6) + 1) << 6);
    msg.copy(padded);
    padded[msg.length] = 0x80;
    padded.writeUInt32BE(Math.floor(bits / 0x100000000), padded.length - 8);
    padded.writeUInt32BE(bits >>> 0, padded.length - 4);
    const h = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];
    const w = new Int32Array(80);
    for (let off = 0; off < padded.length; off += 64) {
      for (let i = 0; i < 16; i++) w[i] = padded.readInt32BE(off + i * 4);
      for (let i = 16; i < 80; i++) {
        const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
        w[i] = (x << 1) | (x >>> 31);
      }
      let [a, b, c, d, e] = h as [number, number, number, number, number];
      for (let i = 0; i < 80; i++) {
        const s = i / 20 | 0;
        const f = s === 0 ? (b & c) | (~b & d) : s === 2 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
        const t = (((a << 5) | (a >>> 27)) + f + e + K[s]! + w[i]!) | 0;
        e = d;
        d = c;
        c = (b << 30) | (b >>> 2);
        b = a;
        a = t;
      }
      h[0] = (h[0]! + a) | 0;
      h[1] = (h[1]! + b) | 0;
      h[2] = (h[2]! + c) | 0;
      h[3] = (h[3]! + d) | 0;
      h[4] = (h[4]! + e) | 0;
    }
    const out = Buffer.alloc(20);
    h.forEach((v, i) => out.writeInt32BE(v, i * 4));
    return out;
  }
}

/** node:crypto's createHash for SHA-1 only (what auth_41.js asks for). */
export function createHash(algorithm: string): Sha1 {
  if (algorithm !== 'sha1') throw new Error(`scheduler-sha1: only sha1, not ${algorithm}`);
  return new Sha1();
}
