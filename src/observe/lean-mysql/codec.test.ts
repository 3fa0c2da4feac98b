// The lean MySQL client's packet codec, on payloads built by hand from the protocol's layouts.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CAP, CLIENT_FLAGS, MAX_PAYLOAD, PacketReader, ResultParser, TYPE, frame, handshakeResponse, nativeScramble, parseErr, parseGreeting,
  parseOk, queryPayload,
} from './codec.js';

const lenenc = (b: Buffer): Buffer => Buffer.concat([Buffer.from([b.length]), b]);
const str = (s: string): Buffer => lenenc(Buffer.from(s, 'utf8'));

function greeting(o: { plugin?: string; caps?: number; mariadb?: number } = {}): { payload: Buffer; seed: Buffer } {
  const seed = Buffer.from('0123456789abcdefghij');
  const caps = o.caps ?? 0xf7ff | ((CAP.PLUGIN_AUTH | CAP.CONNECT_ATTRS | CAP.PLUGIN_AUTH_LENENC_CLIENT_DATA) >>> 0);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(42);
  const reserved = Buffer.alloc(10);
  reserved.writeUInt32LE(o.mariadb ?? 0, 6);
  const payload = Buffer.concat([
    Buffer.from([10]), Buffer.from('10.11.18-MariaDB\0'), head, seed.subarray(0, 8), Buffer.from([0]),
    Buffer.from([caps & 0xff, (caps >> 8) & 0xff, 33, 2, 0, (caps >> 16) & 0xff, (caps >>> 24) & 0xff, 21]), reserved,
    seed.subarray(8), Buffer.from([0]), Buffer.from(`${o.plugin ?? 'mysql_native_password'}\0`),
  ]);
  return { payload, seed };
}

function column(name: string, type: number, charset = 33): Buffer {
  const tail = Buffer.alloc(13);
  tail[0] = 0x0c;
  tail.writeUInt16LE(charset, 1);
  tail.writeUInt32LE(255, 3);
  tail[7] = type;
  return Buffer.concat([str('def'), str('db'), str('t'), str('t'), str(name), str(name), tail]);
}
const eof = Buffer.from([0xfe, 0, 0, 2, 0]);
const row = (...values: (string | null)[]): Buffer => Buffer.concat(values.map((v) => (v === null ? Buffer.from([0xfb]) : str(v))));
/** the parser's answer (read through a call: an earlier assert narrowed the field) */
const answer = (p: ResultParser): ResultParser['done'] => p.done;
const opts = { rowsAsArray: true, supportBigNumbers: true, bigNumberStrings: true };

