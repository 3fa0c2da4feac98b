// Building blocks shared by the config sections: strict tables that name their allowed keys, and
// scalars whose error messages say what is expected in words an operator reads in a TOML file.
import * as z from 'zod';

/** Marks an unknown-key issue; format-issues.ts turns it into one line per key with a suggestion. */
export const ALLOWED_KEYS_PREFIX = 'allowed keys: ';

/**
 * A TOML table with exactly these keys (unknown keys are errors). `what` names the table in the
 * message shown when it is missing or not a table, e.g. "a [credentials] section".
 */
export function table<S extends z.ZodRawShape>(shape: S, what: string) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') return `${ALLOWED_KEYS_PREFIX}${allowed}`;
      if (iss.code === 'invalid_type') return iss.input === undefined ? `is required: add ${what}` : `expected ${what}`;
      return undefined;
    },
  });
}

/** A non-empty string without surrounding blanks. */
export function text(what = 'a non-empty string') {
  return z
    .string({ error: `expected ${what}` })
    .min(1, { error: `expected ${what}, got an empty string` })
    .refine((s) => s.trim() === s, { error: `expected ${what} without leading or trailing blanks` });
}

/** A name used in logs, API paths and reason messages: letters, digits, and . _ - : */
export function identifier(what: string) {
  return z
    .string({ error: `expected ${what} (letters, digits, "." "_" "-" ":")` })
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, { error: `expected ${what}: 1 to 64 letters, digits, "." "_" "-" ":", starting with a letter or digit` });
}

/** An integer in [min, max], with one message for every way it can be wrong. */
export function intIn(min: number, max: number, what = 'a number') {
  const error = `expected ${what} from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

export function port() {
  return intIn(1, 65535, 'a port number');
}

/** Milliseconds in [min, max]. */
export function millis(min: number, max: number) {
  return intIn(min, max, 'a number of milliseconds');
}

export function flag() {
  return z.boolean({ error: 'expected true or false' });
}
