// Small shared helpers of the bench: one clock, abortable sleeps and bounded waits (the bench never hangs).
import fs from 'node:fs';
import net from 'node:net';

/** Epoch milliseconds with sub-millisecond resolution; comparable with Date.now() in other processes. */
export const clock = (): number => performance.timeOrigin + performance.now();

export class Aborted extends Error {
  constructor(message = 'aborted') {
    super(message);
    this.name = 'Aborted';
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new Aborted());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Aborted());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export interface WaitOptions {
  everyMs?: number;
  signal?: AbortSignal;
}

/** Polls `check` until it returns something other than undefined; throws after timeoutMs. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined> | T | undefined, o: WaitOptions = {}): Promise<T> {
  const deadline = clock() + timeoutMs;
  let last: unknown;
  for (;;) {
    if (o.signal?.aborted) throw new Aborted();
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof Aborted) throw err;
      last = err;
    }
    if (clock() >= deadline) break;
    await sleep(o.everyMs ?? 200, o.signal);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message.split('\n')[0]})` : ''}`);
}

/** Rejects when `p` has not settled within ms (the promise itself keeps running). */
export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Throws naming the first of `ports` on 127.0.0.1 that something already listens on. */
export async function assertPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new Error(`port ${port} is in use (${err.code ?? err.message}): is an earlier bench still running? The bench uses ports ${Math.min(...ports)}-${Math.max(...ports)}`)));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
    });
  }
}

export function errorCode(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; message?: unknown };
    if (typeof e.code === 'string') return e.code;
    if (typeof e.message === 'string') return e.message.slice(0, 80);
  }
  return String(err).slice(0, 80);
}

const flat = (v: unknown): boolean => v === null || typeof v !== 'object' || (Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object'));

/** JSON indented by object, with arrays of plain values (and arrays of those, e.g. raw samples) on one line. */
export function toJson(value: unknown, indent = ''): string {
  if (value === undefined) return 'null';
  if (flat(value) || (Array.isArray(value) && value.every(flat))) return JSON.stringify(value);
  const inner = indent + ' ';
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + toJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`).join(',\n')}\n${indent}}`;
}

export function writeJson(file: string, value: unknown): void {
  fs.writeFileSync(file, toJson(value) + '\n');
}

export const round1 = (x: number): number => Math.round(x * 10) / 10;
