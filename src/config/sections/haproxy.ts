// [haproxy]: HAProxy as a router of `galera-warden run`, driven through its runtime API (stats socket), and
// the frontends `galera-warden haproxy config` writes. Present = driven; absent = no HAProxy.
import type * as z from 'zod';
import { flag, identifier, millis, port, table, text } from './common.js';

export const HAPROXY_DEFAULTS = {
  socket: '/run/haproxy/admin.sock',
  writerBackend: 'galera_writer',
  readerBackend: 'galera_reader',
  readerEnabled: true,
  timeoutMs: 2000,
  bind: '127.0.0.1',
  writerPort: 3307,
  readerPort: 3308,
  checkInterMs: 2000,
  signalPollMs: 200,
  wardenCheck: true,
} as const;

const socketAddress = () => text('a unix socket path or host:port').refine(
  (s) => s.startsWith('/') || /^(\[[0-9a-fA-F:]+\]|[^\s:[\]]+):\d{1,5}$/.test(s),
  { error: 'expected an absolute unix socket path (/run/haproxy/admin.sock) or host:port (127.0.0.1:9999)' },
);

export const haproxySection = table(
  {
    /** the runtime API: `stats socket ... level admin` */
    socket: socketAddress().default(HAPROXY_DEFAULTS.socket),
    writerBackend: identifier('a backend name').default(HAPROXY_DEFAULTS.writerBackend),
    readerBackend: identifier('a backend name').default(HAPROXY_DEFAULTS.readerBackend),
    /** drive (and generate) the reader backend too */
    readerEnabled: flag().default(HAPROXY_DEFAULTS.readerEnabled),
    /** one runtime API command, connect to close */
    timeoutMs: millis(50, 60_000).default(HAPROXY_DEFAULTS.timeoutMs),
    /** frontends of the generated haproxy.cfg */
    bind: text('a listen address').default(HAPROXY_DEFAULTS.bind),
    writerPort: port().default(HAPROXY_DEFAULTS.writerPort),
    readerPort: port().default(HAPROXY_DEFAULTS.readerPort),
    /** server check interval of the generated haproxy.cfg */
    checkInterMs: millis(100, 600_000).default(HAPROXY_DEFAULTS.checkInterMs),
    /** data-path signals: read `show stat` this often; a server's econ / srv_abrt / chkfail going up runs a tick at once (0: off) */
    signalPollMs: millis(0, 600_000).default(HAPROXY_DEFAULTS.signalPollMs),
    /**
     * the dead-man switch: the generated writer backend checks each server against this instance's health port
     * (`GET /writer/<server>`, [proxy] healthPort), so that HAProxy stops routing writes within checkInterMs x 2
     * once this instance is dead or stops routing, whatever admin states it left behind. Needs [proxy].
     */
    wardenCheck: flag().default(HAPROXY_DEFAULTS.wardenCheck),
  },
  'a [haproxy] table',
).superRefine((h, ctx) => {
  if (h.readerEnabled && h.readerBackend === h.writerBackend) ctx.addIssue({ code: 'custom', path: ['readerBackend'], message: `must differ from haproxy.writerBackend ("${h.writerBackend}")` });
  if (h.readerEnabled && h.readerPort === h.writerPort) ctx.addIssue({ code: 'custom', path: ['readerPort'], message: `must differ from haproxy.writerPort (${h.writerPort})` });
});

export type HaproxySection = z.output<typeof haproxySection>;
