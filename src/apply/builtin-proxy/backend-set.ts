// The set of backends a listener may route to, and the live bridges per backend.
import type { Bridge } from './bridge.js';

export interface Backend {
  name: string;
  host: string;
  port: number;
}

export interface BackendStats {
  sessions: number;
  totalSessions: number;
  bytesIn: number;
  bytesOut: number;
}

export class BackendSet {
  private active: Backend[] = [];
  private next = 0;
  private readonly bridges = new Map<string, Set<Bridge>>();
  private readonly stats = new Map<string, BackendStats>();

  /** Replaces the pool; returns the names whose address changed (their old bridges must go). */
  set(backends: Backend[]): string[] {
    const moved: string[] = [];
    for (const b of backends) {
      const old = this.active.find((a) => a.name === b.name);
      if (old && (old.host !== b.host || old.port !== b.port)) moved.push(b.name);
    }
    this.active = backends.slice();
    return moved;
  }

  get pool(): readonly Backend[] {
    return this.active;
  }

  /** Round robin over the pool; a pool of one always gives that one. */
  pick(): Backend | undefined {
    if (this.active.length === 0) return undefined;
    const b = this.active[this.next % this.active.length];
    this.next = (this.next + 1) % Math.max(1, this.active.length);
    return b;
  }

  add(bridge: Bridge): void {
    let set = this.bridges.get(bridge.backend);
    if (!set) this.bridges.set(bridge.backend, (set = new Set()));
    set.add(bridge);
    const s = this.statsOf(bridge.backend);
    s.sessions++;
    s.totalSessions++;
  }

  remove(bridge: Bridge): void {
    if (!this.bridges.get(bridge.backend)?.delete(bridge)) return;
    const s = this.statsOf(bridge.backend);
    s.sessions--;
    s.bytesIn += bridge.client.bytesRead;
    s.bytesOut += bridge.client.bytesWritten;
  }

  /** Closes every bridge to `backend`; returns how many were severed. */
  sever(backend: string): number {
    const set = this.bridges.get(backend);
    if (!set) return 0;
    const all = [...set];
    for (const b of all) b.close();
    return all.length;
  }

  severAll(): number {
    let n = 0;
    for (const name of [...this.bridges.keys()]) n += this.sever(name);
    return n;
  }

  statsOf(name: string): BackendStats {
    let s = this.stats.get(name);
    if (!s) this.stats.set(name, (s = { sessions: 0, totalSessions: 0, bytesIn: 0, bytesOut: 0 }));
    return s;
  }

  /** Totals including the bytes of bridges still open. */
  snapshot(): Record<string, BackendStats> {
    const out: Record<string, BackendStats> = {};
    for (const [name, s] of this.stats) {
      const open = [...(this.bridges.get(name) ?? [])];
      out[name] = {
        ...s,
        bytesIn: s.bytesIn + open.reduce((a, b) => a + b.counters.bytesIn, 0),
        bytesOut: s.bytesOut + open.reduce((a, b) => a + b.counters.bytesOut, 0),
      };
    }
    return out;
  }

  get openBridges(): number {
    let n = 0;
    for (const set of this.bridges.values()) n += set.size;
    return n;
  }
}
