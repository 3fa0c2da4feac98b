import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../model/errors.js';
import { parseConfig } from '../load-config.js';

const BASE = '[cluster]\nname = "prod"\n[credentials]\nuser = "warden"\npassword = "s3cret-Pw"\n[[nodes]]\nname = "db1"\nhost = "10.0.0.1"\n';
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const io = {
  env: { ORC_PW: 'from-env', ORCHESTRATOR_PASSWORD: 'example-pw' },
  readFile: (f: string) => (f.endsWith('.pem') ? Promise.resolve(PEM) : f.endsWith('pw.txt') ? Promise.resolve('from-file\n') : Promise.reject(Object.assign(new Error('nope'), { code: 'ENOENT' }))),
};
const orc = (body: string) => parseConfig(`${BASE}[orchestrator]\nurls = ["http://orc1:3000", "http://orc2:3000/"]\nclusterHint = "shop"\n${body}\n`, '/etc/gw/gw.toml', io);

describe('config [orchestrator]', () => {
  it('is absent unless the table is there; the defaults fill the rest; URLs lose their trailing slash', async () => {
    assert.equal((await parseConfig(BASE, '/etc/gw.toml', io)).orchestrator, undefined);
    const c = await orc('');
    assert.deepEqual(c.orchestrator && [c.orchestrator.urls, c.orchestrator.clusterHint, c.orchestrator.intervalMs, c.orchestrator.timeoutMs, c.orchestrator.graceMs, c.orchestrator.auth, c.orchestrator.tls.verifyCertificate],
      [['http://orc1:3000', 'http://orc2:3000'], 'shop', 2000, 2000, 10_000, undefined, true]);
  });
  it('reads the basic auth password from its source, never shows it, and reads the TLS files beside the config', async () => {
    const inline = await orc('user = "orc"\npassword = "pw1"');
    assert.equal(inline.orchestrator?.auth?.password.reveal(), 'pw1');
    assert.ok(!JSON.stringify(inline.orchestrator).includes('pw1'));
    assert.equal((await orc('user = "orc"\npasswordEnv = "ORC_PW"')).orchestrator?.auth?.password.reveal(), 'from-env');
    assert.equal((await orc('user = "orc"\npasswordFile = "pw.txt"')).orchestrator?.auth?.password.reveal(), 'from-file');
    const t = await orc('ca = "ca.pem"\ncert = "c.pem"\nkey = "k.pem"\nserverName = "orc.example"\nverifyCertificate = false');
    assert.deepEqual([t.orchestrator?.tls.ca, t.orchestrator?.tls.cert, t.orchestrator?.tls.key?.reveal(), t.orchestrator?.tls.serverName, t.orchestrator?.tls.verifyCertificate], [PEM, PEM, PEM, 'orc.example', false]);
  });
  it('names the key when a value is wrong', async () => {
    for (const [body, key] of [
      ['urls = []', 'orchestrator.urls'],
      ['urls = ["orc1:3000"]', 'orchestrator.urls'],
      ['urls = ["ftp://orc1"]', 'orchestrator.urls'],
      ['urls = ["http://a:1", "http://a:1/"]', 'orchestrator.urls'],
      ['timeoutMs = 5', 'orchestrator.timeoutMs'],
      ['intervalMs = 5000\ngraceMs = 1000', 'orchestrator.graceMs'],
      ['user = "orc"', 'orchestrator.user'],
      ['password = "x"', 'orchestrator.password'],
      ['user = "orc"\npassword = "x"\npasswordEnv = "ORC_PW"', 'orchestrator.passwordEnv'],
      ['user = "orc"\npasswordEnv = "NOPE"', 'orchestrator.passwordEnv'],
      ['cert = "c.pem"', 'orchestrator.key'],
      ['ca = "missing.crt"', 'orchestrator.ca'],
      ['leader = "x"', 'orchestrator'],
    ] as const) {
      const text = body.startsWith('urls') ? `${BASE}[orchestrator]\nclusterHint = "shop"\n${body}\n` : undefined;
      const p = text === undefined ? orc(body) : parseConfig(text, '/etc/gw/gw.toml', io);
      await assert.rejects(p, (e: Error) => e instanceof ConfigError && e.message.includes(key), body);
    }
    await assert.rejects(parseConfig(`${BASE}[orchestrator]\nurls = ["http://a:1"]\n`, '/etc/gw.toml', io), (e: Error) => e instanceof ConfigError && e.message.includes('orchestrator.clusterHint'));
  });

  it('the commented [orchestrator] block of examples/galera-warden.toml is valid once uncommented', async () => {
    const example = readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/galera-warden.toml'), 'utf8');
    const block = example.slice(example.indexOf('# [orchestrator]')).split('\n')
      .filter((l) => /^# (\[orchestrator\]|[a-zA-Z]+ = )/.test(l)).map((l) => l.slice(2)).join('\n');
    const c = await parseConfig(`${BASE}${block}\n`, '/etc/gw/gw.toml', io);
    assert.deepEqual([c.orchestrator?.urls.length, c.orchestrator?.clusterHint, c.orchestrator?.graceMs, c.orchestrator?.auth?.password.reveal(), c.orchestrator?.tls.serverName], [3, 'shop', 10_000, 'example-pw', 'orchestrator.internal']);
  });
});
