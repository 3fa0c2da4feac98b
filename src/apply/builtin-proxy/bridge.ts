// A bridge: one client socket joined to one backend socket, both ways, with backpressure (a side whose
// peer's buffer is full is paused until that peer drains). Bytes are never parsed.
//
// One `data` listener per side, written by hand instead of `pipe()`: pipe adds about eight listeners per
// pair of streams, and a second `data` listener (the COM_QUIT bookkeeping) makes every chunk's emit copy
// the listener array. The connect-per-query bench spends most of its proxy CPU on setting sockets up.
import type { Socket } from 'node:net';

export interface BridgeCounters {
  bytesIn: number; // client -> backend
  bytesOut: number; // backend -> client
}

/** The server side ended a bridge on its own: reset (an error on its socket) or closed (its FIN, not after a COM_QUIT). */
export type ServerFault = (b: Bridge, kind: 'reset' | 'closed', detail: string) => void;

/** COM_QUIT as a client sends it: payload length 1, sequence 0, command 0x01. */
const isQuit = (c: Buffer): boolean =>
  c.length >= 5 && c[c.length - 5] === 1 && c[c.length - 4] === 0 && c[c.length - 3] === 0 && c[c.length - 2] === 0 && c[c.length - 1] === 1;

export class Bridge {
  private closed = false;
  private readonly onClose: (b: Bridge) => void;
  /** the client's last chunk ended with COM_QUIT: tells a server's close after it from a death (a flag, so no chunk is kept) */
  private quitLast = false;

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
    const end = () => this.close();
    client.on('data', onServerFault
      ? (c: Buffer) => {
          this.quitLast = isQuit(c);
          if (!server.write(c)) client.pause();
        }
      : (c: Buffer) => {
          if (!server.write(c)) client.pause();
        });
    server.on('data', (c: Buffer) => {
      if (!client.write(c)) server.pause();
    });
    server.on('drain', () => client.resume());
    client.on('drain', () => server.resume());
    client.on('end', () => server.end());
    // the server's FIN while the client still talks and did not just say COM_QUIT: a process gone (or a
    // server-side kill / wait_timeout: the probe that follows tells them apart)
    server.on('end', () => {
      if (onServerFault && !this.closed && !client.readableEnded && !this.quitLast) onServerFault(this, 'closed', 'the server closed the connection');
      client.end();
    });
    client.on('close', end);
    server.on('close', end);
    client.on('error', end);
    server.on('error', (err: NodeJS.ErrnoException) => {
      if (!this.closed) onServerFault?.(this, 'reset', err.code ?? err.message);
      end();
    });
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
