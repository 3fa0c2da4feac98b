import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { after, describe, it } from 'node:test';
import { ConfigError } from '../model/errors.js';
import type { ConfigIo } from './resolve-secrets.js';
import { defaultConfigIo, loadConfig } from './load-config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gw-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(text: string, name = `c${++n}.toml`): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const io = (env: Record<string, string | undefined> = {}): ConfigIo => ({ ...defaultConfigIo, env });

const CREDS = '[credentials]\nuser = "warden"\npassword = "s3cret-Pw"\n';
const NODE = (name: string, host = '10.0.0.1', port?: number) =>
  `[[nodes]]\nname = "${name}"\nhost = "${host}"\n${port === undefined ? '' : `port = ${port}\n`}`;
const GOOD = `[cluster]\nname = "prod"\n${CREDS}${NODE('db1')}${NODE('db2', '10.0.0.2')}`;

/** Loads text that must fail; returns the message after checking it names the file and every key. */
async function bad(text: string, keys: string[], env?: Record<string, string | undefined>): Promise<string> {
  const file = write(text);
  const err = await loadConfig(file, io(env)).then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
  assert.equal(err.code, 'E_CONFIG');
  assert.equal(err.exitCode, 2);
  for (const line of err.message.split('\n')) assert.ok(line.startsWith(`config ${file}: `), line);
  for (const key of keys) assert.ok(err.message.includes(`: ${key}: `) || err.message.includes(`: ${key} `), `no "${key}" in: ${err.message}`);
  assert.ok(!err.message.includes('s3cret-Pw'), 'the password leaked into the message');
  return err.message;
}

