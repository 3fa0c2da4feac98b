import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../model/errors.js';
import { PXC_SCHEDULER_KEYS, configFileFromArgs, parsePxcSchedulerConfig } from './pxc-scheduler-config.js';

/** Seed 000's example, as its sections show it ([global] verbatim, the cluster lock keys, the 100/101 hostgroups). */
export const SEED_EXAMPLE_CONFIG = `
[global]
debug = true
logLevel = "debug"
logTarget = "stdout" #stdout | file
logFile = "/Users/marcotusa/work/temp/pscheduler.log"
daemonize = true
daemonInterval = 2000
performance = true
OS = "na"
lockfiletimeout = 60 #seconds
lockclustertimeout = 600 # seconds

[proxysql]
port = 6032
host = "127.0.0.1"
user = "admin"
password = "admin"
clustered = true
initialized = false

[pxccluster]
activeFailover = 1
failBack = false
checkTimeOut = 4000
mainSegment = 1
sslClient = "client-cert.pem"
sslKey = "client-key.pem"
sslCa = "ca.pem"
sslCertificatePath = "/full-path/ssl_test"
hgW = 100
hgR = 101
bckHgW = 8100
bckHgR = 8101
singlePrimary = true
maxNumWriters = 1
writerIsAlsoReader = 1
retryUp = 0
retryDown = 0
clusterId = 10
`;

