// A client for HAProxy's runtime API (the `stats socket`, unix path or TCP host:port): one command per
// connection (non-interactive mode: HAProxy answers and closes), a hard deadline per command that destroys
// the socket, and errors with stable codes that name the socket.
import net from 'node:net';
import { WardenError } from '../../model/errors.js';

export type HaproxyErrorCode =
  | 'E_HAPROXY_CONNECT' // refused, no such socket, closed early
  | 'E_HAPROXY_TIMEOUT' // no complete answer before the deadline
  | 'E_HAPROXY_COMMAND' // HAProxy refused the command or answered something unexpected
  | 'E_HAPROXY_PLAN' // the decision cannot be mapped onto the configured servers
  | 'E_HAPROXY_VERIFY'; // `show servers state` does not show what was set

export class HaproxyError extends WardenError {
  constructor(code: HaproxyErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A unix socket path (starts with "/" or ".") or host:port. */
export type SocketAddress = { path: string } | { host: string; port: number };

export function parseSocketAddress(s: string): SocketAddress {
  if (s.startsWith('/') || s.startsWith('.')) return { path: s };
  const m = /^(.+):(\d{1,5})$/.exec(s);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new TypeError(`expected a unix socket path or host:port, got "${s}"`);
  return { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

export const describeSocket = (a: SocketAddress): string => ('path' in a ? `unix:${a.path}` : `${a.host}:${a.port}`);

/** Admin states (srv_admin_state flags, HAProxy 2.6 server-t.h): MAINT mask 0x23 (forced, inherited, DNS), DRAIN mask 0x18. */
export type AdminState = 'ready' | 'drain' | 'maint';

export function adminStateOf(flags: number): AdminState {
  if (flags & 0x23) return 'maint';
  if (flags & 0x18) return 'drain';
  return 'ready';
}

export interface ServerState {
  backend: string;
  server: string;
  address: string;
  port: number;
  /** srv_op_state: 0 stopped, 1 starting, 2 running, 3 stopping */
  opState: number;
  /** srv_admin_state flags */
  adminFlags: number;
  admin: AdminState;
}

/** Parses `show servers state [<backend>]` (format version 1). */
export function parseServersState(text: string, where = 'HAProxy'): ServerState[] {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  if (lines[0] !== '1') throw new HaproxyError('E_HAPROXY_COMMAND', `${where}: show servers state: expected format version 1, got "${lines[0] ?? ''}"`);
  const header = lines[1]?.startsWith('#') ? lines[1].slice(1).trim().split(/\s+/) : null;
  if (!header) throw new HaproxyError('E_HAPROXY_COMMAND', `${where}: show servers state: no column header`);
  const col = (name: string): number => {
    const i = header.indexOf(name);
    if (i < 0) throw new HaproxyError('E_HAPROXY_COMMAND', `${where}: show servers state: no column ${name}`);
    return i;
  };
  const [be, srv, addr, op, adm, port] = ['be_name', 'srv_name', 'srv_addr', 'srv_op_state', 'srv_admin_state', 'srv_port'].map(col) as [number, number, number, number, number, number];
  return lines.slice(2).filter((l) => !l.startsWith('#')).map((l) => {
    const f = l.split(/\s+/);
    const num = (i: number): number => {
      const v = Number(f[i]);
      if (!Number.isInteger(v)) throw new HaproxyError('E_HAPROXY_COMMAND', `${where}: show servers state: bad line "${l}"`);
      return v;
    };
    const adminFlags = num(adm);
    return { backend: f[be]!, server: f[srv]!, address: f[addr]!, port: num(port), opState: num(op), adminFlags, admin: adminStateOf(adminFlags) };
  });
}

export interface RuntimeClientOptions {
  socket: SocketAddress;
  /** one command, connect to close */
  timeoutMs?: number;
}

/** The characters a backend or server name may hold in a command (HAProxy's own name rules). */
const NAME = /^[A-Za-z0-9._:-]+$/;

export function checkName(kind: string, name: string): string {
  if (!NAME.test(name)) throw new HaproxyError('E_HAPROXY_PLAN', `not a valid HAProxy ${kind} name: "${name}"`);
  return name;
}

export class RuntimeClient {
  readonly address: string;
  constructor(private readonly o: RuntimeClientOptions) {
    this.address = describeSocket(o.socket);
  }

  /** Sends one command and returns the whole answer. */
  send(command: string): Promise<string> {
    if (/[\n;]/.test(command)) return Promise.reject(new HaproxyError('E_HAPROXY_COMMAND', `HAProxy ${this.address}: one command per call, got "${command}"`));
    const timeoutMs = this.o.timeoutMs ?? 2000;
    return new Promise((resolve, reject) => {
      const sock = net.connect('path' in this.o.socket ? { path: this.o.socket.path } : { host: this.o.socket.host, port: this.o.socket.port });
      const chunks: Buffer[] = [];
      let connected = false;
      let settled = false;
      const finish = (err: HaproxyError | null, text?: string): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        sock.destroy();
        if (err) reject(err);
        else resolve(text ?? '');
      };
      const timer = setTimeout(() => finish(new HaproxyError('E_HAPROXY_TIMEOUT', `HAProxy ${this.address}: no answer to "${command}" within ${timeoutMs} ms`)), timeoutMs);
      sock.on('connect', () => {
        connected = true;
        sock.write(`${command}\n`); // non-interactive mode: HAProxy answers and closes
      });
      sock.on('data', (b: Buffer) => chunks.push(b));
      sock.on('end', () => finish(null, Buffer.concat(chunks).toString('utf8')));
      sock.on('error', (e: NodeJS.ErrnoException) => {
        const what = connected ? `connection lost during "${command}"` : `cannot connect (${e.code ?? e.message})`;
        finish(new HaproxyError('E_HAPROXY_CONNECT', `HAProxy ${this.address}: ${what}: ${e.message}`, { cause: e }));
      });
      sock.on('close', () => finish(new HaproxyError('E_HAPROXY_CONNECT', `HAProxy ${this.address}: closed before answering "${command}"`)));
    });
  }

  /** A command that answers nothing on success (set server, shutdown sessions); any text is HAProxy's refusal. */
  async run(command: string): Promise<void> {
    const answer = (await this.send(command)).trim();
    if (answer !== '') throw new HaproxyError('E_HAPROXY_COMMAND', `HAProxy ${this.address}: "${command}" refused: ${answer.split('\n')[0]}`);
  }

  async serversState(backend: string): Promise<ServerState[]> {
    const answer = await this.send(`show servers state ${checkName('backend', backend)}`);
    if (!answer.startsWith('1')) throw new HaproxyError('E_HAPROXY_COMMAND', `HAProxy ${this.address}: show servers state ${backend}: ${answer.trim().split('\n')[0] ?? 'empty answer'}`);
    return parseServersState(answer, `HAProxy ${this.address}`);
  }

  async setState(backend: string, server: string, state: AdminState): Promise<void> {
    await this.run(`set server ${checkName('backend', backend)}/${checkName('server', server)} state ${state}`);
  }

  async shutdownSessions(backend: string, server: string): Promise<void> {
    await this.run(`shutdown sessions server ${checkName('backend', backend)}/${checkName('server', server)}`);
  }

  /** Forces the check state (until the next check says otherwise): a newly readied writer need not wait for `rise` checks. */
  async setHealth(backend: string, server: string, health: 'up' | 'down'): Promise<void> {
    await this.run(`set server ${checkName('backend', backend)}/${checkName('server', server)} health ${health}`);
  }
}