describe('loadConfig: bad input', () => {
  it('a missing file (ENOENT)', async () => {
    const file = path.join(dir, 'nope.toml');
    await assert.rejects(loadConfig(file), (e: Error) => e instanceof ConfigError && e.message === `config ${file}: cannot read the config file: no such file (ENOENT)`);
  });

  it('an unreadable file (EACCES)', async () => {
    const denied: ConfigIo = { env: {}, readFile: () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })) };
    await assert.rejects(loadConfig('/etc/gw.toml', denied), /config \/etc\/gw\.toml: cannot read the config file: permission denied \(EACCES\)$/);
  });

  it('a TOML syntax error gives the line and column, and no excerpt that could show a secret', async () => {
    const msg = await bad('[cluster]\nname = "prod"\n[credentials]\npassword = "s3cret-Pw\n', []);
    assert.match(msg, /TOML syntax error at line 4, column \d+: /);
  });

  it('a port that is not a number', async () => {
    const msg = await bad(`${GOOD}${NODE('db3', '10.0.0.3').replace('host', 'port = "abc"\nhost')}`, ['nodes[2].port']);
    assert.match(msg, /nodes\[2\]\.port: expected a port number from 1 to 65535, got "abc"/);
  });

  it('a port out of range', async () => {
    const msg = await bad(`${GOOD}${NODE('db3', '10.0.0.3', 70000)}`, ['nodes[2].port']);
    assert.match(msg, /got 70000/);
  });

  it('an unknown key, with a suggestion', async () => {
    const msg = await bad(GOOD.replace('host = "10.0.0.2"', 'hots = "10.0.0.2"'), ['nodes[1].hots', 'nodes[1].host']);
    assert.match(msg, /nodes\[1\]\.hots: unknown key; did you mean host\?/);
    assert.match(msg, /nodes\[1\]\.host: is required/);
  });

  it('an unknown section', async () => {
    const msg = await bad(`${GOOD}[routeing]\nmode = "single"\n`, ['routeing']);
    assert.match(msg, /routeing: unknown key; did you mean routing\?/);
  });

  it('no nodes, or an empty node list', async () => {
    await bad(`[cluster]\nname = "prod"\n${CREDS}`, ['nodes']);
    await bad(`nodes = []\n[cluster]\nname = "prod"\n${CREDS}`, ['nodes']);
  });

  it('duplicate node names', async () => {
    const msg = await bad(`${GOOD}${NODE('db1', '10.0.0.9')}`, ['nodes[2].name']);
    assert.match(msg, /duplicate node name "db1" \(also nodes\[0\]\.name\)/);
  });

  it('duplicate host:port, whatever the case of the host', async () => {
    const msg = await bad(`${GOOD}${NODE('db3', '10.0.0.2', 3306)}${NODE('a', 'Db.Example', 3307)}${NODE('b', 'db.example', 3307)}`, ['nodes[2].port', 'nodes[4].port']);
    assert.match(msg, /duplicate address 10\.0\.0\.2:3306 \(also nodes\[1\], "db2"\)/);
  });

  it('missing credentials, missing user, no password source', async () => {
    await bad(`[cluster]\nname = "prod"\n${NODE('db1')}`, ['credentials']);
    await bad(`[cluster]\nname = "prod"\n[credentials]\npassword = "x"\n${NODE('db1')}`, ['credentials.user']);
    const msg = await bad(`[cluster]\nname = "prod"\n[credentials]\nuser = "w"\n${NODE('db1')}`, ['credentials']);
    assert.match(msg, /no password: set one of password, passwordEnv, passwordFile/);
  });

  it('both password and passwordFile', async () => {
    const msg = await bad(GOOD.replace('password = "s3cret-Pw"', 'password = "s3cret-Pw"\npasswordFile = "pw.txt"'), ['credentials.passwordFile']);
    assert.match(msg, /set only one of password, passwordEnv, passwordFile \(found password and passwordFile\)/);
  });

  it('a password of the wrong type is never repeated', async () => {
    const msg = await bad(GOOD.replace('"s3cret-Pw"', '987654321'), ['credentials.password']);
    assert.ok(!msg.includes('987654321'), msg);
  });

  it('an unreadable passwordFile names the file and the reason', async () => {
    const msg = await bad(GOOD.replace('password = "s3cret-Pw"', 'passwordFile = "missing-pw.txt"'), ['credentials.passwordFile']);
    assert.ok(msg.includes(`cannot read ${path.join(dir, 'missing-pw.txt')}: no such file (ENOENT)`), msg);
  });

  it('an empty passwordFile', async () => {
    write('\n', 'empty-pw.txt');
    await bad(GOOD.replace('password = "s3cret-Pw"', 'passwordFile = "empty-pw.txt"'), ['credentials.passwordFile']);
  });

  it('an empty or unset passwordEnv variable', async () => {
    const text = GOOD.replace('password = "s3cret-Pw"', 'passwordEnv = "GW_TEST_PW"');
    assert.match(await bad(text, ['credentials.passwordEnv'], { GW_TEST_PW: '' }), /environment variable GW_TEST_PW is empty/);
    assert.match(await bad(text, ['credentials.passwordEnv'], {}), /environment variable GW_TEST_PW is not set/);
  });

  it('a TLS certificate without its key, and the reverse', async () => {
    assert.match(await bad(`${GOOD}[tls]\ncert = "c.pem"\n`, ['tls.cert']), /needs its private key/);
    assert.match(await bad(`${GOOD}[tls]\nsslKey = "k.pem"\n`, ['tls.sslKey']), /needs its client certificate/);
  });

  it('a TLS name given twice (ca and sslCa), an identity check without a certificate check', async () => {
    await bad(`${GOOD}[tls]\nca = "a.pem"\nsslCa = "b.pem"\n`, ['tls.sslCa']);
    await bad(`${GOOD}[tls]\nenabled = true\nverifyCertificate = false\nverifyIdentity = true\n`, ['tls.verifyIdentity']);
  });

  it('an unreadable or non-PEM TLS file', async () => {
    write('not a certificate', 'junk.pem');
    const msg = await bad(`${GOOD}[tls]\nca = "junk.pem"\ncert = "nope.pem"\nkey = "nope-key.pem"\n`, ['tls.ca', 'tls.cert', 'tls.key']);
    assert.match(msg, /tls\.ca: .*junk\.pem is not a PEM file/);
    assert.match(msg, /tls\.cert: cannot read .*nope\.pem: no such file \(ENOENT\)/);
  });

  it('a connect timeout longer than the probe deadline', async () => {
    const msg = await bad(`${GOOD}[probe]\nconnectTimeoutMs = 3000\ntimeoutMs = 2000\n`, ['probe.connectTimeoutMs']);
    assert.match(msg, /must not exceed probe\.timeoutMs \(2000\), got 3000/);
  });

  it('wrong types: a string for a flag, a table for a name, a bad cluster name', async () => {
    const msg = await bad(`${GOOD}[healthcheck]\navailableWhenDonor = "yes"\n`, ['healthcheck.availableWhenDonor']);
    assert.match(msg, /expected true or false, got "yes"/);
    await bad(GOOD.replace('name = "prod"', 'name = "my cluster"'), ['cluster.name']);
    await bad(GOOD.replace('name = "prod"', 'name = 5'), ['cluster.name']);
  });

  it('a healthcheck for a node that is not configured', async () => {
    const msg = await bad(`${GOOD}[healthcheck]\nnode = "db9"\n`, ['healthcheck.node']);
    assert.match(msg, /no \[\[nodes\]\] entry is named "db9" \(known: db1, db2\)/);
  });
});

