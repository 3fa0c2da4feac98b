// [proxysql]: ProxySQL as a router of `galera-warden run` (daemon mode). The writer and reader hostgroups follow
// each decision; the 8000+HG rows give the template values (weight, max_connections, use_ssl, comment); the
// node list and writer preference are [[nodes]]. Admin credentials like [credentials]: one of password,
// passwordEnv, passwordFile.
import type * as z from 'zod';
import { hostgroupClashes } from '../pxc-scheduler-config.js';
import { flag, intIn, millis, port, table, text } from './common.js';

export const PROXYSQL_DEFAULTS = { enabled: false, host: '127.0.0.1', port: 6032, user: 'admin', saveToDisk: false, applyTimeoutMs: 5000 } as const;

const hostgroup = () => intIn(0, 999_999, 'a hostgroup id');

export const proxysqlSection = table(
  {
    enabled: flag().default(PROXYSQL_DEFAULTS.enabled),
    /** the admin interface */
    host: text('a host name or IP address').default(PROXYSQL_DEFAULTS.host),
    port: port().default(PROXYSQL_DEFAULTS.port),
    user: text('a user name').default(PROXYSQL_DEFAULTS.user),
    password: text('a password').optional(),
    passwordEnv: text('an environment variable name').optional(),
    passwordFile: text('a file path').optional(),
    /** writer and reader hostgroups (pxcScheduler hgW / hgR) */
    hgW: hostgroup().optional(),
    hgR: hostgroup().optional(),
    /** the configuration groups; default hgW + 8000, hgR + 8000 */
    bckHgW: hostgroup().optional(),
    bckHgR: hostgroup().optional(),
    /** SAVE MYSQL SERVERS TO DISK after each change */
    saveToDisk: flag().default(PROXYSQL_DEFAULTS.saveToDisk),
    /** several ProxySQL nodes with a warden each: only the holder of the ProxySQL-cluster lock writes (as scheduler mode) */
    clustered: flag().default(false),
    /** names the cluster lock with the hostgroups, as pxcScheduler's clusterId (the same lock as scheduler mode) */
    clusterId: intIn(0, 999_999, 'a cluster id').default(10),
    /** a holder that stops renewing loses the cluster lock after this */
    lockClusterTimeoutMs: millis(1000, 86_400_000).default(60_000),
    /** one apply (read, write, load, verify) ends by this */
    applyTimeoutMs: millis(100, 60_000).default(PROXYSQL_DEFAULTS.applyTimeoutMs),
  },
  'a [proxysql] table',
).superRefine((p, ctx) => {
  if (!p.enabled) return;
  for (const k of ['hgW', 'hgR'] as const) if (p[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'is required when proxysql.enabled = true' });
  for (const c of hostgroupClashes(p, 'proxysql')) ctx.addIssue({ code: 'custom', path: ['hgR'], message: c });
  const given = (['password', 'passwordEnv', 'passwordFile'] as const).filter((k) => p[k] !== undefined);
  if (given.length !== 1) ctx.addIssue({ code: 'custom', path: given.length === 0 ? ['enabled'] : [given[1]!], message: given.length === 0 ? 'needs one of proxysql.password, passwordEnv, passwordFile' : `give only one of ${given.join(', ')}` });
});

export type ProxysqlSection = z.output<typeof proxysqlSection>;
