// The settings of `galera-warden agent` (the ProxySQL sidecar on Kubernetes). They come from flags and
// GW_AGENT_* environment variables, not from the TOML file: a sidecar's settings live in the pod spec
// (args, env, the downward API for POD_NAME / POD_NAMESPACE, a Secret for the admin password), and the agent
// needs none of the Galera [[nodes]] a galera-warden.toml describes. One schema validates them all the same.
import * as z from 'zod';
import { flag, intIn, millis, port, text } from './common.js';

export const AGENT_DEFAULTS = {
  adminHost: '127.0.0.1',
  adminPort: 6032,
  adminUser: 'admin',
  coreSelector: 'app=proxysql,component=core',
  satelliteSelector: 'app=proxysql,component=satellite',
  leaseName: 'proxysql-core-leader',
  leaseDurationSeconds: 15,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2000,
  intervalMs: 2000,
  callTimeoutMs: 3000,
  kubeRequestTimeoutMs: 5000,
  watchTimeoutSeconds: 300,
  httpHost: '0.0.0.0',
  httpPort: 8080,
  shutdownDelaySeconds: 120,
  coreStaleMs: 30_000,
  resyncAfterMs: 15_000,
  readyNeedsOnlineServer: true,
} as const;

export const agentSection = z.strictObject({
  mode: z.enum(['core', 'satellite'], { error: 'expected core or satellite' }),
  adminHost: text('a host name or IP').default(AGENT_DEFAULTS.adminHost),
  adminPort: port().default(AGENT_DEFAULTS.adminPort),
  adminUser: text('a ProxySQL admin user').default(AGENT_DEFAULTS.adminUser),
  adminPassword: z.string({ error: 'expected the ProxySQL admin password' }),
  /** the pod's name: the Lease holder identity (downward API metadata.name) */
  podName: text('the pod name'),
  namespace: text('a Kubernetes namespace'),
  coreSelector: text('a label selector').default(AGENT_DEFAULTS.coreSelector),
  satelliteSelector: text('a label selector').default(AGENT_DEFAULTS.satelliteSelector),
  leaseName: text('a Lease name').default(AGENT_DEFAULTS.leaseName),
  leaseDurationSeconds: intIn(2, 3600, 'seconds').default(AGENT_DEFAULTS.leaseDurationSeconds),
  renewDeadlineMs: millis(500, 3_600_000).default(AGENT_DEFAULTS.renewDeadlineMs),
  retryPeriodMs: millis(100, 600_000).default(AGENT_DEFAULTS.retryPeriodMs),
  intervalMs: millis(100, 600_000).default(AGENT_DEFAULTS.intervalMs),
  callTimeoutMs: millis(50, 60_000).default(AGENT_DEFAULTS.callTimeoutMs),
  kubeconfig: text('a kubeconfig path').optional(),
  kubeRequestTimeoutMs: millis(100, 120_000).default(AGENT_DEFAULTS.kubeRequestTimeoutMs),
  watchTimeoutSeconds: intIn(1, 3600, 'seconds').default(AGENT_DEFAULTS.watchTimeoutSeconds),
  httpHost: text('a listen address').default(AGENT_DEFAULTS.httpHost),
  httpPort: port().default(AGENT_DEFAULTS.httpPort),
  shutdownDelaySeconds: intIn(0, 3600, 'seconds').default(AGENT_DEFAULTS.shutdownDelaySeconds),
  coreStaleMs: millis(1000, 3_600_000).default(AGENT_DEFAULTS.coreStaleMs),
  /** 0: never; otherwise at least 1 s, to leave ProxySQL's own sync its chance */
  resyncAfterMs: millis(0, 3_600_000).refine((v) => v === 0 || v >= 1000, 'expected 0 (never) or at least 1000 ms').default(AGENT_DEFAULTS.resyncAfterMs),
  readyNeedsOnlineServer: flag().default(AGENT_DEFAULTS.readyNeedsOnlineServer),
}).superRefine((a, ctx) => {
  if (a.renewDeadlineMs >= a.leaseDurationSeconds * 1000) ctx.addIssue({ code: 'custom', path: ['renewDeadlineMs'], message: `must be below leaseDurationSeconds (${a.leaseDurationSeconds} s)` });
  if (a.retryPeriodMs >= a.renewDeadlineMs) ctx.addIssue({ code: 'custom', path: ['retryPeriodMs'], message: `must be below renewDeadlineMs (${a.renewDeadlineMs} ms)` });
});

export type AgentSettings = z.output<typeof agentSection>;