describe('loadConfig: bad input in the daemon sections', () => {
  it('activeFailover other than 0 or 1', async () => {
    const msg = await bad(`${GOOD}[routing]\nactiveFailover = 2\n`, ['routing.activeFailover']);
    assert.match(msg, /expected 0 \(no fail-over\) or 1/);
  });

  it('a negative hold time', async () => {
    await bad(`${GOOD}[routing]\nminHoldMs = -5\n`, ['routing.minHoldMs']);
  });

  it('proxy ports that collide', async () => {
    const msg = await bad(`${GOOD}[proxy]\nwriterPort = 4000\nreaderPort = 4000\n`, ['proxy.readerPort']);
    assert.match(msg, /port 4000 is already proxy.writerPort/);
  });

  it('an API user without a password source, and a password without a user', async () => {
    await bad(`${GOOD}[api]\nuser = "admin"\n`, ['api.user']);
    await bad(`${GOOD}[api]\npassword = "x"\n`, ['api.password']);
  });

  it('an API password in an unset environment variable', async () => {
    const msg = await bad(`${GOOD}[api]\nuser = "admin"\npasswordEnv = "NOPE_GW"\n`, ['api.passwordEnv']);
    assert.match(msg, /NOPE_GW is not set/);
  });

  it('an unknown log format', async () => {
    await bad(`${GOOD}[run]\nlogFormat = "xml"\n`, ['run.logFormat']);
  });

  it('a re-form watch period that is neither 0 (off) nor 5-60000 ms', async () => {
    for (const v of ['-1', '3', '60001', '2.5', '"10"']) {
      const msg = await bad(`${GOOD}[run]\nreformWatchMs = ${v}\n`, ['run.reformWatchMs']);
      assert.match(msg, /expected 0 \(off\) or a number of milliseconds from 5 to 60000/);
    }
  });
});

describe('loadConfig: [run] reformWatchMs', () => {
  it('defaults to 10; 0 turns it off; 5 and 60000 are accepted', async () => {
    assert.equal((await loadConfig(write(GOOD))).run.reformWatchMs, 10);
    for (const v of [0, 5, 60000]) assert.equal((await loadConfig(write(`${GOOD}[run]\nreformWatchMs = ${v}\n`))).run.reformWatchMs, v);
  });
});

