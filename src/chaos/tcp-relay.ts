// A TCP relay the chaos campaign or a test owns: listens on a loopback port and pipes every connection to a target. sever() closes
// the listener and destroys every relayed connection at once (the process behind the relay sees its peer
// vanish: connection reset, then refused), restore() listens again. How a test cuts one host process off
// from some servers without a network namespace: point that process (and only it) at the relays.
import net from 'node:net';

export interface TcpRelay {
  readonly port: number;
  readonly severed: boolean;
  sever(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(port: number, target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  let severed = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listen = () => new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  await listen();
  return {
    port,
    get severed() {
      return severed;
    },
    async sever() {
      severed = true;
      const closed = stopListening();
      for (const s of sockets) s.destroy();
      sockets.clear();
      await closed;
    },
    async restore() {
      if (!severed) return;
      severed = false;
      await listen();
    },
    async close() {
      severed = true;
      const closed = stopListening();
      for (const s of sockets) s.destroy();
      sockets.clear();
      await closed;
    },
  };
}
