// Zod issues as one line a person can act on: "node: expected a non-empty string; unknown key \"x\"".
// Values are never echoed (a body or an option may hold a password).
import type * as z from 'zod';

function pathOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? String(seg) : `.${String(seg)}`;
  return out;
}

function describeIssue(issue: z.core.$ZodIssue, what: string): string {
  const where = pathOf(issue.path);
  const message = issue.message.replace(/^Invalid input: /, '');
  return where === '' ? `${what}: ${message}` : `${where}: ${message}`;
}

/** All issues joined with "; ". `what` names the whole value when an issue has no path (e.g. "body"). */
export function describeIssues(error: z.ZodError, what: string): string {
  return error.issues.map((i) => describeIssue(i, what)).join('; ');
}