describe('loadConfig: good input', () => {
  it('fills the defaults', async () => {
    const c = await loadConfig(write(GOOD));
    assert.deepEqual(c.probe, { connectTimeoutMs: 1000, timeoutMs: 2000, intervalMs: 1000, reuseConnection: false });
    assert.deepEqual(c.nodes[0], { name: 'db1', host: '10.0.0.1', port: 3306, weight: 1000 });
    assert.deepEqual(c.healthcheck, { host: '0.0.0.0', port: 9200, availableWhenDonor: false, availableWhenReadOnly: false, cacheMs: 0, holdMs: 8000 });
    assert.equal(c.tls.enabled, false);
    assert.equal(c.tls.verifyIdentity, true);
    assert.equal(c.credentials.user, 'warden');
    assert.equal(c.credentials.password.reveal(), 's3cret-Pw');
    assert.equal(c.credentials.passwordSource, 'password');
  });

  it('is frozen, and never shows the password', async () => {
    const c = await loadConfig(write(GOOD));
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.nodes) && Object.isFrozen(c.nodes[0]) && Object.isFrozen(c.credentials));
    assert.throws(() => {
      (c.nodes[0] as { port: number }).port = 1;
    }, TypeError);
    for (const shown of [JSON.stringify(c), inspect(c, { depth: 10 }), `${String(c.credentials.password)}`]) {
      assert.ok(!shown.includes('s3cret-Pw'), shown);
    }
    assert.match(JSON.stringify(c), /"password":"\[redacted\]"/);
  });

  it('reads passwordFile relative to the config folder, without the trailing newline', async () => {
    write('pa ss\n', 'pw.txt');
    const c = await loadConfig(write(GOOD.replace('password = "s3cret-Pw"', 'passwordFile = "pw.txt"')));
    assert.equal(c.credentials.password.reveal(), 'pa ss');
    assert.equal(c.credentials.passwordSource, `file ${path.join(dir, 'pw.txt')}`);
  });

  it('reads passwordEnv from the environment', async () => {
    const c = await loadConfig(write(GOOD.replace('password = "s3cret-Pw"', 'passwordEnv = "GW_PW"')), io({ GW_PW: 'from-env' }));
    assert.equal(c.credentials.password.reveal(), 'from-env');
    assert.equal(c.credentials.passwordSource, 'env GW_PW');
  });

  it('takes pxcScheduler TLS names and resolves paths against sslCertificatePath', async () => {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const certs = path.join(dir, 'certs');
    rmSync(certs, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(certs);
    for (const f of ['ca.pem', 'client-cert.pem', 'client-key.pem']) writeFileSync(path.join(certs, f), pem);
    const c = await loadConfig(write(`${GOOD}[tls]\nsslCertificatePath = "certs"\nsslCa = "ca.pem"\nsslClient = "client-cert.pem"\nsslKey = "client-key.pem"\nserverName = "db.example"\n`));
    assert.equal(c.tls.enabled, true);
    assert.equal(c.tls.ca, path.join(certs, 'ca.pem'));
    assert.equal(c.tls.cert, path.join(certs, 'client-cert.pem'));
    assert.equal(c.tls.key, path.join(certs, 'client-key.pem'));
    assert.equal(c.tls.serverName, 'db.example');
    assert.equal(c.tls.pem?.reveal().key, pem);
    assert.ok(!JSON.stringify(c).includes('BEGIN'), 'PEM contents are not serialised');
  });

  it('loads examples/galera-warden.toml', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const example = path.resolve(here, '../../../examples/galera-warden.toml');
    const c = await loadConfig(example, io({ GALERA_WARDEN_PASSWORD: 'example', GALERA_WARDEN_API_PASSWORD: 'api-example' }));
    assert.equal(c.cluster.name, 'galera-prod');
    assert.equal(c.routing.minHoldMs, 8000);
    assert.equal(c.proxy.writerPort, 3306);
    assert.equal(c.api.password?.reveal(), 'api-example');
    assert.equal(JSON.stringify(c).includes('api-example'), false);
    assert.equal(c.run.stateFile, '/var/lib/galera-warden/state.json');
    assert.deepEqual(c.nodes.map((x) => `${x.name}@${x.host}:${x.port}/${x.weight}`), ['db1@10.0.0.11:3306/1000', 'db2@10.0.0.12:3306/999', 'db3@10.0.0.13:3306/998']);
    assert.equal(c.nodes[0]?.healthPort, 9200);
    assert.equal(c.credentials.passwordSource, 'env GALERA_WARDEN_PASSWORD');
  });
});

