// [proxy]: the built-in TCP proxy (the embedded default router).
import type * as z from 'zod';
import { flag, millis, port, table, text } from './common.js';

export const PROXY_DEFAULTS = {
  enabled: true,
  host: '127.0.0.1',
  writerPort: 3306,
  readerPort: 3307,
  healthPort: 1936,
  waitForBackendMs: 15_000,
  connectTimeoutMs: 1000,
  drainMs: 5000,
} as const;

export const proxySection = table(
  {
    enabled: flag().default(PROXY_DEFAULTS.enabled),
    /** listen address of the writer, reader and health ports */
    host: text('a listen address').default(PROXY_DEFAULTS.host),
    writerPort: port().default(PROXY_DEFAULTS.writerPort),
    /** reader port; set readerEnabled = false for none */
    readerPort: port().default(PROXY_DEFAULTS.readerPort),
    readerEnabled: flag().default(true),
    /** Switchboard's health port: 200 while serving; /ready (and /health/ready) 200 only with a routed writer and fresh ticks, else 503 */
    healthPort: port().default(PROXY_DEFAULTS.healthPort),
    /** a client that arrives while no node is eligible waits this long for one before it is closed */
    waitForBackendMs: millis(0, 600_000).default(PROXY_DEFAULTS.waitForBackendMs),
    connectTimeoutMs: millis(1, 600_000).default(PROXY_DEFAULTS.connectTimeoutMs),
    /** on SIGTERM, open connections get this long to finish before they are closed */
    drainMs: millis(0, 3_600_000).default(PROXY_DEFAULTS.drainMs),
  },
  'a [proxy] table',
).superRefine((p, ctx) => {
  const used = new Map<number, string>([[p.writerPort, 'writerPort']]);
  for (const [key, value] of [['readerPort', p.readerEnabled ? p.readerPort : undefined], ['healthPort', p.healthPort]] as const) {
    if (value === undefined) continue;
    const other = used.get(value);
    if (other) ctx.addIssue({ code: 'custom', path: [key], message: `port ${value} is already proxy.${other}` });
    used.set(value, key);
  }
});

export type ProxySection = z.output<typeof proxySection>;
