// A bridge: one client socket piped to one backend socket, both ways, with backpressure (pipe pauses
// the reader when the writer's buffer is full). Bytes are never parsed.
import type { Socket } from 'node:net';

export interface BridgeCounters {
  bytesIn: number; // client -> backend
  bytesOut: number; // backend -> client
}

export class Bridge {
  private closed = false;
  private readonly onClose: (b: Bridge) => void;

  constructor(
    readonly id: number,
    readonly backend: string,
    readonly client: Socket,
    readonly server: Socket,
    /** bytes the server sent before the bridge was made (its greeting), passed on first */
    first: Buffer,
    onClose: (b: Bridge) => void,
  ) {
    this.onClose = onClose;
    client.write(first);
    client.pipe(server);
    server.pipe(client);
    const end = () => this.close();
    client.once('close', end);
    server.once('close', end);
    client.on('error', end);
    server.on('error', end);
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
