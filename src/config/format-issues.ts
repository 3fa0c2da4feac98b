// Turns zod issues into lines an operator can act on: the key path as written in TOML
// (nodes[1].port), what was expected, and what was found, never echoing a secret.
import type * as z from 'zod';
import { ALLOWED_KEYS_PREFIX } from './sections/common.js';

type Issue = z.core.$ZodIssue;

/** Keys whose values are never repeated in a message. */
const SECRET_KEYS = new Set(['password']);

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** A short, TOML-flavoured rendering of a found value. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'a table';
  return value === null ? 'null' : typeof value;
}

/** Edit distance where swapping two neighbouring letters counts as one edit (hots -> host). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The allowed key closest to a misspelt one, if it is close enough to be a typo. */
export function suggestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of allowed) {
    const d = candidate.toLowerCase() === key.toLowerCase() ? 0 : editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(key.length / 3)) ? best : undefined;
}

function isSecretPath(path: readonly PropertyKey[]): boolean {
  const last = path[path.length - 1];
  return typeof last === 'string' && SECRET_KEYS.has(last);
}

function unknownKeyLines(issue: Extract<Issue, { code: 'unrecognized_keys' }>): string[] {
  const allowed = issue.message.startsWith(ALLOWED_KEYS_PREFIX) ? issue.message.slice(ALLOWED_KEYS_PREFIX.length).split(', ') : [];
  return issue.keys.map((key) => {
    const where = formatPath([...issue.path, key]);
    const suggestion = suggestKey(key, allowed);
    const hint = suggestion ? `; did you mean ${suggestion}?` : allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : '';
    return `${where}: unknown key${hint}`;
  });
}

/** One line per problem, "key.path: what is wrong", in the order zod found them. */
export function formatIssues(issues: readonly Issue[]): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      lines.push(...unknownKeyLines(issue));
      continue;
    }
    const where = formatPath(issue.path) || '(top level)';
    const input: unknown = issue.input;
    if (issue.code === 'invalid_type' && input === undefined) {
      lines.push(`${where}: ${issue.message.startsWith('is required') ? issue.message : `is required (${issue.message})`}`);
      continue;
    }
    const showInput = issue.code !== 'custom' && input !== undefined && !isSecretPath(issue.path) && !/, got /.test(issue.message);
    lines.push(`${where}: ${issue.message}${showInput ? `, got ${describeValue(input)}` : ''}`);
  }
  return lines;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a table',
  array: 'an array',
};

/** Messages for issues that a schema does not word itself. */
export const defaultErrorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) return 'is required';
    return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}`;
  }
  return undefined;
};
