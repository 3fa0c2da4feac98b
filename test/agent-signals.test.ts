// `galera-warden agent` as a process that cannot finish start-up (its ProxySQL admin accepts TCP and never
// answers, as one still starting or SIGSTOPped does): SIGTERM or SIGINT then ends it with exit 0, nothing on
// stderr, no warning or error log line, no Lease taken. No ProxySQL needed: a silent TCP server and the
// Kubernetes API double. Ports 25630-25639 (API double 25630, silent admin 25631, agents' HTTP 25632-25633).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { KubeApiDouble, kubeconfigFor } from '../src/agent/testing/kube-api-double.js';
import { REPO_ROOT } from './support/proxysql-real.js';

const NS = 'proxysql';
const ADMIN = 25631;

describe('galera-warden agent: a signal during start-up', () => {
  let api: KubeApiDouble;
  let admin: net.Server;
  let dir: string;
  const sockets = new Set<net.Socket>();

  before(async () => {
    api = await KubeApiDouble.start({ port: 25630, token: 'agent-token' });
    api.setPod(NS, { name: 'core-0', ip: '127.0.0.1', ready: true, labels: { app: 'proxysql', component: 'core' } });
    admin = net.createServer((s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => admin.listen(ADMIN, '127.0.0.1', r));
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-agent-sig-'));
    fs.writeFileSync(path.join(dir, 'kubeconfig'), kubeconfigFor(api));
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => admin.close(r));
    await api.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const [mode, signal, httpPort] of [['core', 'SIGTERM', 25632], ['satellite', 'SIGINT', 25633]] as const) {
    it(`${mode}: ${signal} while the admin does not answer yet: exit 0, no error output, no Lease`, async () => {
      const child = spawn(process.execPath, [path.join(REPO_ROOT, 'dist/src/cli/main.js'), 'agent', '--mode', mode], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env, KUBERNETES_SERVICE_HOST: '', KUBECONFIG: path.join(dir, 'kubeconfig'),
          POD_NAME: `${mode}-0`, POD_NAMESPACE: NS, GW_AGENT_ADMIN_HOST: '127.0.0.1', GW_AGENT_ADMIN_PORT: String(ADMIN),
          GW_AGENT_HTTP_HOST: '127.0.0.1', GW_AGENT_HTTP_PORT: String(httpPort), GW_AGENT_INTERVAL_MS: '300',
          GW_AGENT_RETRY_PERIOD_MS: '300', GW_AGENT_CALL_TIMEOUT_MS: '1000',
        },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => { out += String(d); });
      child.stderr.on('data', (d: Buffer) => { err += String(d); });
      const exit = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (code, sig) => r([code, sig])));
      try {
        // start-up is under way: the HTTP endpoints answer, /healthz/started says the admin has not answered
        const end = Date.now() + 30_000;
        for (;;) {
          const r = await fetch(`http://127.0.0.1:${httpPort}/healthz/started`, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
          const code = r?.status;
          await r?.text();
          if (code === 503) break;
          assert.notEqual(code, 200, 'the admin never answers: start-up cannot finish');
          if (child.exitCode !== null || Date.now() > end) assert.fail(`no start-up in progress: ${err}`);
          await new Promise((res) => setTimeout(res, 100));
        }
        child.kill(signal);
        assert.deepEqual(await exit, [0, null], `exit 0, not killed by the signal; stderr: ${err}`);
        assert.equal(err, '', 'nothing on stderr');
        assert.ok(!/"level":(40|50|60)/.test(out), `no warning or error log line: ${out}`);
        assert.ok(!out.includes('"msg":"agent started"'));
        assert.ok(!api.requests.some((r) => r.includes('/leases')), 'no Lease read or written');
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      }
    });
  }
});