describe('pxcScheduler config.toml', () => {
  it(`loads seed 000's example and maps every key`, () => {
    const s = parsePxcSchedulerConfig(SEED_EXAMPLE_CONFIG, '/etc/pxc/config.toml');
    assert.deepEqual(s.cluster, { id: 10, hgW: 100, hgR: 101, bckHgW: 8100, bckHgR: 8101 });
    assert.deepEqual(s.proxysql, { host: '127.0.0.1', port: 6032, user: 'admin', password: 'admin', clustered: true, saveToDisk: false });
    assert.deepEqual(s.run, { daemonize: true, intervalMs: 2000, lockFileTimeoutMs: 60_000, lockClusterTimeoutMs: 600_000, lockDir: '/tmp' });
    assert.equal(s.decide.activeFailover, 1);
    assert.equal(s.decide.writerIsAlsoReader, true);
    assert.equal(s.decide.checkTimeoutMs, 4000);
    assert.equal(s.decide.mainSegment, 1);
    assert.deepEqual(s.probe, { timeoutMs: 4000, tls: { ca: '/full-path/ssl_test/ca.pem', cert: '/full-path/ssl_test/client-cert.pem', key: '/full-path/ssl_test/client-key.pem' } });
    assert.deepEqual(s.log, { level: 'debug', performance: true, target: 'stdout', file: '/Users/marcotusa/work/temp/pscheduler.log' });
    assert.deepEqual(s.ignored, [
      'global.OS: ignored (pxcScheduler: for future use)',
      'proxysql.initialized: ignored (pxcScheduler: not used)',
    ]);
  });

  it(`fills pxcScheduler's defaults; only hgW and hgR are required`, () => {
    const s = parsePxcSchedulerConfig('[pxccluster]\nhgW = 10\nhgR = 11\n', 'c.toml');
    assert.deepEqual(s.cluster, { id: 10, hgW: 10, hgR: 11, bckHgW: 8010, bckHgR: 8011 });
    assert.equal(s.proxysql.port, 6032);
    assert.equal(s.run.daemonize, false);
    assert.equal(s.decide.retryUp, 0);
    assert.equal(s.log.level, 'error');
    assert.throws(() => parsePxcSchedulerConfig('[pxccluster]\nhgW = 10\n', 'c.toml'), (e: ConfigError) => /pxccluster\.hgR: is required/.test(e.message));
  });

  it(`matches sections and keys without regard to case, and reports unknown ones as ignored`, () => {
    const s = parsePxcSchedulerConfig('[Global]\nloglevel = "info"\nfoo = 1\n[PXCCLUSTER]\nHGW = 1\nhgr = 2\n[extra]\nx = 1\n', 'c.toml');
    assert.equal(s.log.level, 'info');
    assert.deepEqual(s.ignored, ['global.foo: ignored (not a pxcScheduler key galera-warden knows)', 'extra: ignored (unknown section)']);
  });

  it(`names the key at fault`, () => {
    assert.throws(() => parsePxcSchedulerConfig('[pxccluster]\nhgW = "x"\nhgR = 2\ncheckTimeOut = 0\n', '/c.toml'),
      (e: ConfigError) => e.code === 'E_CONFIG' && /config \/c\.toml: pxccluster\.hgW: expected an integer/.test(e.message) && /checkTimeOut: must be between/.test(e.message));
  });

  it(`knows every key of seed 000's "How to configure"`, () => {
    const all = Object.entries(PXC_SCHEDULER_KEYS).flatMap(([s, keys]) => Object.keys(keys).map((k) => `${s}.${k}`));
    for (const k of ['global.debug', 'global.daemonize', 'global.daemonInterval', 'global.logLevel', 'global.logTarget', 'global.logFile', 'global.OS', 'global.lockfiletimeout', 'global.lockclustertimeout',
      'proxysql.port', 'proxysql.host', 'proxysql.user', 'proxysql.password', 'proxysql.clustered', 'proxysql.initialized',
      'pxccluster.activeFailover', 'pxccluster.failBack', 'pxccluster.checkTimeOut', 'pxccluster.mainSegment', 'pxccluster.sslClient', 'pxccluster.sslKey', 'pxccluster.sslCa',
      'pxccluster.sslCertificatePath', 'pxccluster.hgW', 'pxccluster.hgR', 'pxccluster.bckHgW', 'pxccluster.bckHgR', 'pxccluster.singlePrimary', 'pxccluster.maxNumWriters',
      'pxccluster.writerIsAlsoReader', 'pxccluster.retryUp', 'pxccluster.retryDown', 'pxccluster.clusterId']) assert.ok(all.includes(k), k);
  });

  it('reads the [coordination] extension: store none by default, the record key defaults to pxc-<clusterId>, bad values named', () => {
    const base = '[pxccluster]\nhgW = 100\nhgR = 101\nclusterId = 7\n';
    assert.deepEqual(parsePxcSchedulerConfig(base, '/c.toml').coordination, { store: 'none', cluster: 'pxc-7', timeoutMs: 2000, leaseMs: 0, handoverMs: -1, schema: 'galera_warden' });
    const c = parsePxcSchedulerConfig(`${base}[coordination]\nstore = "galera"\ncluster = "prod"\ninstanceId = "px1"\nleaseMs = 9000\nhandoverMs = 5000\n`, '/c.toml').coordination;
    assert.deepEqual(c, { store: 'galera', cluster: 'prod', timeoutMs: 2000, leaseMs: 9000, handoverMs: 5000, schema: 'galera_warden', instanceId: 'px1' });
    assert.throws(() => parsePxcSchedulerConfig(`${base}[coordination]\nstore = "etcd3"\nschema = "a-b"\nhandoverMs = -5\n`, '/c.toml'),
      (e: ConfigError) => /coordination\.store: expected "none" or "galera", got "etcd3"/.test(e.message) && /coordination\.schema: expected a plain schema name/.test(e.message)
        && /coordination\.handoverMs/.test(e.message));
  });

  it('reads [cluster] topology = "replication" and the [orchestrator] table (proxy-oc-tool\'s drop-in); absent: Galera, no Orchestrator', () => {
    const base = '[pxccluster]\nhgW = 100\nhgR = 101\n';
    const plain = parsePxcSchedulerConfig(base, '/etc/gw/c.toml');
    assert.equal(plain.decide.topology, 'galera');
    assert.equal(plain.orchestrator, undefined);
    const s = parsePxcSchedulerConfig(`${base}[cluster]\ntopology = "replication"\nmaxReplicationLagS = 30\n`
      + '[orchestrator]\nurls = ["http://orc1:3000", "https://orc2:3000"]\nclusterHint = "main"\nintervalMs = 5000\nuser = "gw"\npassword = "pw"\nca = "tls/ca.pem"\n', '/etc/gw/c.toml');
    assert.deepEqual([s.decide.topology, s.decide.maxReplicationLagS], ['replication', 30]);
    assert.deepEqual(s.orchestrator, {
      urls: ['http://orc1:3000', 'https://orc2:3000'], clusterHint: 'main', timeoutMs: 2000, graceMs: 10_000,
      auth: { user: 'gw', password: 'pw' }, tls: { ca: '/etc/gw/tls/ca.pem', verifyCertificate: true },
    });
    assert.ok(s.ignored.some((i) => i.startsWith('orchestrator.intervalMs: ignored (scheduler mode polls once per run')), s.ignored.join('\n'));
  });

  it('names what is wrong in [orchestrator] and [cluster]', () => {
    const base = '[pxccluster]\nhgW = 100\nhgR = 101\n';
    assert.throws(() => parsePxcSchedulerConfig(`${base}[orchestrator]\ngraceMs = 5\n`, '/c.toml'),
      (e: ConfigError) => /orchestrator\.urls: is required/.test(e.message) && /orchestrator\.clusterHint: is required/.test(e.message));
    assert.throws(() => parsePxcSchedulerConfig(`${base}[orchestrator]\nurls = ["ftp://x", "http://a:1", "http://a:1/"]\nclusterHint = "c"\nuser = "u"\ncert = "c.pem"\n`, '/c.toml'),
      (e: ConfigError) => /"ftp:\/\/x" is not an http/.test(e.message) && /lists the same URL twice/.test(e.message)
        && /basic auth needs a password/.test(e.message) && /orchestrator\.key: a client certificate and its key go together/.test(e.message));
    assert.throws(() => parsePxcSchedulerConfig(`${base}[orchestrator]\nurls = "http://a:1"\nclusterHint = "c"\n`, '/c.toml'), (e: ConfigError) => /orchestrator\.urls: expected a list of strings/.test(e.message));
    assert.throws(() => parsePxcSchedulerConfig(`${base}[cluster]\ntopology = "ring"\n`, '/c.toml'), (e: ConfigError) => /cluster\.topology: expected "galera" or "replication", got "ring"/.test(e.message));
    assert.throws(() => parsePxcSchedulerConfig(`${base}[cluster]\ntopology = "replication"\n[coordination]\nstore = "galera"\n`, '/c.toml'), (e: ConfigError) => /coordination\.store: "galera" writes the record through a node of a Galera Primary component/.test(e.message));
  });

  it('[orchestrator] passwordEnv and passwordFile are read at load; missing ones named', () => {
    const base = '[pxccluster]\nhgW = 100\nhgR = 101\n[orchestrator]\nurls = ["http://a:1"]\nclusterHint = "c"\nuser = "u"\n';
    process.env.GW_TEST_ORC_PW = 'from-env';
    assert.deepEqual(parsePxcSchedulerConfig(`${base}passwordEnv = "GW_TEST_ORC_PW"\n`, '/c.toml').orchestrator?.auth, { user: 'u', password: 'from-env' });
    delete process.env.GW_TEST_ORC_PW;
    assert.throws(() => parsePxcSchedulerConfig(`${base}passwordEnv = "GW_TEST_ORC_PW"\n`, '/c.toml'), (e: ConfigError) => /GW_TEST_ORC_PW is not set/.test(e.message));
    assert.throws(() => parsePxcSchedulerConfig(`${base}passwordFile = "/nonexistent/pw"\n`, '/c.toml'), (e: ConfigError) => /orchestrator\.passwordFile: cannot read \/nonexistent\/pw/.test(e.message));
  });

    it(`takes pxcScheduler's arguments`, () => {
    assert.equal(configFileFromArgs(['--configfile=config.toml', '--configpath=/etc/pxc']), '/etc/pxc/config.toml');
    assert.equal(configFileFromArgs(['--configfile', '/x/c.toml']), '/x/c.toml');
    assert.throws(() => configFileFromArgs([]), ConfigError);
  });
});
