import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../model/errors.js';
import { parseConfig } from '../load-config.js';

const BASE = '[cluster]\nname = "prod"\n[credentials]\nuser = "warden"\npassword = "s3cret-Pw"\n[[nodes]]\nname = "db1"\nhost = "10.0.0.1"\n';
const io = { env: {}, readFile: () => Promise.reject(new Error('no files')) };

describe('config [fencing]', () => {
  it('is off by default, with the documented defaults', async () => {
    const c = await parseConfig(BASE, '/etc/gw.toml', io);
    assert.equal(c.fencing.mode, 'off');
    assert.equal(c.fencing.windowMs, 60_000);
    assert.equal(c.fencing.confirmMs, 0);
    assert.equal(c.fencing.restartHook, undefined);
  });

  it('takes a mode, a window, a confirmation time and a restart hook as an argv array', async () => {
    const c = await parseConfig(`${BASE}[fencing]\nmode = "unresponsive"\nwindowMs = 5000\nconfirmMs = 200\nrestartHook = ["restart-node", "{node}"]\n`, '/etc/gw.toml', io);
    assert.equal(c.fencing.mode, 'unresponsive');
    assert.equal(c.fencing.windowMs, 5000);
    assert.equal(c.fencing.confirmMs, 200);
    assert.deepEqual(c.fencing.restartHook, ['restart-node', '{node}']);
  });

  it('names the key and what is expected when a value is wrong', async () => {
    for (const [text, key, what] of [
      ['mode = "always"', 'fencing.mode', /"off", "dead" or "unresponsive"/],
      ['restartHook = "restart {node}"', 'fencing.restartHook', /array of strings/],
      ['windowMs = -1', 'fencing.windowMs', /milliseconds/],
      ['evict = true', 'fencing.evict', /unknown key \(allowed: mode, windowMs/],
    ] as const) {
      const err = await parseConfig(`${BASE}[fencing]\n${text}\n`, '/etc/gw.toml', io).then(() => assert.fail(`accepted ${text}`), (e: unknown) => e);
      assert.ok(err instanceof ConfigError);
      assert.ok(err.message.includes(key), err.message);
      assert.match(err.message, what);
    }
  });
});
