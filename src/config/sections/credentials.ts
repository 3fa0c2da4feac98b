// [credentials]: the MySQL account the probes log in with. The password comes from exactly one of
// password (inline), passwordEnv (name of an environment variable) or passwordFile (a path).
import type * as z from 'zod';
import { table, text } from './common.js';

const SOURCES = ['password', 'passwordEnv', 'passwordFile'] as const;

export const credentialsSection = table(
  {
    user: text('a user name'),
    password: text('a password').optional(),
    passwordEnv: text('the name of an environment variable').optional(),
    passwordFile: text('a file path').optional(),
  },
  'a [credentials] section with user and one of password, passwordEnv, passwordFile',
).superRefine((c, ctx) => {
  const given = SOURCES.filter((k) => c[k] !== undefined);
  if (given.length === 0) {
    ctx.addIssue({ code: 'custom', path: [], message: 'no password: set one of password, passwordEnv, passwordFile' });
  } else if (given.length > 1) {
    ctx.addIssue({ code: 'custom', path: [given[1]!], message: `set only one of password, passwordEnv, passwordFile (found ${given.join(' and ')})` });
  }
});

export type CredentialsSection = z.output<typeof credentialsSection>;
