// Test harness for integration tests: one real Galera sandbox per test file, in its own folder and
// port range, always torn down (and, if the test process dies, SIGKILLed by pid on exit).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Sandbox } from '../../src/sandbox/sandbox.js';
import type { UpOptions } from '../../src/sandbox/sandbox.js';

const live = new Set<Sandbox>();
let hooked = false;

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const sb of live) sb.killAllSync();
  });
}

/**
 * Brings up a sandbox for one test file. `slot` picks a port range (base 30000 + 200*slot) and a
 * netns subnet, so that files never collide even if run side by side.
 */
export async function startSandbox(slot: number, options: Partial<UpOptions> = {}): Promise<Sandbox> {
  hookExit();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `gw-test-${slot}-`));
  const sb = await Sandbox.up({ dir, nodes: 3, basePort: 30000 + 200 * slot, subnet: 100 + slot, ...options });
  live.add(sb);
  return sb;
}

export async function stopSandbox(sb: Sandbox | undefined): Promise<void> {
  if (!sb) return;
  await sb.down();
  live.delete(sb);
  fs.rmSync(sb.dir, { recursive: true, force: true });
}

/** Polls `check` until it returns a value other than undefined, or fails after timeoutMs. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
}

/**
 * Awaits `p`, failing if it has not settled after timeoutMs: for operations that must end on their own (a
 * probe of a frozen node ends by its deadline) without asserting how fast this machine ran them.
 */
export async function settles<T>(what: string, timeoutMs: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} had not ended after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
