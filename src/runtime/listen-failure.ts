// A listener that cannot bind (port in use, no permission, an address this host does not have) ends `run` with a
// message naming the config key, the address and the cause, instead of Node's raw stack.
import { WardenError } from '../model/errors.js';

const WHY: Record<string, string> = {
  EADDRINUSE: 'address already in use (another process listens there: stop it, or pick another port)',
  EACCES: 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)',
  EADDRNOTAVAIL: 'this host has no such address',
};

/** `err` from listen() on `host:port`, which the config key `key` gave. */
export function listenFailure(key: string, host: string, port: number, err: unknown): WardenError {
  const e = err as NodeJS.ErrnoException;
  const why = (e.code !== undefined ? WHY[e.code] : undefined) ?? e.message ?? String(err);
  return new WardenError('E_LISTEN', `${key}: cannot listen on ${host.includes(':') ? `[${host}]` : host}:${port}: ${why}`, { cause: err });
}

/** Runs a listen(); a failure becomes listenFailure(), the key picked by the port the failure names. */
export async function listening<T>(keys: readonly { key: string; host: string; port: number }[], f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    const port = (err as { port?: unknown }).port;
    const at = keys.find((k) => k.port === port) ?? keys[0];
    if (!at || err instanceof WardenError) throw err;
    throw listenFailure(at.key, at.host, at.port, err);
  }
}