describe('loadConfig: [coordination] rejoinMs', () => {
  it('defaults to what the node hysteresis needs, takes 0 and whole milliseconds, names a bad value', async () => {
    const { rejoinMsOf } = await import('./sections/coordination.js');
    const c = await loadConfig(write(`${GOOD}[coordination]\nstore = "galera"\n`), io());
    assert.equal(rejoinMsOf(c.coordination, c.routing, c.run.intervalMs, c.probe.timeoutMs), Math.max(c.routing.retryUp * c.run.intervalMs, c.routing.minHoldMs) + 2 * c.run.intervalMs + c.probe.timeoutMs);
    const off = await loadConfig(write(`${GOOD}[coordination]\nstore = "galera"\nrejoinMs = 0\n`), io());
    assert.equal(rejoinMsOf(off.coordination, off.routing, off.run.intervalMs, off.probe.timeoutMs), 0);
    const msg = await bad(`${GOOD}[coordination]\nstore = "galera"\nrejoinMs = -5\n`, ['coordination.rejoinMs']);
    assert.match(msg, /at least 0/);
  });
});

describe('loadConfig: [cluster] topology', () => {
  const REPL = GOOD.replace('name = "prod"', 'name = "prod"\ntopology = "replication"');
  it('defaults to galera; replication with maxReplicationLagS reaches the decision core and the probe', async () => {
    const { decideConfigOf } = await import('./decide-config-of.js');
    const { probeOptionsFromConfig } = await import('../observe/probe-options.js');
    const g = await loadConfig(write(GOOD), io());
    assert.equal(g.cluster.topology, 'galera');
    assert.equal(decideConfigOf(g).topology, 'galera');
    assert.equal(probeOptionsFromConfig(g).replication, undefined);
    const r = await loadConfig(write(REPL.replace('topology = "replication"', 'topology = "replication"\nmaxReplicationLagS = 30')), io());
    assert.deepEqual([decideConfigOf(r).topology, decideConfigOf(r).maxReplicationLagS], ['replication', 30]);
    assert.equal(probeOptionsFromConfig(r).replication, true);
    assert.equal(decideConfigOf(await loadConfig(write(REPL), io())).maxReplicationLagS, 10);
  });
  it('names the key at fault: an unknown topology, a lag limit without replication, a negative lag', async () => {
    assert.match(await bad(GOOD.replace('name = "prod"', 'name = "prod"\ntopology = "async"'), ['cluster.topology']), /expected "galera" or "replication"/);
    assert.match(await bad(GOOD.replace('name = "prod"', 'name = "prod"\nmaxReplicationLagS = 5'), ['cluster.maxReplicationLagS']), /applies only to topology = "replication"/);
    await bad(REPL.replace('topology = "replication"', 'topology = "replication"\nmaxReplicationLagS = -1'), ['cluster.maxReplicationLagS']);
  });
  it('refuses what a replication topology cannot do: several writers, Galera-native fencing, the Galera writer-record store', async () => {
    assert.match(await bad(`${REPL}[routing]\nsinglePrimary = false\n`, ['routing.singlePrimary']), /one primary takes writes, never two/);
    assert.match(await bad(`${REPL}[fencing]\nmode = "dead"\n`, ['fencing.mode']), /does not apply to cluster.topology = "replication"/);
    assert.match(await bad(`${REPL}[coordination]\nstore = "galera"\ninstanceId = "a"\n`, ['coordination.store']), /use "etcd" or "none"/);
  });
});
