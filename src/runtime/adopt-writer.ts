// Cold start (no saved state): before the first decision, ask each router which writer it routes to now,
// and hand decide() a previous state that names it. decide() keeps a previous writer while it is eligible
// (the sticky rule), so a healthy writer stays in place instead of a new one being elected by weight; an
// ineligible one is replaced as on any tick. decide() stays pure: only its input changes.
import type { RouterAdapter } from '../apply/router.js';
import { compareText } from '../decide/conditions.js';
import type { DecideNode } from '../model/decide-config.js';

export interface AdoptionRead {
  /** the writers to adopt (configured node names), empty for none */
  writers: string[];
  /** what each router said, for the log: names, "none", "unknown" or an error */
  said: Record<string, string>;
  /** why nothing is adopted although a router named a writer */
  conflict?: string;
}

/** A router's answer as configured node names: a name stays, `host:port` is mapped, anything else dropped. */
export function toNodeNames(answer: readonly string[], nodes: readonly Pick<DecideNode, 'name' | 'host' | 'port'>[]): { names: string[]; unknown: string[] } {
  const names: string[] = [];
  const unknown: string[] = [];
  for (const a of answer) {
    const n = nodes.find((x) => x.name === a) ?? nodes.find((x) => `${x.host}:${x.port}` === a);
    if (n) {
      if (!names.includes(n.name)) names.push(n.name);
    } else unknown.push(a);
  }
  return { names, unknown };
}

async function ask(r: RouterAdapter, timeoutMs: number): Promise<string[] | null | Error> {
  if (!r.currentWriters) return null;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Error>((resolve) => {
    timer = setTimeout(() => resolve(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([r.currentWriters().catch((err: unknown) => (err instanceof Error ? err : new Error(String(err)))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads every router's current writers. Routers that cannot tell, fail, or route to no writer are left out;
 * the others must agree (same set), else nothing is adopted and the election decides.
 */
export async function readRouterWriters(routers: readonly RouterAdapter[], nodes: readonly Pick<DecideNode, 'name' | 'host' | 'port'>[], timeoutMs: number): Promise<AdoptionRead> {
  const answers = await Promise.all(routers.map((r) => ask(r, timeoutMs)));
  const said: Record<string, string> = {};
  const sets: { router: string; names: string[] }[] = [];
  routers.forEach((r, i) => {
    const a = answers[i];
    if (a === null || a === undefined) said[r.name] = 'unknown';
    else if (a instanceof Error) said[r.name] = `error: ${a.message}`;
    else {
      const { names, unknown } = toNodeNames(a, nodes);
      said[r.name] = a.length === 0 ? 'none' : `${a.join(', ')}${unknown.length > 0 ? ` (not configured: ${unknown.join(', ')})` : ''}`;
      if (names.length > 0) sets.push({ router: r.name, names });
    }
  });
  const first = sets[0];
  if (!first) return { writers: [], said };
  const key = (s: string[]) => [...s].sort(compareText).join(',');
  const other = sets.find((s) => key(s.names) !== key(first.names));
  if (other) return { writers: [], said, conflict: `${first.router} routes writes to ${first.names.join(', ')} but ${other.router} to ${other.names.join(', ')}` };
  return { writers: first.names, said };
}
