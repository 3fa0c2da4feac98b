// The writer check against a real HAProxy: a HAProxy galera-warden does not drive, configured by
// `haproxy config --writer-check`, follows the writer the health port's /writer/<node> names (slot 0 ports).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { standaloneConfig } from '../src/apply/haproxy/config-file.js';
import { RuntimeClient } from '../src/apply/haproxy/runtime-client.js';
import { haproxySection } from '../src/config/sections/haproxy.js';
import { HealthPort } from '../src/runtime/health-port.js';
import type { Readiness } from '../src/model/tick.js';
import type { HaproxyProcess } from './support/haproxy-process.js';
import { haproxyMissing, startHaproxy } from './support/haproxy-process.js';
import { waitFor } from './support/sandbox-fixture.js';

const HEALTH_PORT = 30198;
const missing = haproxyMissing();
const nodes = ['node1', 'node2', 'node3'].map((name, i) => ({ name, host: '127.0.0.1', port: 30191 + i }));

describe('writer check followed by a real HAProxy', { skip: missing ?? false }, () => {
  let state: Readiness = { ready: true, writers: ['node2'] };
  const hp = new HealthPort('127.0.0.1', HEALTH_PORT, () => state);
  let hx: HaproxyProcess | undefined;
  let rt: RuntimeClient;
  /** servers HAProxy's checks see up (srv_op_state 2) */
  const up = async (): Promise<string[]> => (await rt.serversState('galera_writer')).filter((s) => s.opState === 2).map((s) => s.server).sort();
  const until = (what: string, want: string[]) => waitFor(what, 30_000, async () => {
    const u = await up();
    return u.join() === want.join() ? u : undefined;
  }, 100);

  before(async () => {
    await hp.listen();
    const haproxy = haproxySection.parse({ writerPort: 30197, readerEnabled: false, checkInterMs: 200 });
    hx = await startHaproxy((socket) => standaloneConfig({ cluster: 'c1', nodes, haproxy: { ...haproxy, socket } }, { writerCheck: { host: '127.0.0.1', port: HEALTH_PORT } }));
    rt = new RuntimeClient({ socket: { path: hx.socket } });
  });
  after(async () => {
    await hx?.stop();
    await hp.close();
  });

  it('only the writer is up; when the writer moves, HAProxy follows; when the warden routes none, none is up', async () => {
    assert.deepEqual(await until('node2 alone up', ['node2']), ['node2']);
    state = { ready: true, writers: ['node3'] };
    assert.deepEqual(await until('node3 alone up', ['node3']), ['node3']);
    state = { ready: false, reason: 'no writer', detail: 'no node is eligible' };
    assert.deepEqual(await until('no server up', []), []);
  });
});
