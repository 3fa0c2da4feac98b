// TLS from the probe to real MariaDB Galera nodes started with TLS on (certificates the sandbox made
// with openssl; users created REQUIRE X509): the sandbox's own config works and the session really is
// encrypted; no TLS, no client certificate, a wrong CA and a server name the certificate does not
// carry are each refused with the right kind; the password and the client key show up nowhere.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/load-config.js';
import { Secret } from '../src/config/secret.js';
import { assessNode } from '../src/decide/node-health.js';
import type { NodeSpec } from '../src/model/node.js';
import type { NodeObservation } from '../src/model/observation.js';
import { MysqlSession } from '../src/observe/mysql-session.js';
import { probeNode } from '../src/observe/node-prober.js';
import { probeCluster } from '../src/observe/probe-cluster.js';
import type { ProbeOptions, ProbeTls } from '../src/observe/probe-options.js';
import { probeOptionsFromConfig } from '../src/observe/probe-options.js';
import { certPaths } from '../src/sandbox/certs.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { HealthcheckProcess } from './support/cli-process.js';
import { runCli, startHealthcheck } from './support/cli-process.js';
import { startSandbox, stopSandbox } from './support/sandbox-fixture.js';
import { writeConfig } from './support/warden-process.js';

const SLOT = 4;
const HC_PORT = 30000 + 200 * SLOT + 101;