describe('lean MySQL codec', () => {
  it('parses the Initial Handshake v10: version, capabilities, the 20-byte challenge, the plugin', () => {
    const { payload, seed } = greeting();
    const g = parseGreeting(payload);
    assert.equal(g.serverVersion, '10.11.18-MariaDB');
    assert.equal(g.connectionId, 42);
    assert.deepEqual(g.seed, seed);
    assert.equal(g.plugin, 'mysql_native_password');
    assert.ok(g.capabilities & CAP.PROTOCOL_41 && g.capabilities & CAP.PLUGIN_AUTH);
    assert.equal(g.charset, 33);
    assert.equal(g.mariadbCapabilities, 0);
    const maria = parseGreeting(greeting({ caps: 0xf7fe | CAP.PLUGIN_AUTH, mariadb: 8 }).payload);
    assert.equal(maria.mariadbCapabilities, 8);
    assert.equal(parseGreeting(greeting({ plugin: 'caching_sha2_password' }).payload).plugin, 'caching_sha2_password');
    assert.throws(() => parseGreeting(Buffer.from([9, 0])), /protocol version 9/);
  });

  it('computes the mysql_native_password scramble (and none for an empty password)', () => {
    const seed = Buffer.from('0123456789abcdefghij');
    const sha1 = (...b: (string | Buffer)[]): Buffer => b.reduce((h, x) => h.update(x), crypto.createHash('sha1')).digest();
    const s1 = sha1('secret');
    const expect = Buffer.from(sha1(seed, sha1(s1)).map((x, i) => x ^ s1[i]!));
    assert.deepEqual(nativeScramble('secret', seed), expect);
    assert.equal(nativeScramble('', seed).length, 0);
  });

  it('writes HandshakeResponse41: flags, charset, user, lenenc auth, empty database, plugin, attributes', () => {
    const auth = Buffer.alloc(20, 7);
    const b = handshakeResponse({ flags: CLIENT_FLAGS, mariadbFlags: 8, user: 'warden', auth, database: '', plugin: 'mysql_native_password', attributes: { a: 'b' } });
    assert.equal(b.readUInt32LE(0), CLIENT_FLAGS >>> 0);
    assert.equal(b[8], 224);
    assert.equal(b.readUInt32LE(28), 8);
    let at = 32;
    assert.equal(b.toString('latin1', at, at + 7), 'warden\0');
    at += 7;
    assert.equal(b[at], 20);
    assert.deepEqual(b.subarray(at + 1, at + 21), auth);
    at += 21;
    assert.equal(b[at], 0); // database
    at += 1;
    assert.equal(b.toString('latin1', at, at + 22), 'mysql_native_password\0');
    at += 22;
    assert.deepEqual(b.subarray(at), Buffer.from([4, 1, 0x61, 1, 0x62]));
  });

  it('frames payloads and reassembles them, across the 2^24-1 boundary and split reads', () => {
    for (const size of [0, 10, MAX_PAYLOAD - 1, MAX_PAYLOAD, MAX_PAYLOAD + 5, 2 * MAX_PAYLOAD]) {
      const payload = Buffer.alloc(size, 0x41);
      if (size > 0) payload[size - 1] = 0x42;
      const wire = frame(payload, 3);
      const packets = Math.floor(size / MAX_PAYLOAD) + 1;
      assert.equal(wire.length, size + 4 * packets);
      const r = new PacketReader();
      // in uneven pieces
      for (let at = 0; at < wire.length; at += 7_000_001) r.push(wire.subarray(at, at + 7_000_001));
      const p = r.next();
      assert.ok(p);
      assert.equal(p.payload.length, size);
      assert.ok(p.payload.equals(payload));
      assert.equal(p.seq, 3 + packets - 1);
      assert.equal(r.next(), undefined);
    }
  });

  it('reads OK and ERR packets', () => {
    const ok = parseOk(Buffer.from([0, 3, 0xfc, 0x10, 0x27, 2, 0, 1, 0]));
    assert.equal(ok.affectedRows, 3);
    assert.equal(ok.insertId, 10000);
    assert.equal(ok.serverStatus, 2);
    assert.equal(ok.warningStatus, 1);
    const err = parseErr(Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#28000Access denied for user')]));
    assert.deepEqual(err, { errno: 1045, sqlState: '28000', message: 'Access denied for user' });
    // an ERR without SQL state (before PROTOCOL_41 is known)
    assert.deepEqual(parseErr(Buffer.concat([Buffer.from([0xff, 0x10, 0x04]), Buffer.from('Too many connections')])), { errno: 1040, sqlState: '', message: 'Too many connections' });
  });

  it('writes COM_QUERY with the query-attribute header only when negotiated', () => {
    assert.deepEqual(queryPayload('SELECT 1', 0), Buffer.from('\x03SELECT 1', 'latin1'));
    assert.deepEqual(queryPayload('SELECT 1', CAP.QUERY_ATTRIBUTES), Buffer.from('\x03\x00\x01SELECT 1', 'latin1'));
  });

  it('parses a text result set: NULLs, integers, big integers, floats, decimals, binary, as arrays or objects', () => {
    const feed = (o: typeof opts, deprecateEof = false) => {
      const p = new ResultParser(o, deprecateEof, false);
      const cols = [column('n', TYPE.LONG), column('big', TYPE.LONGLONG), column('f', TYPE.DOUBLE), column('d', TYPE.NEWDECIMAL), column('s', 253), column('b', 252, 63), column('z', 253)];
      for (const x of [Buffer.from([cols.length]), ...cols]) p.feed(x);
      if (!deprecateEof) p.feed(eof);
      p.feed(row('-12', '9007199254740993', '1.5', '3.10', 'héllo', 'xy', null));
      p.feed(row('7', '5', '-0.25', '0', '', 'z', 'a'));
      assert.equal(p.done, undefined);
      p.feed(deprecateEof ? Buffer.from([0xfe, 0, 0, 2, 0, 0, 0]) : eof);
      const done = answer(p);
      assert.ok(done && 'results' in done);
      return done.results[0] as unknown[];
    };
    assert.deepEqual(feed(opts), [
      [-12, '9007199254740993', 1.5, '3.10', 'héllo', Buffer.from('xy'), null],
      [7, '5', -0.25, '0', '', Buffer.from('z'), 'a'],
    ]);
    assert.deepEqual(feed(opts, true)[1], [7, '5', -0.25, '0', '', Buffer.from('z'), 'a']);
    // supportBigNumbers without bigNumberStrings: a number when exact, else the digits
    const named = feed({ rowsAsArray: false, supportBigNumbers: true, bigNumberStrings: false });
    assert.deepEqual(named[0], { n: -12, big: '9007199254740993', f: 1.5, d: '3.10', s: 'héllo', b: Buffer.from('xy'), z: null });
    assert.equal((named[1] as Record<string, unknown>).big, 5);
  });

  it('reads a statement without rows as OK, an ERR as the error, and results while more follow', () => {
    const ok = new ResultParser(opts, false, false);
    ok.feed(Buffer.from([0, 1, 0, 2, 0, 0, 0]));
    assert.ok(ok.done && 'results' in ok.done);
    assert.equal((ok.done.results[0] as { affectedRows: number }).affectedRows, 1);
    const err = new ResultParser(opts, false, false);
    err.feed(Buffer.concat([Buffer.from([0xff, 0x7a, 0x04]), Buffer.from('#42S02Table doesn\'t exist')]));
    assert.deepEqual(err.done, { error: { errno: 1146, sqlState: '42S02', message: 'Table doesn\'t exist' } });
    const two = new ResultParser(opts, false, false);
    two.feed(Buffer.from([1]));
    two.feed(column('a', 253));
    two.feed(eof);
    two.feed(row('x'));
    two.feed(Buffer.from([0xfe, 0, 0, 0x0a, 0])); // more results exist
    assert.equal(two.done, undefined);
    two.feed(Buffer.from([0, 0, 0, 2, 0, 0, 0]));
    const done = answer(two);
    assert.ok(done && 'results' in done);
    assert.equal(done.results.length, 2);
    assert.deepEqual(done.results[0], [['x']]);
  });

  it('treats a row starting with 0xfe (an 8-byte length) as a row, not as the end', () => {
    const p = new ResultParser(opts, false, false);
    p.feed(Buffer.from([1]));
    p.feed(column('a', 253));
    p.feed(eof);
    const big = Buffer.alloc(9);
    big[0] = 0xfe;
    big.writeUInt32LE(3, 1);
    p.feed(Buffer.concat([big, Buffer.from('abc')]));
    p.feed(eof);
    assert.ok(p.done && 'results' in p.done);
    assert.deepEqual(p.done.results[0], [['abc']]);
  });
});
