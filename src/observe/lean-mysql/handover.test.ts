// The lean MySQL client hands a connection to mysql2 where a server asks for another login than
// mysql_native_password: in its greeting, or by an AuthSwitchRequest after the client's response. A scripted
// server (raw packets) asks for caching_sha2_password either way, takes the fast-auth path and answers one
// statement; it checks what arrives and in which order (a second handshake response would be a protocol error).
// Ports 22120-22121.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Connection } from 'mysql2';
import { PacketReader, frame } from './codec.js';
import lean from './connection.js';

const GREETING_SWITCH_PORT = 22120;
const LATE_SWITCH_PORT = 22121;

function greeting(plugin: string): Buffer {
  const caps = 0x000fa20f | (1 << 19) | (1 << 15) | (1 << 9); // PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH, the usual
  const b = Buffer.concat([
    Buffer.from([10]), Buffer.from('8.0.36-scripted\0'), Buffer.from([7, 0, 0, 0]), Buffer.from('abcdefgh'), Buffer.from([0]),
    Buffer.from([caps & 0xff, (caps >> 8) & 0xff, 255, 2, 0, (caps >> 16) & 0xff, (caps >>> 24) & 0xff, 21]), Buffer.alloc(10),
    Buffer.from('ijklmnopqrst\0'), Buffer.from(`${plugin}\0`),
  ]);
  return b;
}

const switchTo = (plugin: string): Buffer => Buffer.concat([Buffer.from([0xfe]), Buffer.from(`${plugin}\0`), Buffer.from('ABCDEFGHIJKLMNOPQRST\0')]);
const ok = Buffer.from([0, 0, 0, 2, 0, 0, 0]);
const column = Buffer.concat([Buffer.from([3]), Buffer.from('def'), Buffer.from([0, 0, 0, 1]), Buffer.from('v'), Buffer.from([0, 0x0c, 33, 0, 10, 0, 0, 0, 253, 0, 0, 0, 0, 0])]);
const eof = Buffer.from([0xfe, 0, 0, 2, 0]);

/** every packet received, as "seq:first-byte:length"; the login goes through caching_sha2_password's fast path */
function scripted(port: number, greetingPlugin: string): Promise<{ server: net.Server; seen: string[] }> {
  const seen: string[] = [];
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    const r = new PacketReader();
    let step = 0;
    s.write(frame(greeting(greetingPlugin), 0));
    s.on('data', (chunk: Buffer) => {
      r.push(chunk);
      for (let p = r.next(); p; p = r.next()) {
        seen.push(`${p.seq}:${p.payload[0]}:${p.payload.length}`);
        if (step === 0 && greetingPlugin === 'mysql_native_password') {
          // the client answered for mysql_native_password: ask for the other plugin
          s.write(frame(switchTo('caching_sha2_password'), p.seq + 1));
          step = 1;
        } else if (step <= 1) {
          // a caching_sha2_password scramble (32 bytes): fast auth succeeded, then OK
          s.write(Buffer.concat([frame(Buffer.from([1, 3]), p.seq + 1), frame(ok, p.seq + 2)]));
          step = 2;
        } else if (p.payload[0] === 3) {
          s.write(Buffer.concat([frame(Buffer.from([1]), 1), frame(column, 2), frame(eof, 3), frame(Buffer.from([1, 0x78]), 4), frame(eof, 5)]));
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, seen })));
}

function loginAndQuery(conn: Connection): Promise<unknown> {
  return new Promise((resolve, reject) => {
    conn.on('error', reject);
    conn.connect((err) => {
      if (err) return reject(err);
      conn.query({ sql: 'SELECT 1', rowsAsArray: true }, (e: unknown, rows: unknown) => (e ? reject(e as Error) : resolve(rows)));
    });
  });
}

describe('lean MySQL client handing over to mysql2', () => {
  let early: { server: net.Server; seen: string[] };
  let late: { server: net.Server; seen: string[] };
  before(async () => {
    early = await scripted(GREETING_SWITCH_PORT, 'caching_sha2_password');
    late = await scripted(LATE_SWITCH_PORT, 'mysql_native_password');
  });
  after(() => {
    early.server.close();
    late.server.close();
  });

  it('gives mysql2 the greeting when the server asks for another plugin there', async () => {
    const conn = lean.createConnection({ host: '127.0.0.1', port: GREETING_SWITCH_PORT, user: 'u', password: 'pw', connectTimeout: 2000 });
    try {
      assert.deepEqual(await loginAndQuery(conn), [['x']]);
    } finally {
      conn.destroy();
    }
    // one handshake response (seq 1, from mysql2), then the statement
    assert.equal(early.seen.length, 2, early.seen.join(' '));
    assert.match(early.seen[0]!, /^1:/);
    assert.equal(early.seen[1], '0:3:9');
  });

  it('replays the login to mysql2 when an AuthSwitchRequest asks for another plugin, without a second response', async () => {
    const conn = lean.createConnection({ host: '127.0.0.1', port: LATE_SWITCH_PORT, user: 'u', password: 'pw', connectTimeout: 2000 });
    try {
      assert.deepEqual(await loginAndQuery(conn), [['x']]);
    } finally {
      conn.destroy();
    }
    // the lean client's response (seq 1), mysql2's caching_sha2_password scramble (seq 3, 32 bytes), the statement
    assert.equal(late.seen.length, 3, late.seen.join(' '));
    assert.match(late.seen[0]!, /^1:/);
    assert.match(late.seen[1]!, /^3:\d+:32$/);
    assert.equal(late.seen[2], '0:3:9');
  });
});
