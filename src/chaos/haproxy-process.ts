// Starts a real HAProxy (`haproxy -f <cfg> -db`) with a given config in a temporary folder, waits until its
// runtime API answers, and stops it by pid (the chaos campaign and the tests). Tests skip when the binary is missing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RuntimeClient } from '../apply/haproxy/runtime-client.js';
import { killOnExit, stopChild } from './child-processes.js';

export const HAPROXY_BIN = process.env.HAPROXY_BIN ?? '/usr/sbin/haproxy';

/** undefined when HAProxy can run here, else why not (for `skip`) */
export function haproxyMissing(): string | undefined {
  return fs.existsSync(HAPROXY_BIN) ? undefined : `HAProxy not installed (${HAPROXY_BIN}); install Debian's haproxy or set HAPROXY_BIN`;
}


export interface HaproxyProcess {
  dir: string;
  socket: string;
  configFile: string;
  output: string[];
  stop(): Promise<void>;
}

/**
 * `config(socket)` returns the haproxy.cfg text for the admin socket path it is given (`o.socket`, or one in
 * the temporary folder).
 */
export async function startHaproxy(config: (socket: string) => string, o: { socket?: string; deadlineMs?: number; args?: string[] } = {}): Promise<HaproxyProcess> {
  const deadlineMs = o.deadlineMs ?? 20_000;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gw-haproxy-'));
  const socket = o.socket ?? path.join(dir, 'admin.sock');
  const configFile = path.join(dir, 'haproxy.cfg');
  fs.writeFileSync(configFile, config(socket));
  const child = killOnExit(spawn(HAPROXY_BIN, ['-f', configFile, '-db', ...(o.args ?? [])], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const output: string[] = [];
  child.stdout.on('data', (d: Buffer) => output.push(String(d)));
  child.stderr.on('data', (d: Buffer) => output.push(String(d)));
  const stop = async (): Promise<void> => {
    await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const client = new RuntimeClient({ socket: { path: socket }, timeoutMs: 1000 });
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`haproxy exited with ${child.exitCode}: ${output.join('')}`);
    }
    try {
      if ((await client.send('show info')).includes('Name: HAProxy')) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`haproxy did not answer on ${socket} within ${deadlineMs} ms: ${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { dir, socket, configFile, output, stop };
}
