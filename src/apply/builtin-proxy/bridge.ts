// A bridge: one client socket piped to one backend socket, both ways, with backpressure (pipe pauses
// the reader when the writer's buffer is full). Bytes are never parsed.
import type { Socket } from 'node:net';

export interface BridgeCounters {
  bytesIn: number; // client -> backend
  bytesOut: number; // backend -> client
}

/** The server side ended a bridge on its own: reset (an error on its socket) or closed (its FIN, not after a COM_QUIT). */
export type ServerFault = (b: Bridge, kind: 'reset' | 'closed', detail: string) => void;

/** COM_QUIT as a client sends it: payload length 1, sequence 0, command 0x01. */
const isQuit = (c: Buffer | undefined): boolean =>
  c !== undefined && c.length >= 5 && c[c.length - 5] === 1 && c[c.length - 4] === 0 && c[c.length - 3] === 0 && c[c.length - 2] === 0 && c[c.length - 1] === 1;

export class Bridge {
  private closed = false;
  private readonly onClose: (b: Bridge) => void;
  /** the client's last chunk (a reference, no copy): tells a server's close after COM_QUIT from a death */
  private lastIn: Buffer | undefined;

  constructor(
    readonly id: number,
    readonly backend: string,
    readonly client: Socket,
    readonly server: Socket,
    /** bytes the server sent before the bridge was made (its greeting), passed on first */
    first: Buffer,
    onClose: (b: Bridge) => void,
    onServerFault?: ServerFault,
  ) {
    this.onClose = onClose;
    client.write(first);
    client.pipe(server);
    server.pipe(client);
    const end = () => this.close();
    client.once('close', end);
    server.once('close', end);
    client.on('error', end);
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.closed) onServerFault?.(this, 'reset', err.code ?? err.message);
      end();
    });
    if (onServerFault) {
      client.on('data', (c: Buffer) => {
        this.lastIn = c;
      });
      // the server's FIN while the client still talks and did not just say COM_QUIT: a process gone (or a
      // server-side kill / wait_timeout: the probe that follows tells them apart)
      server.once('end', () => {
        if (!this.closed && !client.readableEnded && !isQuit(this.lastIn)) onServerFault(this, 'closed', 'the server closed the connection');
      });
    }
  }

  /** Bytes so far, read off the client socket (no per-chunk bookkeeping on the data path). */
  get counters(): BridgeCounters {
    return { bytesIn: this.client.bytesRead, bytesOut: this.client.bytesWritten };
  }

  /** Closes both sides at once (used to sever connections to a demoted node). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.server.destroy();
    this.onClose(this);
  }

  get isClosed(): boolean {
    return this.closed;
  }
}
