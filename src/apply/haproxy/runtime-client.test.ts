import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RuntimeClient, adminStateOf, parseServersState, parseSocketAddress } from './runtime-client.js';

const HEADER = '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port';
// captured from HAProxy 2.6: n1 drained, n2 disabled in the config then set ready (CMAINT stays set)
const STATE = `1\n${HEADER}\n3 writer 1 n1 127.0.0.1 2 8 1 1 0 1 0 2 0 0 0 0 - 30001 - 0 0 - - 0\n3 writer 2 n2 127.0.0.1 2 4 1 1 0 1 0 0 8 0 0 0 - 30011 - 0 0 - - 0\n3 writer 3 n3 127.0.0.1 0 1 1 1 1 1 0 0 0 0 0 0 - 30021 - 0 0 - - 0\n\n`;

describe('show servers state', () => {
  it('parses format 1 and classifies the admin flags', () => {
    const s = parseServersState(STATE);
    assert.deepEqual(s.map((x) => [x.backend, x.server, x.port, x.opState, x.admin]), [
      ['writer', 'n1', 30001, 2, 'drain'],
      ['writer', 'n2', 30011, 2, 'ready'],
      ['writer', 'n3', 30021, 0, 'maint'],
    ]);
  });
  it('refuses another format version', () => {
    assert.throws(() => parseServersState(`2\n${HEADER}\n`), { code: 'E_HAPROXY_COMMAND' });
  });
  it('maint wins over drain; the config flag alone is ready', () => {
    assert.equal(adminStateOf(0x01 | 0x08), 'maint');
    assert.equal(adminStateOf(0x20), 'maint');
    assert.equal(adminStateOf(0x10), 'drain');
    assert.equal(adminStateOf(0x04), 'ready');
  });
  it('parses socket addresses', () => {
    assert.deepEqual(parseSocketAddress('/run/haproxy/admin.sock'), { path: '/run/haproxy/admin.sock' });
    assert.deepEqual(parseSocketAddress('127.0.0.1:9999'), { host: '127.0.0.1', port: 9999 });
    assert.deepEqual(parseSocketAddress('[::1]:9999'), { host: '::1', port: 9999 });
    assert.throws(() => parseSocketAddress('localhost'), /unix socket path or host:port/);
  });
});

describe('RuntimeClient against a loopback socket', () => {
  let dir: string;
  let server: net.Server;
  const seen: string[] = [];
  let path: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-hx-'));
    path = join(dir, 'admin.sock');
    server = net.createServer((c) => {
      let buf = '';
      c.on('data', (b) => {
        buf += b.toString();
        if (!buf.endsWith('\n')) return;
        const cmd = buf.trim();
        seen.push(cmd);
        if (cmd === 'hang') return; // never answers
        if (cmd.startsWith('show servers state writer')) c.end(STATE);
        else if (cmd.startsWith('show servers state')) c.end("Can't find backend.\n\n");
        else if (cmd.includes('/nx ')) c.end('No such server.\n\n');
        else c.end('\n');
      });
      c.on('error', () => {});
    });
    await new Promise<void>((r) => server.listen(path, r));
  });
  after(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads servers state and sends set server commands', async () => {
    const c = new RuntimeClient({ socket: { path } });
    assert.equal((await c.serversState('writer')).length, 3);
    await c.setState('writer', 'n1', 'ready');
    await c.shutdownSessions('writer', 'n1');
    assert.deepEqual(seen.slice(-2), ['set server writer/n1 state ready', 'shutdown sessions server writer/n1']);
  });
  it('a refusal is E_HAPROXY_COMMAND naming the socket and the command', async () => {
    const c = new RuntimeClient({ socket: { path } });
    await assert.rejects(c.setState('writer', 'nx', 'maint'), (e: Error & { code: string }) => e.code === 'E_HAPROXY_COMMAND' && e.message.includes(`unix:${path}`) && e.message.includes('No such server'));
    await assert.rejects(c.serversState('nob'), { code: 'E_HAPROXY_COMMAND' });
  });
  it('a silent socket is E_HAPROXY_TIMEOUT', async () => {
    const c = new RuntimeClient({ socket: { path }, timeoutMs: 150 });
    await assert.rejects(c.send('hang'), { code: 'E_HAPROXY_TIMEOUT' });
  });
  it('a missing socket is E_HAPROXY_CONNECT', async () => {
    const c = new RuntimeClient({ socket: { path: join(dir, 'none.sock') } });
    await assert.rejects(c.send('show info'), (e: Error & { code: string }) => e.code === 'E_HAPROXY_CONNECT' && e.message.includes('none.sock'));
  });
  it('refuses names and commands that could smuggle a second command', async () => {
    const c = new RuntimeClient({ socket: { path } });
    await assert.rejects(c.setState('writer', 'n1;shutdown', 'ready'), { code: 'E_HAPROXY_PLAN' });
    await assert.rejects(c.send('show info; show stat'), { code: 'E_HAPROXY_COMMAND' });
  });
});
