// A child of the `proxy-cost` scenario: `backend PORT` (a fake MySQL server: greets, answers each chunk,
// closes its side on COM_QUIT), `builtin PORT BACKEND_PORT` (the built-in proxy's listener alone) or
// `bare PORT BACKEND_PORT` (two sockets joined by hand, nothing else: the floor of a Node proxy). Prints
// `ready` once listening; stops on SIGTERM.
import net from 'node:net';
import { ProxyListener } from '../src/apply/builtin-proxy/listener.js';

const [mode, portArg, backendArg] = process.argv.slice(2);
const port = Number(portArg);
const backendPort = Number(backendArg);
const HOST = '127.0.0.1';

function packet(payload: number, seq: number, fill: number): Buffer {
  const b = Buffer.alloc(4 + payload, fill);
  b.writeUIntLE(payload, 0, 3);
  b[3] = seq;
  return b;
}

async function main(): Promise<void> {
  if (mode === 'backend') {
    const greeting = packet(74, 0, 0x41);
    const reply = packet(56, 1, 0x42);
    const server = net.createServer({ noDelay: true }, (s) => {
      s.on('error', () => undefined);
      s.write(greeting);
      s.on('data', (c: Buffer) => {
        const quit = c.length >= 5 && c[c.length - 5] === 1 && c[c.length - 4] === 0 && c[c.length - 3] === 0 && c[c.length - 2] === 0 && c[c.length - 1] === 1;
        if (quit) s.end();
        else s.write(reply);
      });
    });
    await new Promise<void>((r) => server.listen(port, HOST, r));
  } else if (mode === 'builtin') {
    let signals = 0;
    const l = new ProxyListener({
      role: 'writer', host: HOST, port, waitForBackendMs: 5000, connectTimeoutMs: 2000, log: () => undefined,
      onSignal: () => {
        signals++;
      },
    });
    await l.listen();
    l.setBackends([{ name: 'node1', host: HOST, port: backendPort }], []);
    process.once('SIGTERM', () => {
      process.stderr.write(`data-path signals: ${signals}\n`);
      process.exit(0);
    });
  } else if (mode === 'bare') {
    const server = net.createServer({ noDelay: true }, (c) => {
      const s = net.connect({ host: HOST, port: backendPort, noDelay: true });
      const kill = () => {
        c.destroy();
        s.destroy();
      };
      for (const x of [c, s]) {
        x.on('error', kill);
        x.on('close', kill);
      }
      c.on('data', (d: Buffer) => {
        if (!s.write(d)) c.pause();
      });
      s.on('data', (d: Buffer) => {
        if (!c.write(d)) s.pause();
      });
      s.on('drain', () => c.resume());
      c.on('drain', () => s.resume());
      c.on('end', () => s.end());
      s.on('end', () => c.end());
    });
    await new Promise<void>((r) => server.listen(port, HOST, r));
  } else {
    throw new Error(`proxy-cost-child: unknown mode ${String(mode)}`);
  }
  process.stdout.write('ready\n');
}

await main();
