// startAgent's start-up: it waits for the admin interface's first answer before the election and the work loop,
// and an abort during that wait closes everything start-up opened (HTTP listener, pod watches, the admin
// connection attempt) and resolves with no agent; no Lease is ever touched. HTTP ports 25620-25621.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startAgent } from './agent.js';
import { KubeApiDouble, kubeconfigFor } from './testing/kube-api-double.js';
import { AGENT_DEFAULTS } from '../config/sections/agent.js';
import type { AgentSettings } from '../config/sections/agent.js';

async function until(what: string, f: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** accepts TCP and never says a word: a ProxySQL admin that is not up yet (or SIGSTOPped) */
async function silentAdmin(): Promise<{ port: number; open: () => number; accepted: () => number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => sockets.size,
    accepted: () => accepted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('agent start-up', () => {
  const cleanup: Array<() => Promise<void>> = [];
  after(async () => { for (const c of cleanup.reverse()) await c(); });

  for (const [mode, httpPort] of [['core', 25620], ['satellite', 25621]] as const) {
    it(`${mode}: an abort while the admin does not answer yet closes the HTTP listener, the watches and the admin attempt; no Lease`, async () => {
      const api = await KubeApiDouble.start({ token: 't' });
      cleanup.push(() => api.close());
      api.setPod('ns', { name: 'core-0', ip: '127.0.0.1', ready: true, labels: { app: 'proxysql', component: 'core' } });
      const admin = await silentAdmin();
      cleanup.push(() => admin.close());
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-agent-start-'));
      cleanup.push(async () => fs.rmSync(dir, { recursive: true, force: true }));
      fs.writeFileSync(path.join(dir, 'kubeconfig'), kubeconfigFor(api));
      const s: AgentSettings = {
        ...AGENT_DEFAULTS, mode, adminPort: admin.port, adminPassword: 'admin', podName: 'core-0', namespace: 'ns',
        kubeconfig: path.join(dir, 'kubeconfig'), httpHost: '127.0.0.1', httpPort, callTimeoutMs: 60_000, intervalMs: 200,
      };
      const lines: string[] = [];
      const log = pino({ level: 'info' }, { write: (l: string) => { lines.push(l); } });
      const stop = new AbortController();
      const starting = startAgent(s, log, { signal: stop.signal });
      // start-up is under way: the admin got a connection (the login never answers), the pods are watched
      await until('the admin connection attempt', () => admin.open() === 1);
      await until('a pod watch', () => api.openWatches >= 1);
      assert.equal((await fetch(`http://127.0.0.1:${httpPort}/healthz/started`)).status, 503, 'not started');
      stop.abort();
      assert.equal(await starting, undefined, 'no agent: start-up was given up');
      // the socket is destroyed at once (not at its 2 s connect timeout); the server sees it a moment later
      await until('the admin connection attempt cut', () => admin.open() === 0, 1500);
      await until('no watch open', () => api.openWatches === 0);
      assert.ok(!api.requests.some((r) => r.includes('/leases')), 'no Lease read or written');
      assert.ok(!lines.some((l) => l.includes('"msg":"agent started"')));
      assert.ok(!lines.some((l) => /"level":(40|50|60)/.test(l)), `no warning or error: ${lines.join('')}`);
      await assert.rejects(fetch(`http://127.0.0.1:${httpPort}/healthz/started`), 'the HTTP listener is closed');
    });
  }

  it('an abort before start-up does nothing at all', async () => {
    const stop = new AbortController();
    stop.abort();
    const s = { ...AGENT_DEFAULTS, mode: 'core', adminPassword: 'admin', podName: 'p', namespace: 'ns', kubeconfig: '/nonexistent' } as AgentSettings;
    assert.equal(await startAgent(s, pino({ level: 'silent' }), { signal: stop.signal }), undefined);
  });
});