describe('probe over TLS (real 3-node Galera with TLS on, users REQUIRE X509)', () => {
  let sb: Sandbox | undefined;
  let options: ProbeOptions;
  let tls: ProbeTls;
  let spec: NodeSpec;
  let specs: NodeSpec[] = [];
  let password = '';
  /** base64 lines of the client private key: none may appear in any output */
  let keyLines: string[] = [];
  let otherCa = '';
  let healthcheck: HealthcheckProcess | undefined;
  /** every error message and CLI output seen, checked for secrets at the end */
  const seen: string[] = [];

  const probeWith = async (o: ProbeOptions): Promise<NodeObservation> => {
    const obs = await probeNode(spec, o);
    seen.push(JSON.stringify(obs));
    return obs;
  };
  const withTls = (t: Partial<ProbeTls>): ProbeOptions => ({ ...options, tls: { ...tls, ...t } });

  before(async () => {
    sb = await startSandbox(SLOT, { tls: true });
    password = sb.password('warden');
    const config = await loadConfig(sb.configPath);
    // generous deadlines: on a loaded 2-core machine a TLS login may take more than the default second
    options = { ...probeOptionsFromConfig(config), reuseConnection: false, connectTimeoutMs: 5000, timeoutMs: 10_000 };
    assert.ok(options.tls, 'the sandbox config turns TLS on');
    tls = options.tls;
    specs = [...config.nodes];
    spec = specs[0]!;
    keyLines = fs.readFileSync(certPaths(sb.dir).clientKey, 'utf8').split('\n').filter((l) => l.length > 40 && !l.startsWith('-----'));
    assert.ok(keyLines.length > 10);
    // A second, unrelated CA: the nodes' certificates do not chain to it.
    const dir = path.join(sb.dir, 'other-ca');
    fs.mkdirSync(dir);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'ca-key.pem'), '-out', path.join(dir, 'ca.pem'),
      '-days', '2', '-subj', '/CN=some other CA'], { stdio: 'ignore', timeout: 30_000 });
    otherCa = fs.readFileSync(path.join(dir, 'ca.pem'), 'utf8');
  });

  after(async () => {
    await healthcheck?.stop();
    await stopSandbox(sb);
  });

  it('the sandbox config (CA, client certificate and key, identity check against the IP) probes every node', async () => {
    assert.equal(tls.verifyCertificate, true);
    assert.equal(tls.verifyIdentity, true);
    assert.equal(tls.serverName, undefined);
    const tick = await probeCluster(specs, options);
    seen.push(JSON.stringify(tick));
    for (const obs of tick.nodes) {
      assert.ok(obs.status, obs.error?.message);
      assert.equal(obs.status.localStateComment, 'Synced');
      assert.equal(obs.status.clusterSize, 3);
      assert.equal(assessNode(obs).available, true);
    }
  });

  it('the probe session really runs over TLS (the server reports its cipher)', async () => {
    const session = new MysqlSession(spec, { user: options.user, password: options.password.reveal(), connectTimeoutMs: options.connectTimeoutMs, tls });
    try {
      await session.ready;
      const rows = (await session.query("SHOW SESSION STATUS WHERE Variable_name IN ('Ssl_cipher', 'Ssl_version')")) as string[][];
      const v = new Map(rows.map((r): [string, string] => [r[0] ?? '', r[1] ?? '']));
      assert.match(v.get('Ssl_cipher') ?? '', /\w/, 'Ssl_cipher is empty: the session is not encrypted');
      assert.match(v.get('Ssl_version') ?? '', /^TLSv1\.[23]$/);
    } finally {
      session.destroy();
    }
  });

  it('without TLS the REQUIRE X509 user is refused: kind auth (1045)', async () => {
    const { tls: _omit, ...plain } = options;
    const obs = await probeWith(plain);
    assert.equal(obs.error?.kind, 'auth', obs.error?.message);
    assert.equal(obs.error.errno, 1045);
    assert.deepEqual(assessNode(obs).reasons.map((r) => r.code), ['PROBE_AUTH']);
  });

  it('TLS without a client certificate is refused too: kind auth', async () => {
    const { cert: _c, key: _k, ...noClientCert } = tls;
    const obs = await probeWith({ ...options, tls: noClientCert });
    assert.equal(obs.error?.kind, 'auth', obs.error?.message);
    assert.equal(obs.error.errno, 1045);
  });

  it('a wrong password is refused: kind auth, and neither password is in the message', async () => {
    const wrong = `not-${password}`;
    const obs = await probeWith({ ...options, password: new Secret(wrong) });
    assert.equal(obs.error?.kind, 'auth', obs.error?.message);
    assert.ok(!obs.error.message.includes(wrong));
  });

  it('a CA the server certificate does not chain to: kind tls; without the chain check it connects', async () => {
    const obs = await probeWith(withTls({ ca: otherCa }));
    assert.equal(obs.status, undefined);
    assert.equal(obs.error?.kind, 'tls', obs.error?.message);
    assert.match(obs.error.message, /node1 \(127\.0\.0\.1:\d+\): TLS failed/);
    assert.deepEqual(assessNode(obs).reasons.map((r) => r.code), ['PROBE_TLS']);
    const unchecked = await probeWith(withTls({ ca: otherCa, verifyCertificate: false, verifyIdentity: false }));
    assert.ok(unchecked.status, unchecked.error?.message);
  });

  it('a server name the certificate does not carry, with the identity check on: kind tls', async () => {
    const obs = await probeWith(withTls({ serverName: 'db.not-in-the-cert.example' }));
    assert.equal(obs.error?.kind, 'tls', obs.error?.message);
    assert.match(obs.error.message, /db\.not-in-the-cert\.example|altnames|Hostname/i);
    // the certificate names DNS:localhost: that server name passes; with the identity check off any name does
    const good = await probeWith(withTls({ serverName: 'localhost' }));
    assert.ok(good.status, good.error?.message);
    const lax = await probeWith(withTls({ serverName: 'db.not-in-the-cert.example', verifyIdentity: false }));
    assert.ok(lax.status, lax.error?.message);
  });

  it('status --json and healthcheck over TLS from the config file; a wrong CA there gives tls errors, exit 0', async () => {
    // the sandbox's config file plus generous probe deadlines (a loaded machine), nothing else
    const config = writeConfig(sb!.configPath, '[probe]\nconnectTimeoutMs = 5000\ntimeoutMs = 10000\n', path.join(sb!.dir, 'tls-slow-ok.toml'));
    const ok = await runCli(['status', '--config', config, '--json']);
    seen.push(ok.stdout, ok.stderr);
    assert.equal(ok.code, 0, ok.stderr);
    const doc = JSON.parse(ok.stdout) as { nodes: (NodeObservation & { health: { available: boolean } })[] };
    assert.deepEqual(doc.nodes.map((n) => n.health.available), [true, true, true]);

    healthcheck = await startHealthcheck(config, 'node2', HC_PORT);
    const a = await healthcheck.check();
    seen.push(a.text, healthcheck.output());
    assert.equal(a.status, 200, a.text);
    assert.equal(a.body.state, 'Synced');

    const badCa = path.join(sb!.dir, 'other-ca', 'ca.pem');
    const cfg = fs.readFileSync(config, 'utf8').replace(/^ca = .*$/m, `ca = "${badCa}"`);
    assert.ok(cfg.includes(badCa));
    const file = path.join(sb!.dir, 'bad-ca.toml');
    fs.writeFileSync(file, cfg);
    const bad = await runCli(['status', '--config', file, '--json']);
    seen.push(bad.stdout, bad.stderr);
    assert.equal(bad.code, 0, bad.stderr);
    const badDoc = JSON.parse(bad.stdout) as { nodes: NodeObservation[] };
    assert.deepEqual(badDoc.nodes.map((n) => n.error?.kind), ['tls', 'tls', 'tls']);
  });

  it('neither the password nor the client key appears in any error, body, log or JSON output', () => {
    if (process.env.GW_TEST_VERBOSE) for (const text of seen) console.log(`# ${text.slice(0, 400)}`);
    assert.ok(seen.length >= 10);
    for (const text of seen) {
      assert.ok(!text.includes(password), `the password leaked into: ${text.slice(0, 300)}`);
      for (const line of keyLines) assert.ok(!text.includes(line), `the client key leaked into: ${text.slice(0, 300)}`);
    }
  });
});
