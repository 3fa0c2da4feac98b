import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { haproxySection } from '../../config/sections/haproxy.js';
import { driveConfig, standaloneConfig } from './config-file.js';
import type { HaproxyConfigInput } from './config-file.js';

const BIN = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';
const nodes = [1, 2, 3].map((i) => ({ name: `node${i}`, host: `10.0.0.${i}`, port: 3306 }));
const input = (over: Record<string, unknown> = {}, ns: HaproxyConfigInput['nodes'] = nodes): HaproxyConfigInput =>
  ({ cluster: 'c1', nodes: ns, haproxy: haproxySection.parse({ socket: '/tmp/gw-hx-check/admin.sock', ...over }) });

/** `haproxy -c -f` on the text; returns null when it passes, else HAProxy's output. */
function haproxyCheck(text: string): string | null {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-hxc-'));
  try {
    fs.writeFileSync(path.join(dir, 'haproxy.cfg'), text);
    execFileSync(BIN, ['-c', '-f', path.join(dir, 'haproxy.cfg')], { stdio: 'pipe' });
    return null;
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
    return `${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? e.message}`;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
const skip = fs.existsSync(BIN) ? false : `HAProxy not installed (${BIN})`;

describe('haproxy config', () => {
  it('driven: writer and reader frontends and backends with every node, admin socket, shutdown-sessions', () => {
    const t = driveConfig(input());
    assert.match(t, /stats socket \/tmp\/gw-hx-check\/admin.sock mode 600 level admin/);
    assert.match(t, /backend galera_writer\n[\s\S]*server node1 10\.0\.0\.1:3306 check\n {2}server node2/);
    assert.match(t, /backend galera_reader\n {2}balance leastconn/);
    assert.match(t, /on-marked-down shutdown-sessions/);
    assert.match(t, /bind 127\.0\.0\.1:3307[\s\S]*bind 127\.0\.0\.1:3308/);
  });
  it('http checks against the node healthcheck only when every node has a healthPort', () => {
    const withPorts = nodes.map((n, i) => ({ ...n, healthPort: 9200 + i }));
    assert.match(driveConfig(input({}, withPorts)), /option httpchk GET \/[\s\S]*server node2 10\.0\.0\.2:3306 check port 9201/);
    assert.doesNotMatch(driveConfig(input({}, [withPorts[0]!, nodes[1]!])), /httpchk/);
  });
  it('driven with the dead-man switch: the writer backend checks the warden\'s /writer/<server>, the reader backend the nodes', () => {
    const t = driveConfig({ ...input(), wardenHealth: { host: '127.0.0.1', port: 3309 } });
    const writer = t.slice(t.indexOf('backend galera_writer'), t.indexOf('frontend galera_reader_in'));
    assert.match(writer, /http-check send meth GET uri-lf \/writer\/%\[srv_name\]/);
    assert.match(writer, /server node2 10\.0\.0\.2:3306 check port 3309 addr 127\.0\.0\.1\n/);
    const reader = t.slice(t.indexOf('backend galera_reader'));
    assert.doesNotMatch(reader, /writer\//);
    assert.match(reader, /server node2 10\.0\.0\.2:3306 check\n/);
    assert.match(driveConfig(input()), /no dead-man switch/);
  });
  it('a TCP stats socket and no reader', () => {
    const t = driveConfig(input({ socket: '127.0.0.1:30199', readerEnabled: false }));
    assert.match(t, /stats socket ipv4@127\.0\.0\.1:30199/);
    assert.doesNotMatch(t, /galera_reader/);
  });
  it('peers: seed 004 recipe with the local-peer caveat, first server active, the others backup', () => {
    const t = standaloneConfig(input(), { peers: [{ name: 'hx1', address: '10.0.1.1:10000' }, { name: 'hx2', address: '10.0.1.2:10000' }] });
    assert.match(t, /KEEP THE LOCAL PEER IN THIS FILE/);
    assert.match(t, /peers galera_peers\n {2}peer hx1 10\.0\.1\.1:10000\n {2}peer hx2/);
    assert.match(t, /stick-table type integer size 1 peers galera_peers\n {2}stick on int\(1\)/);
    assert.match(t, /server node1 10\.0\.0\.1:3306 check\n {2}server node2 10\.0\.0\.2:3306 check backup/);
    assert.doesNotMatch(t, /(server|default-server) .*on-marked-up/);
  });
  it('writer check: every server checked with GET /writer/<server name> on the warden\'s health port', () => {
    const t = standaloneConfig(input(), { writerCheck: { host: '10.0.2.1', port: 1936 } });
    assert.match(t, /http-check send meth GET uri-lf \/writer\/%\[srv_name\]/);
    assert.match(t, /server node1 10\.0\.0\.1:3306 check port 1936 addr 10\.0\.2\.1\n/);
    assert.doesNotMatch(t, /peers|stick/);
    assert.throws(() => standaloneConfig(input(), {}), /peers .* writer check/);
  });
  it('haproxy -c accepts every flavour', { skip }, () => {
    const withPorts = nodes.map((n, i) => ({ ...n, healthPort: 9200 + i }));
    for (const t of [
      driveConfig(input()), driveConfig(input({}, withPorts)), driveConfig(input({ socket: '127.0.0.1:30199', readerEnabled: false })),
      driveConfig({ ...input(), wardenHealth: { host: '127.0.0.1', port: 3309 } }),
      standaloneConfig(input({}, withPorts), { peers: [{ name: os.hostname(), address: '127.0.0.1:30198' }] }),
      standaloneConfig(input(), { peers: [{ name: os.hostname(), address: '127.0.0.1:30198' }], writerCheck: { host: '127.0.0.1', port: 1936 } }),
      standaloneConfig(input(), { writerCheck: { host: '127.0.0.1', port: 1936 } }),
    ]) assert.equal(haproxyCheck(t), null, t);
  });
  it('haproxy -c rejects a broken file (the check can fail)', { skip }, () => {
    assert.notEqual(haproxyCheck(`${driveConfig(input())}\n  server bad\n`), null);
  });
});
