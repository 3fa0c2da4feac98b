// HAProxy's data-path signals, polled: `show stat` every `pollMs` (one runtime API command), and a signal for a
// server of a managed backend whose failed connects (econ), server aborts (srv_abrt) or failed checks
// (chkfail) went up since the previous poll. HAProxy pushes nothing, so this is the cheapest way to hear what
// its clients just met; the signal only starts a probe (docs/data-path.md).
import type { DataPathSignal } from '../../model/tick.js';

export interface ServerErrors {
  backend: string;
  server: string;
  econ: number;
  srvAbrt: number;
  chkfail: number;
}

const COUNTERS = [['econ', 'econ'], ['srv_abrt', 'srvAbrt'], ['chkfail', 'chkfail']] as const;

/** The error counters of the servers of `backends` in a `show stat` CSV answer; an empty cell counts as 0. */
export function parseServerErrors(csv: string, backends: readonly string[]): ServerErrors[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const head = lines[0]?.startsWith('# ') ? lines[0].slice(2).split(',') : undefined;
  if (!head) return [];
  const at = (name: string) => head.indexOf(name);
  const [px, sv] = [at('pxname'), at('svname')];
  const idx = COUNTERS.map(([col]) => at(col));
  if (px < 0 || sv < 0 || idx.some((i) => i < 0)) return [];
  const out: ServerErrors[] = [];
  for (const l of lines.slice(1)) {
    const f = l.split(',');
    const backend = f[px] ?? '';
    const server = f[sv] ?? '';
    if (!backends.includes(backend) || server === 'BACKEND' || server === 'FRONTEND') continue;
    const n = (i: number) => Number(f[i] || 0) || 0;
    out.push({ backend, server, econ: n(idx[0]!), srvAbrt: n(idx[1]!), chkfail: n(idx[2]!) });
  }
  return out;
}

/** Servers whose counters went up from `prev` to `next` (a server not in `prev` is a baseline, not a signal). */
export function risenErrors(prev: readonly ServerErrors[], next: readonly ServerErrors[]): { server: string; detail: string }[] {
  const out: { server: string; detail: string }[] = [];
  for (const s of next) {
    const p = prev.find((x) => x.backend === s.backend && x.server === s.server);
    if (!p) continue;
    const rose = COUNTERS.filter(([, k]) => s[k] > p[k]).map(([col, k]) => `${col} +${s[k] - p[k]}`);
    if (rose.length > 0) out.push({ server: s.server, detail: `${s.backend}/${s.server}: ${rose.join(', ')}` });
  }
  return out;
}

export interface ErrorWatchOptions {
  /** one `show stat` command; rejects when HAProxy cannot be reached (the poll is skipped) */
  send(command: string): Promise<string>;
  backends: readonly string[];
  pollMs: number;
  sink(s: DataPathSignal): void;
}

/** Polls until stopped; at most one command in flight. Returns the function that stops it. */
export function watchHaproxyErrors(o: ErrorWatchOptions): () => void {
  let prev: ServerErrors[] | undefined;
  let stopped = false;
  let busy = false;
  const poll = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const next = parseServerErrors(await o.send('show stat -1 4 -1'), o.backends);
      if (prev && !stopped) for (const r of risenErrors(prev, next)) o.sink({ router: 'haproxy', node: r.server, kind: 'counters', at: Date.now(), detail: r.detail });
      prev = next;
    } catch {
      // HAProxy unreachable: the apply reports it; the next poll tries again
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void poll(), o.pollMs);
  timer.unref();
  void poll();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
