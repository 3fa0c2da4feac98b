// Starts `galera-warden run` as a real child process for end-to-end tests, and stops it by pid.
import fs from 'node:fs';
import { mergeConfig } from '../../src/sandbox/merge-config.js';

export { CLI, startWarden } from '../../src/chaos/warden-process.js';
export type { WardenProcess } from '../../src/chaos/warden-process.js';

/** Writes a config file: the sandbox's own config plus the given extra TOML sections (tables in both merged, the extra's keys win). */
export function writeConfig(baseConfig: string, extra: string, file: string): string {
  fs.writeFileSync(file, mergeConfig(fs.readFileSync(baseConfig, 'utf8'), extra));
  return file;
}

/** A reader of a warden's JSON API (GET `path`, Basic auth). */
export function apiJson(apiPort: number, authorization: string): <T>(path: string) => Promise<T> {
  return async <T>(p: string): Promise<T> => (await (await fetch(`http://127.0.0.1:${apiPort}${p}`, { headers: { authorization } })).json()) as T;
}

/** The [proxy] and [api] sections of a test warden: the built-in proxy on port..port+2 (writer, reader, health), the API on port+3. */
export function proxyApiToml(o: { port: number; waitForBackendMs: number; drainMs?: number; apiAuth?: { user: string; password: string } }): string {
  const p = o.port;
  return `
[proxy]
host = "127.0.0.1"
writerPort = ${p}
readerPort = ${p + 1}
healthPort = ${p + 2}
waitForBackendMs = ${o.waitForBackendMs}
${o.drainMs !== undefined ? `drainMs = ${o.drainMs}\n` : ''}
[api]
host = "127.0.0.1"
port = ${p + 3}
${o.apiAuth ? `user = "${o.apiAuth.user}"\npassword = "${o.apiAuth.password}"\n` : ''}`;
}

/** One scrape of a warden's /metrics: `value(name)` reads an unlabelled series (NaN when absent). */
export async function scrapeMetrics(apiPort: number, authorization: string): Promise<{ text: string; value(name: string): number }> {
  const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`, { headers: { authorization } })).text();
  return { text, value: (name) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) };
}

/**
 * The extra TOML of a `run` instance that shares the Galera-table writer record: fast ticks and probes, its
 * own state file, the built-in proxy on port..port+2 (writer, reader, health) and the API on port+3.
 */
export function coordinatedInstanceToml(o: { instanceId: string; port: number; stateFile: string; apiAuth?: { user: string; password: string }; coordination?: string }): string {
  const p = o.port;
  return `
[routing]
retryUp = 2
retryDown = 1
minHoldMs = 3000

[probe]
connectTimeoutMs = 400
timeoutMs = 600

[run]
intervalMs = 300
stateFile = "${o.stateFile}"

[coordination]
${o.coordination ?? `store = "galera"\ninstanceId = "${o.instanceId}"\ntimeoutMs = 1500`}
${proxyApiToml({ port: p, waitForBackendMs: 20000, drainMs: 500, ...(o.apiAuth ? { apiAuth: o.apiAuth } : {}) })}`;
}
