// [api]: the HTTP API, Prometheus metrics and dashboard. Credentials like [credentials]: exactly one
// of password, passwordEnv, passwordFile when user is set.
import type * as z from 'zod';
import { flag, port, table, text } from './common.js';

export const API_DEFAULTS = { enabled: true, host: '127.0.0.1', port: 8080, metricsAuth: false } as const;

export const apiSection = table(
  {
    enabled: flag().default(API_DEFAULTS.enabled),
    host: text('a listen address').default(API_DEFAULTS.host),
    port: port().default(API_DEFAULTS.port),
    /** basic-auth user for the API and dashboard; without it the API is open (a warning is logged) */
    user: text('a user name').optional(),
    password: text('a password').optional(),
    passwordEnv: text('an environment variable name').optional(),
    passwordFile: text('a file path').optional(),
    /** ask for the credentials on /metrics too */
    metricsAuth: flag().default(API_DEFAULTS.metricsAuth),
  },
  'an [api] table',
).superRefine((a, ctx) => {
  const given = (['password', 'passwordEnv', 'passwordFile'] as const).filter((k) => a[k] !== undefined);
  if (a.user !== undefined && given.length !== 1) {
    ctx.addIssue({ code: 'custom', path: given.length === 0 ? ['user'] : [given[1]!], message: given.length === 0 ? 'needs one of password, passwordEnv, passwordFile' : `give only one of ${given.join(', ')}` });
  }
  if (a.user === undefined && given.length > 0) ctx.addIssue({ code: 'custom', path: [given[0]!], message: 'is set but api.user is not' });
});

export type ApiSection = z.output<typeof apiSection>;
