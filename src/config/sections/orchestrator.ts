// [orchestrator]: Orchestrator's HTTP API as an external authority (docs/orchestrator.md). Present = watched:
// downtimed nodes are drained, and every node is fenced when no Orchestrator node answers as raft leader for
// longer than graceMs. Basic auth takes its password like [credentials]; TLS files are relative to the config file.
import * as z from 'zod';
import { flag, millis, table, text } from './common.js';

export const ORCHESTRATOR_DEFAULTS = { intervalMs: 2000, timeoutMs: 2000, graceMs: 10_000, verifyCertificate: true } as const;

const url = () => text('an http:// or https:// URL').refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.search === '' && u.hash === '' && u.username === '';
  } catch {
    return false;
  }
}, { error: 'expected an http:// or https:// URL without query or credentials (e.g. "http://orc1:3000")' });

const SOURCES = ['password', 'passwordEnv', 'passwordFile'] as const;

export const orchestratorSection = table(
  {
    /** one URL per Orchestrator raft member; the leader is found with /api/leader-check */
    urls: z.array(url(), { error: 'expected a list of URLs' }).min(1, { error: 'expected at least one Orchestrator URL' }),
    /** Orchestrator's name for the cluster: its alias, its name or a member's host:port */
    clusterHint: text('a cluster alias, name or host:port'),
    intervalMs: millis(100, 600_000).default(ORCHESTRATOR_DEFAULTS.intervalMs),
    /** hard timeout of one HTTP call (connect, headers and body) */
    timeoutMs: millis(50, 60_000).default(ORCHESTRATOR_DEFAULTS.timeoutMs),
    /** how long no Orchestrator node may answer as leader before every node is fenced */
    graceMs: millis(0, 3_600_000).default(ORCHESTRATOR_DEFAULTS.graceMs),
    /** basic auth (Orchestrator's AuthenticationMethod "basic" or "multi") */
    user: text('a user name').optional(),
    password: text('a password').optional(),
    passwordEnv: text('the name of an environment variable').optional(),
    passwordFile: text('a file path').optional(),
    /** TLS for https:// URLs: CA, client certificate and key (PEM files), server name, chain check */
    ca: text('a file path').optional(),
    cert: text('a file path').optional(),
    key: text('a file path').optional(),
    serverName: text('a host name').optional(),
    verifyCertificate: flag().default(ORCHESTRATOR_DEFAULTS.verifyCertificate),
  },
  'an [orchestrator] table',
).superRefine((o, ctx) => {
  const given = SOURCES.filter((k) => o[k] !== undefined);
  if (o.user !== undefined && given.length === 0) ctx.addIssue({ code: 'custom', path: ['user'], message: 'basic auth needs a password: set one of password, passwordEnv, passwordFile' });
  if (o.user === undefined && given.length > 0) ctx.addIssue({ code: 'custom', path: [given[0]!], message: 'a password without a user: set orchestrator.user too' });
  if (given.length > 1) ctx.addIssue({ code: 'custom', path: [given[1]!], message: `set only one of password, passwordEnv, passwordFile (found ${given.join(' and ')})` });
  if ((o.cert === undefined) !== (o.key === undefined)) ctx.addIssue({ code: 'custom', path: [o.cert === undefined ? 'cert' : 'key'], message: 'a client certificate and its key go together: set both cert and key' });
  if (new Set(o.urls.map((u) => u.replace(/\/+$/, ''))).size !== o.urls.length) ctx.addIssue({ code: 'custom', path: ['urls'], message: 'lists the same URL twice' });
  if (o.graceMs > 0 && o.graceMs < o.intervalMs) ctx.addIssue({ code: 'custom', path: ['graceMs'], message: `must be 0 (fence at the first poll without a leader) or at least intervalMs (${o.intervalMs})` });
});

export type OrchestratorSection = z.output<typeof orchestratorSection>;
