// Test support: a Daemon against fake Galera nodes, built from a real TOML file (so every default and
// path rule of the config loader applies), with its own temporary folder for the config and the state.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../config/load-config.js';
import { FakeGaleraServer } from '../../observe/testing/fake-galera-server.js';
import { Daemon } from '../daemon.js';
import { createLogger } from '../logger.js';

export interface Harness {
  dir: string;
  fakes: FakeGaleraServer[];
  /** log lines the daemons wrote (JSON) */
  logs: string[];
  /** a daemon on a config made of `extra` TOML after the cluster, credentials and nodes */
  daemon(extra?: string): Promise<Daemon>;
  close(): Promise<void>;
}

export async function startHarness(nodes = 2): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-daemon-'));
  fs.chmodSync(dir, 0o700);
  const fakes: FakeGaleraServer[] = [];
  for (let i = 0; i < nodes; i++) fakes.push(await FakeGaleraServer.start({ tableAccessError: undefined }));
  const logs: string[] = [];
  const daemons: Daemon[] = [];
  let n = 0;
  return {
    dir,
    fakes,
    logs,
    async daemon(extra = '') {
      const file = path.join(dir, `warden-${++n}.toml`);
      const lines = ['[cluster]', 'name = "fake"', '[credentials]', 'user = "warden"', 'password = "pw"', ''];
      fakes.forEach((f, i) => lines.push('[[nodes]]', `name = "node${i + 1}"`, `host = "${f.host}"`, `port = ${f.port}`, `weight = ${100 - i}`, ''));
      fs.writeFileSync(file, `${extra}\n${lines.join('\n')}`);
      const config = await loadConfig(file);
      const log = createLogger({ level: 'info', format: 'json', destination: new Writable({ write: (c: Buffer, _e, d) => { logs.push(String(c)); d(); } }) });
      const d = new Daemon({ config, log });
      daemons.push(d);
      return d;
    },
    async close() {
      for (const d of daemons) await d.destroy();
      for (const f of fakes) await f.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check()` holds, polling; fails after `ms` with `what`. */
export async function waitFor(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
