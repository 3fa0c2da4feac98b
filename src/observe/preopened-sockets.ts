// TCP connections to the nodes opened ahead of the probes (scheduler mode, issue 16): a run starts them to the
// nodes the previous run probed as soon as it holds its lock file, so that the connects and the servers'
// greetings happen while the run logs in to ProxySQL admin and reads the topology. A probe takes the socket of its
// node when there is one (NodeProber through ProbeOptions.takeSocket) and logs in on it as on a socket of its own:
// nothing is sent before, so the node sees an ordinary client that was a little slow to answer its greeting.
// A socket that failed or closed before it was taken is never handed out (the probe connects as it would have,
// and meets the same error itself); a node not in the topology any more (or moved) gets no probe, and its socket
// is closed by close() at the end of the probes. No credentials are involved before a probe takes the socket.
import net from 'node:net';

interface Entry {
  socket: net.Socket;
  /** an error or a close seen before the socket was taken */
  failed: boolean;
  onError: () => void;
  onClose: () => void;
}

const key = (host: string, port: number): string => `${host}:${port}`;

export class PreopenedSockets {
  readonly #entries = new Map<string, Entry>();

  private constructor() {}

  /** Starts a connection to each target (once per host:port). */
  static open(targets: Iterable<{ host: string; port: number }>): PreopenedSockets {
    const p = new PreopenedSockets();
    for (const t of targets) {
      const k = key(t.host, t.port);
      if (p.#entries.has(k)) continue;
      const socket = net.connect({ host: t.host, port: t.port });
      socket.setNoDelay(true);
      const entry: Entry = { socket, failed: false, onError: () => undefined, onClose: () => undefined };
      entry.onError = () => {
        entry.failed = true;
      };
      entry.onClose = () => {
        entry.failed = true;
      };
      socket.on('error', entry.onError);
      socket.once('close', entry.onClose);
      p.#entries.set(k, entry);
    }
    return p;
  }

  /** host:port of the sockets not taken yet */
  get pending(): string[] {
    return [...this.#entries.keys()];
  }

  /**
   * The socket to host:port, connected or still connecting, with whatever the server sent so far unread; undefined
   * when there is none or it failed (then it is destroyed). Each socket is handed out once.
   */
  take(host: string, port: number): net.Socket | undefined {
    const k = key(host, port);
    const entry = this.#entries.get(k);
    if (entry === undefined) return undefined;
    this.#entries.delete(k);
    entry.socket.removeListener('error', entry.onError);
    entry.socket.removeListener('close', entry.onClose);
    if (entry.failed || entry.socket.destroyed || entry.socket.readableEnded) {
      entry.socket.destroy();
      return undefined;
    }
    return entry.socket;
  }

  /**
   * Closes every socket not taken: a FIN for a connected one (nothing was sent on it: the server sees a client
   * that left before logging in), destroyed when still connecting or failed.
   */
  close(): void {
    for (const entry of this.#entries.values()) {
      const s = entry.socket;
      if (s.connecting || entry.failed || s.destroyed) s.destroy();
      else {
        s.end();
        // a server that does not answer the FIN must not keep the socket (or the process) alive
        s.setTimeout(1000, () => s.destroy());
        s.resume();
      }
    }
    this.#entries.clear();
  }

  /** Drops every socket not taken, at once. */
  destroy(): void {
    for (const entry of this.#entries.values()) entry.socket.destroy();
    this.#entries.clear();
  }
}
