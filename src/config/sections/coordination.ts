// [coordination]: the writer record shared by every galera-warden instance of a cluster (docs/coordination.md).
// store = "none" (default): this instance decides alone. "galera": the record lives in a table of the cluster.
// "etcd": the record lives in an etcd cluster (endpoints, optional prefix, TLS files and user).
import * as z from 'zod';
import { identifier, millis, table, text } from './common.js';

export const COORDINATION_DEFAULTS = { store: 'none', timeoutMs: 2000, schema: 'galera_warden', prefix: '/galera-warden' } as const;

const ETCD_KEYS = ['endpoints', 'prefix', 'caFile', 'certFile', 'keyFile', 'username', 'password', 'passwordEnv', 'passwordFile'] as const;

function isEtcdUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.port !== '' && (u.pathname === '/' || u.pathname === '') && u.search === '' && u.username === '';
  } catch {
    return false;
  }
}

export const coordinationSection = table(
  {
    store: z.enum(['none', 'galera', 'etcd'], { error: 'expected "none", "galera" or "etcd"' }).default(COORDINATION_DEFAULTS.store),
    /**
     * how long after the store last answered this instance may keep routing the writer it knew (while that
     * writer stays eligible); then it routes no writer until the store answers. Default 3 x run.intervalMs.
     * With etcd also the TTL of the instance's lease (rounded up to whole seconds).
     */
    leaseMs: millis(100, 600_000).optional(),
    /**
     * after the record's writer moves, every instance routes no writer for this long, so that no instance still
     * routes the old writer when the new one takes writes. Default: leaseMs + 2 x run.intervalMs +
     * probe.timeoutMs + timeoutMs (a follower that reads the record sees the move within one tick; one that
     * cannot read it stops at its lease, noticed within one more tick). 0: route the new writer at once.
     */
    handoverMs: z.number({ error: 'expected a number of milliseconds' }).int({ error: 'expected whole milliseconds' }).min(0, { error: 'expected at least 0' }).max(600_000, { error: 'expected at most 600000' }).optional(),
    /**
     * after the store answers again following a failure, this instance moves the record's writer nowhere for this
     * long: its own view of the nodes (cut off with the store, as a rule) is still settling through retryUp and
     * minHoldMs, and the others kept routing a writer they see healthy. It routes the record's writer once it sees
     * it eligible, else none. Default: max(routing.retryUp x run.intervalMs, routing.minHoldMs) + 2 x
     * run.intervalMs + probe.timeoutMs. 0: move it at once.
     */
    rejoinMs: z.number({ error: 'expected a number of milliseconds' }).int({ error: 'expected whole milliseconds' }).min(0, { error: 'expected at least 0' }).max(3_600_000, { error: 'expected at most 3600000' }).optional(),
    /** hard timeout of one read or compare-and-set of the record, over every node (endpoint) tried */
    timeoutMs: millis(50, 60_000).default(COORDINATION_DEFAULTS.timeoutMs),
    /** the schema of the record table (galera store); created when missing */
    schema: z.string({ error: 'expected a schema name' }).regex(/^[A-Za-z0-9_]{1,64}$/, { error: 'expected a plain schema name: 1 to 64 letters, digits or "_"' }).default(COORDINATION_DEFAULTS.schema),
    /** who this instance is in the record's setBy (and its etcd presence key); default <hostname>:<pid> */
    instanceId: identifier('an instance id').optional(),
    /** etcd store: client URLs of the etcd members */
    endpoints: z.array(
      z.string({ error: 'expected an etcd client URL such as "http://127.0.0.1:2379"' }).refine(isEtcdUrl, { error: 'expected an etcd client URL: http://host:port or https://host:port' }),
      { error: 'expected a list of etcd client URLs, e.g. ["http://127.0.0.1:2379"]' },
    ).min(1, { error: 'expected at least one etcd client URL' }).optional(),
    /** etcd store: the keys live under <prefix>/<cluster>/ */
    prefix: z.string({ error: 'expected a key prefix such as "/galera-warden"' }).regex(/^(\/[A-Za-z0-9._-]+)+$/, { error: 'expected a key prefix: "/" then path parts of letters, digits, "." "_" "-", no trailing "/"' }).optional(),
    /** etcd store: PEM files (relative to the config file): the CA of etcd's certificate; a client certificate and key */
    caFile: text('a file path').optional(),
    certFile: text('a file path').optional(),
    keyFile: text('a file path').optional(),
    /** etcd store: an etcd user (etcd auth enabled), with exactly one of password, passwordEnv, passwordFile */
    username: text('a user name').optional(),
    password: text('a password').optional(),
    passwordEnv: text('an environment variable name').optional(),
    passwordFile: text('a file path').optional(),
  },
  'a [coordination] table',
).superRefine((c, ctx) => {
  if (c.store !== 'etcd') {
    for (const k of ETCD_KEYS) if (c[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `is an etcd setting, but coordination.store is "${c.store}"` });
    return;
  }
  if (c.endpoints === undefined) ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'is required with store = "etcd": a list of etcd client URLs, e.g. ["http://127.0.0.1:2379"]' });
  if ((c.certFile === undefined) !== (c.keyFile === undefined)) ctx.addIssue({ code: 'custom', path: [c.certFile === undefined ? 'certFile' : 'keyFile'], message: `is required with coordination.${c.certFile === undefined ? 'keyFile' : 'certFile'} (a client certificate needs its key)` });
  const given = (['password', 'passwordEnv', 'passwordFile'] as const).filter((k) => c[k] !== undefined);
  if (c.username !== undefined && given.length !== 1) {
    ctx.addIssue({ code: 'custom', path: given.length === 0 ? ['username'] : [given[1]!], message: given.length === 0 ? 'needs one of password, passwordEnv, passwordFile' : `give only one of ${given.join(', ')}` });
  }
  if (c.username === undefined && given.length > 0) ctx.addIssue({ code: 'custom', path: [given[0]!], message: 'is set but coordination.username is not' });
});

export type CoordinationSection = z.output<typeof coordinationSection>;

/** The lease in force: the configured one, or three loop intervals. */
export const leaseMsOf = (c: Pick<CoordinationSection, 'leaseMs'>, intervalMs: number): number => c.leaseMs ?? 3 * intervalMs;

/** The handover in force: the configured one, or what lets every other instance drop the old writer first. */
export const handoverMsOf = (c: Pick<CoordinationSection, 'handoverMs' | 'leaseMs' | 'timeoutMs'>, intervalMs: number, probeTimeoutMs: number, haproxyCheckInterMs?: number): number =>
  c.handoverMs ?? Math.max(
    leaseMsOf(c, intervalMs) + 2 * intervalMs + probeTimeoutMs + c.timeoutMs,
    // a driven HAProxy whose instance died stops by its dead-man switch: fall 2 checks, each up to 2 s
    haproxyCheckInterMs === undefined ? 0 : intervalMs + 2 * haproxyCheckInterMs + 2000,
  );

/** After the store is back, the rejoin wait may end this early, when no node is recovering: one probe round and two ticks. */
export const rejoinSettleMsOf = (intervalMs: number, probeTimeoutMs: number): number => 2 * intervalMs + probeTimeoutMs;

/** The rejoin time in force: the configured one, or what the node hysteresis needs to see a reachable node in service again. */
export const rejoinMsOf = (c: Pick<CoordinationSection, 'rejoinMs'>, routing: { retryUp: number; minHoldMs: number }, intervalMs: number, probeTimeoutMs: number): number =>
  c.rejoinMs ?? Math.max(routing.retryUp * intervalMs, routing.minHoldMs) + 2 * intervalMs + probeTimeoutMs;
