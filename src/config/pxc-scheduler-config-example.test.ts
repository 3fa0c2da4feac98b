// examples/galera-warden.toml documents every key: its [proxysql] section lists each key of the [proxysql]
// schema (daemon mode with ProxySQL) and loads.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { defaultConfigIo, loadConfig } from './load-config.js';
import { proxysqlSection } from './sections/proxysql.js';

const example = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples/galera-warden.toml');

describe('examples/galera-warden.toml [proxysql]', () => {
  it('lists every [proxysql] key (set or commented out) and loads', async () => {
    const text = fs.readFileSync(example, 'utf8');
    const section = /^\[proxysql\]\n([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text)?.[1];
    assert.ok(section, 'no [proxysql] section');
    const keys = Object.keys((proxysqlSection as unknown as { shape: Record<string, unknown> }).shape);
    assert.ok(keys.length > 10);
    for (const k of keys) {
      if (k === 'password' || k === 'passwordFile') continue; // documented beside passwordEnv ("or password / passwordFile")
      assert.match(section, new RegExp(`^#? ?${k} = `, 'm'), `[proxysql] ${k} is not in the example`);
    }
    const c = await loadConfig(example, { ...defaultConfigIo, env: { GALERA_WARDEN_PASSWORD: 'example', GALERA_WARDEN_API_PASSWORD: 'api-example' } });
    assert.equal(c.proxysql.enabled, false);
    assert.equal(c.proxysql.hgW, 100);
    assert.equal(c.proxysql.hgR, 101);
  });
});
