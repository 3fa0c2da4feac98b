// The probe, the node classification and the real `healthcheck` CLI (one process per node, queried
// over HTTP) against a real 3-node MariaDB Galera sandbox, after each fault the foundation issue
// names: SIGKILL, SIGSTOP, SIGCONT, wsrep_desync=ON, wsrep_reject_queries=ALL, read_only=ON, and a
// survivor that lost its two peers (non-Primary). The cluster is restored between faults. Also
// `status --json` on the live cluster, and that the warden password shows up nowhere.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../src/config/load-config.js';
import { assessNode } from '../src/decide/node-health.js';
import type { NodeSpec } from '../src/model/node.js';
import type { NodeObservation, NodeStatus } from '../src/model/observation.js';
import { probeNode } from '../src/observe/node-prober.js';
import { probeCluster } from '../src/observe/probe-cluster.js';
import type { ProbeOptions } from '../src/observe/probe-options.js';
import { probeOptionsFromConfig } from '../src/observe/probe-options.js';
import type { Sandbox } from '../src/sandbox/sandbox.js';
import type { HealthcheckAnswer, HealthcheckProcess } from './support/cli-process.js';
import { runCli, startHealthcheck } from './support/cli-process.js';
import { settles, startSandbox, stopSandbox, waitFor } from './support/sandbox-fixture.js';
import { writeConfig } from './support/warden-process.js';

const SLOT = 3;
const HC_BASE = 30000 + 200 * SLOT + 100;
// generous for a loaded 2-core machine: a healthy node that answers late must not read as a fault
const CONNECT_TIMEOUT_MS = 2000;
const TIMEOUT_MS = 3000;
/** a probe, healthcheck or CLI call that has not ended after this long hangs (its own deadline is TIMEOUT_MS) */
const HANG_MS = 30_000;
const HEAL_MS = 120_000;

const codes = (a: { reasons: { code: string }[] }) => a.reasons.map((r) => r.code);

describe('probe and healthcheck under faults (real 3-node Galera)', () => {
  let sb: Sandbox | undefined;
  let options: ProbeOptions;
  let specs: NodeSpec[] = [];
  let configFile = '';
  let password = '';
  /** healthcheck processes: node1..node3 with defaults, node2 with each availability flag, node3 keeping its connection */
  const hc: Record<string, HealthcheckProcess> = {};
  /** every HTTP body and CLI output seen, checked for the password at the end */
  const seen: string[] = [];

  const probe = async (i: number): Promise<NodeObservation> => {
    const obs = await probeNode(specs[i - 1]!, options);
    seen.push(JSON.stringify(obs));
    return obs;
  };
  const status = async (i: number): Promise<NodeStatus> => {
    const obs = await probe(i);
    assert.ok(obs.status, `node${i} answered no status: ${obs.error?.message}`);
    return obs.status;
  };
  const check = async (name: string): Promise<HealthcheckAnswer> => {
    const a = await hc[name]!.check();
    seen.push(a.text);
    return a;
  };
  /** Polls a healthcheck until its answer has the wanted HTTP status (and passes `also`). */
  const waitCheck = (name: string, want: number, timeoutMs: number, also: (a: HealthcheckAnswer) => boolean = () => true) =>
    waitFor(`healthcheck ${name} to answer ${want}`, timeoutMs, async () => {
      const a = await check(name);
      return a.status === want && also(a) ? a : undefined;
    }, 200);
  /** The whole cluster back to normal: every node Synced in a Primary component of 3, every healthcheck 200. */
  const waitHealthy = async (): Promise<void> => {
    const down = (await sb!.status()).filter((r) => r.process !== 'running');
    assert.deepEqual(down.map((r) => `${r.name} ${r.process}`), [], 'a node process is not running: the cluster cannot heal');
    await waitFor('all three nodes Synced, Primary, size 3', HEAL_MS, async () => {
      const obs = await probeCluster(specs, options);
      return obs.nodes.every((o) => o.status?.localState === 4 && o.status.clusterStatus === 'Primary' && o.status.clusterSize === 3) ? true : undefined;
    }, 250);
    for (const name of ['node1', 'node2', 'node3', 'node3reuse']) await waitCheck(name, 200, 60_000);
  };
  /** Undoes what an earlier (possibly failed) test left behind: thaws frozen nodes, starts stopped ones. */
  const restore = async (): Promise<void> => {
    for (const r of await sb!.status()) {
      if (r.process === 'frozen') sb!.thaw(r.index);
      if (r.process === 'stopped') await sb!.start(r.index);
    }
    await waitHealthy();
  };
  /** SIGKILL, and wait until the process is really gone (a probe racing the exit sees ECONNRESET, not a refusal). */
  const killNode = async (i: number): Promise<void> => {
    sb!.kill(i);
    await waitFor(`node${i} to exit`, 60_000, async () => ((await sb!.status())[i - 1]!.process === 'stopped' ? true : undefined), 20);
  };

  before(async () => {
    sb = await startSandbox(SLOT);
    password = sb.password('warden');
    const probeSection = `[probe]\nconnectTimeoutMs = ${CONNECT_TIMEOUT_MS}\ntimeoutMs = ${TIMEOUT_MS}\n`;
    configFile = writeConfig(sb.configPath, probeSection, path.join(sb.dir, 'faults.toml'));
    // the same, keeping one live connection to the node between probes
    const reuseFile = writeConfig(sb.configPath, `${probeSection}reuseConnection = true\n`, path.join(sb.dir, 'faults-reuse.toml'));
    const config = await loadConfig(configFile);
    options = { ...probeOptionsFromConfig(config), reuseConnection: false };
    specs = [...config.nodes];
    // --hold-ms 0: these tests look at each probe's verdict as it is; the hold after a failure (default
    // 8 s) is tested in src/runtime/healthcheck-server.test.ts.
    const noHold = ['--hold-ms', '0'];
    const wanted: [name: string, file: string, node: string, flags: string[]][] = [
      ['node1', configFile, 'node1', noHold],
      ['node2', configFile, 'node2', noHold],
      ['node3', configFile, 'node3', noHold],
      ['node2donor', configFile, 'node2', [...noHold, '--available-when-donor']],
      ['node2ro', configFile, 'node2', [...noHold, '--available-when-read-only']],
      ['node3reuse', reuseFile, 'node3', noHold],
    ];
    // each registers itself as soon as it runs, so that after() stops it even if another fails to start
    await Promise.all(wanted.map(async ([name, file, node, flags], k) => {
      hc[name] = await startHealthcheck(file, node, HC_BASE + 1 + k, flags);
    }));
    assert.equal((await loadConfig(reuseFile)).probe.reuseConnection, true);
  });

  after(async () => {
    await Promise.all(Object.values(hc).map((p) => p.stop()));
    await stopSandbox(sb);
  });

  it('a healthy cluster: every node Synced/Primary, available and writable, healthcheck 200', async () => {
    for (const i of [1, 2, 3]) {
      const obs = await probe(i);
      const s = obs.status!;
      assert.ok(s, obs.error?.message);
      assert.equal(s.localState, 4);
      assert.equal(s.localStateComment, 'Synced');
      assert.equal(s.clusterStatus, 'Primary');
      assert.equal(s.clusterSize, 3);
      assert.equal(s.ready, true);
      assert.equal(s.wsrepOn, true);
      assert.deepEqual(s.tableAccess, { ok: true });
      assert.deepEqual(s.members?.map((m) => m.name).sort(), ['node1', 'node2', 'node3']);
      assert.deepEqual(assessNode(obs), { available: true, writable: true, reasons: [] });
    }
    for (const name of Object.keys(hc)) {
      const a = await check(name);
      assert.equal(a.status, 200, `${name}: ${a.text}`);
      assert.equal(a.body.available, true);
      assert.equal(a.body.writable, true);
      assert.equal(a.body.state, 'Synced');
      assert.deepEqual(a.body.reasons, []);
    }
  });

  it('status --json: exits 0 with one entry per node, and no password', async () => {
    const r = await runCli(['status', '--config', configFile, '--json']);
    seen.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { cluster: string; nodes: (NodeObservation & { health: { available: boolean; role: string } })[] };
    assert.equal(doc.cluster, 'warden-sandbox');
    assert.deepEqual(doc.nodes.map((n) => n.node), ['node1', 'node2', 'node3']);
    for (const n of doc.nodes) {
      assert.equal(n.status?.localStateComment, 'Synced');
      assert.equal(n.health.available, true);
    }
    assert.ok(!r.stdout.includes(password) && !r.stderr.includes(password), 'the warden password is in the status output');
  });

  it('TLS asked of a node that offers none: kind tls, not a silent plain-text login', async () => {
    const obs = await probeNode(specs[0]!, { ...options, tls: { verifyCertificate: true, verifyIdentity: true } });
    seen.push(JSON.stringify(obs));
    assert.equal(obs.error?.kind, 'tls', obs.error?.message);
    assert.equal(obs.error.code, 'HANDSHAKE_NO_SSL_SUPPORT');
  });

  it('SIGKILL: the probe is refused at once, healthcheck 503 PROBE_REFUSED; status --json still exits 0', async () => {
    await restore();
    await killNode(3);
    const obs = await probe(3);
    assert.equal(obs.status, undefined);
    assert.equal(obs.error?.kind, 'refused', obs.error?.message);
    assert.equal(obs.error?.code, 'ECONNREFUSED');
    assert.match(obs.error.message, /node3 \(127\.0\.0\.1:30631\)/);
    console.log(`# probe of the killed node3: refused after ${Math.round(obs.latencyMs)} ms`);
    assert.deepEqual(codes(assessNode(obs)), ['PROBE_REFUSED']);
    for (const name of ['node3', 'node3reuse']) {
      const a = await check(name);
      assert.equal(a.status, 503, name);
      assert.equal(a.body.available, false);
      assert.equal(a.body.state, 'probe refused', `${name}: ${a.text}`);
      assert.deepEqual(codes(a.body), ['PROBE_REFUSED']);
    }

    const r = await runCli(['status', '--config', configFile, '--json']);
    seen.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { nodes: NodeObservation[] };
    assert.equal(doc.nodes[2]!.error?.kind, 'refused');

    // The survivors evict the dead member and carry on as a Primary component of two.
    await waitFor('survivors to re-form at size 2', 90_000, async () => ((await status(1)).clusterSize === 2 ? true : undefined), 250);
    const s2 = await status(2);
    assert.equal(s2.clusterStatus, 'Primary');
    assert.equal(s2.clusterSize, 2);
    assert.deepEqual(s2.members?.map((m) => m.name).sort(), ['node1', 'node2']);
    assert.equal((await check('node2')).status, 200);
    await restore();
  });

  it('SIGSTOP: the probe times out within its deadline, healthcheck 503 PROBE_TIMEOUT; the others still answer', async () => {
    await restore();
    sb!.freeze(3);
    // A frozen node accepts TCP and never answers: only the probe's own deadline ends the probe, so
    // kind 'timeout' is the proof. How long each call took is printed, not asserted (the machine may be busy).
    const t0 = performance.now();
    const obs = await settles('the probe of the frozen node3', HANG_MS, probe(3));
    const took = performance.now() - t0;
    assert.equal(obs.error?.kind, 'timeout', obs.error?.message);
    assert.ok(took >= CONNECT_TIMEOUT_MS - 50, `timed out after only ${Math.round(took)} ms, before its ${CONNECT_TIMEOUT_MS} ms connect timeout`);
    assert.deepEqual(codes(assessNode(obs)), ['PROBE_TIMEOUT']);

    const tick0 = performance.now();
    const tick = await settles('a cluster probe with node3 frozen', HANG_MS, probeCluster(specs, options));
    const tickMs = performance.now() - tick0;
    assert.ok(tick.nodes[0]!.status && tick.nodes[1]!.status, 'node1 and node2 must still answer');
    assert.equal(tick.nodes[2]!.error?.kind, 'timeout');

    const checkMs: number[] = [];
    for (const name of ['node3', 'node3reuse']) {
      const h0 = performance.now();
      const a = await settles(`the healthcheck ${name} of the frozen node3`, HANG_MS, check(name));
      checkMs.push(performance.now() - h0);
      assert.equal(a.status, 503, name);
      assert.equal(a.body.state, 'probe timeout', `${name}: ${a.text}`);
      assert.deepEqual(codes(a.body), ['PROBE_TIMEOUT']);
    }
    const c0 = performance.now();
    const r = await runCli(['status', '--config', configFile, '--json'], HANG_MS);
    seen.push(r.stdout, r.stderr);
    assert.equal(r.code, 0, `status did not exit 0 with node3 frozen (null: killed after ${HANG_MS} ms): ${r.stderr}`);
    console.log(`# node3 frozen (probe deadline ${TIMEOUT_MS} ms): probe ${Math.round(took)} ms, cluster probe ${Math.round(tickMs)} ms,` +
      ` healthchecks ${checkMs.map((m) => Math.round(m)).join(' and ')} ms, status CLI ${Math.round(performance.now() - c0)} ms`);
    assert.deepEqual((JSON.parse(r.stdout) as { nodes: NodeObservation[] }).nodes.map((n) => n.error?.kind ?? n.status?.localStateComment), ['Synced', 'Synced', 'timeout']);
    // Stay frozen until the peers evict node3, so that the thaw below resumes a node with a stale view.
    await waitFor('node1 and node2 to evict the frozen node3', 90_000, async () => ((await status(1)).clusterSize === 2 ? true : undefined), 250);
  });

  it('SIGCONT: the node answers again (first with its stale pre-freeze view), and is 200 again once Synced in the Primary component', async () => {
    sb!.thaw(3);
    const thawedAt = performance.now();
    const first = await waitFor('node3 to answer after SIGCONT', 30_000, async () => (await probe(3)).status, 50);
    const firstCheck = await check('node3');
    const peers = await status(1);
    if (first.clusterStatus === 'Primary' && first.clusterSize === 3) {
      // The stale view: node3 still believes in the 3-member Primary view its peers have left behind.
      // Only a comparison with the peers shows it (the warden's STALE_VIEW check); a node-side check cannot.
      assert.ok(first.clusterConfId < peers.clusterConfId, 'a stale Primary view has an older view id than the live one');
      // What the warden's STALE_VIEW cross-check relies on: the peers' member table no longer has node3's gcomm uuid.
      assert.deepEqual(peers.members?.map((m) => m.name).sort(), ['node1', 'node2']);
      assert.ok(!peers.members.some((m) => m.uuid === first.gcommUuid), 'the peers still list the resumed node');
      assert.ok(first.members?.some((m) => m.uuid === first.gcommUuid), 'the stale node lists itself under its gcomm uuid');
      await waitFor('node3 to leave its stale view', 90_000, async () => {
        const st = (await probe(3)).status;
        return st && (st.clusterStatus !== 'Primary' || st.clusterConfId !== first.clusterConfId) ? true : undefined;
      }, 50);
    }
    // A diagnostic, not an assertion: what the resumed node says at first, and for how long.
    console.log(`# node3 right after SIGCONT: ${first.localStateComment} ${first.clusterStatus} size=${first.clusterSize} view=${first.clusterConfId}` +
      ` (peers: ${peers.clusterStatus} size=${peers.clusterSize} view=${peers.clusterConfId}); its healthcheck answered ${firstCheck.status};` +
      ` the view changed ${Math.round(performance.now() - thawedAt)} ms after SIGCONT`);
    await waitHealthy();
    const s = await status(3);
    assert.equal(s.clusterSize, 3);
    assert.equal(s.clusterConfId, (await status(1)).clusterConfId);
  });

  it('wsrep_desync=ON: Donor/Desynced, 503 by default, 200 with --available-when-donor', async () => {
    await restore();
    await sb!.sql(2, 'SET GLOBAL wsrep_desync=ON');
    try {
      const obs = await probe(2);
      const s = obs.status!;
      assert.ok(s, obs.error?.message);
      assert.equal(s.desync, true);
      assert.equal(s.localState, 2);
      assert.equal(s.localStateComment, 'Donor/Desynced');
      assert.equal(s.clusterStatus, 'Primary');
      assert.deepEqual(s.tableAccess, { ok: true });
      const strict = assessNode(obs);
      assert.equal(strict.available, false);
      assert.deepEqual(codes(strict), ['DESYNCED']);
      const lenient = assessNode(obs, { availableWhenDonor: true, availableWhenReadOnly: false });
      assert.equal(lenient.available, true);
      assert.equal(lenient.writable, true);

      const a = await check('node2');
      assert.equal(a.status, 503);
      assert.equal(a.body.state, 'Donor/Desynced');
      assert.deepEqual(codes(a.body), ['DESYNCED']);
      const d = await check('node2donor');
      assert.equal(d.status, 200, d.text);
      assert.equal(d.body.available, true);
      assert.deepEqual(codes(d.body), ['DESYNCED']);
      assert.equal((await check('node2ro')).status, 503);
    } finally {
      await sb!.sql(2, 'SET GLOBAL wsrep_desync=OFF');
    }
  });

  it('wsrep_reject_queries=ALL: table access refused with 1047, 503 even with --available-when-donor', async () => {
    await restore();
    await sb!.sql(2, 'SET GLOBAL wsrep_reject_queries=ALL');
    try {
      const obs = await probe(2);
      const s = obs.status!;
      assert.ok(s, obs.error?.message);
      assert.equal(s.rejectQueries, 'ALL');
      assert.equal(s.localState, 4);
      assert.equal(s.clusterStatus, 'Primary');
      assert.equal(s.tableAccess.ok, false);
      assert.equal(s.tableAccess.errno, 1047);
      const h = assessNode(obs, { availableWhenDonor: true, availableWhenReadOnly: true });
      assert.equal(h.available, false);
      assert.deepEqual(codes(h), ['REJECT_QUERIES', 'TABLE_ACCESS']);
      for (const name of ['node2', 'node2donor', 'node2ro']) {
        const a = await check(name);
        assert.equal(a.status, 503, `${name}: ${a.text}`);
        assert.deepEqual(codes(a.body), ['REJECT_QUERIES', 'TABLE_ACCESS']);
        assert.match(a.body.reasons[1]!.message, /error 1047/);
      }
    } finally {
      await sb!.sql(2, 'SET GLOBAL wsrep_reject_queries=NONE');
    }
  });

  it('read_only=ON: 503 by default, 200 but not writable with --available-when-read-only', async () => {
    await restore();
    await sb!.sql(2, 'SET GLOBAL read_only=ON');
    try {
      // MariaDB takes the global read lock to switch read_only, and under Galera that briefly
      // desyncs and pauses the node: right after the SET it may still report Donor/Desynced.
      const first = await status(2);
      assert.equal(first.readOnly, true);
      if (first.localState !== 4) console.log(`# node2 right after SET GLOBAL read_only=ON: ${first.localState} ${first.localStateComment}`);
      const obs = await waitFor('node2 to be Synced again with read_only=ON', 60_000, async () => {
        const o = await probe(2);
        return o.status?.localState === 4 ? o : undefined;
      }, 50);
      const s = obs.status!;
      assert.equal(s.readOnly, true);
      assert.deepEqual(s.tableAccess, { ok: true });
      const strict = assessNode(obs);
      assert.deepEqual({ available: strict.available, writable: strict.writable, codes: codes(strict) }, { available: false, writable: false, codes: ['READ_ONLY'] });
      const lenient = assessNode(obs, { availableWhenDonor: false, availableWhenReadOnly: true });
      assert.deepEqual({ available: lenient.available, writable: lenient.writable }, { available: true, writable: false });

      const a = await check('node2');
      assert.equal(a.status, 503);
      assert.deepEqual(codes(a.body), ['READ_ONLY']);
      const ro = await check('node2ro');
      assert.equal(ro.status, 200, ro.text);
      assert.equal(ro.body.available, true);
      assert.equal(ro.body.writable, false);
      assert.equal((await check('node2donor')).status, 503);
    } finally {
      await sb!.sql(2, 'SET GLOBAL read_only=OFF');
    }
  });

  it('a survivor that lost both peers is non-Primary: table access 1047, 503 NOT_PRIMARY; pc.bootstrap makes it 200 again', async () => {
    await restore();
    await Promise.all([killNode(1), killNode(2)]);
    const s = await waitFor('node3 to drop to non-Primary', 90_000, async () => {
      const st = await status(3);
      return st.clusterStatus === 'non-Primary' ? st : undefined;
    }, 250);
    assert.equal(s.ready, false);
    assert.equal(s.tableAccess.ok, false);
    assert.equal(s.tableAccess.errno, 1047);
    assert.equal(s.members, undefined, 'no member list from a node outside the Primary component');
    const obs = await probe(3);
    const h = assessNode(obs, { availableWhenDonor: true, availableWhenReadOnly: true });
    assert.equal(h.available, false);
    assert.ok(codes(h).includes('NOT_PRIMARY'), codes(h).join(','));
    assert.ok(codes(h).includes('TABLE_ACCESS'));

    const a = await check('node3');
    assert.equal(a.status, 503);
    assert.ok(codes(a.body).includes('NOT_PRIMARY'), a.text);
    assert.match(a.body.reasons.find((r) => r.code === 'NOT_PRIMARY')!.message, /node3: wsrep_cluster_status=non-Primary/);
    for (const name of ['node1', 'node2']) assert.deepEqual(codes((await check(name)).body), ['PROBE_REFUSED']);

    await sb!.bootstrap(3);
    const back = await waitCheck('node3', 200, 90_000);
    assert.equal(back.body.state, 'Synced');
    const s3 = await status(3);
    assert.equal(s3.clusterStatus, 'Primary');
    assert.equal(s3.clusterSize, 1);
  });

  it('the warden password appears in no probe result, HTTP answer, CLI output or healthcheck log', () => {
    assert.ok(password.length >= 16);
    const logs = Object.values(hc).map((p) => p.output());
    assert.ok(logs.some((l) => l.includes('unavailable (503)')), 'the healthchecks logged their transitions');
    for (const text of [...seen, ...logs]) assert.ok(!text.includes(password), `the password leaked into: ${text.slice(0, 200)}`);
  });
});
