// Hysteresis: a node leaves service after retryDown consecutive unhealthy observations (at once for conditions
// that do not pass by waiting), and a node that has been seen unhealthy re-enters only after retryUp consecutive
// healthy observations AND minHoldMs of being healthy. The hold outlasts the stale Synced/Primary view that a
// resumed frozen node reports for about 6 s. All memory is in the NodeTrack passed in and returned: no timers.
import type { NodeTrack } from '../model/decision.js';

export interface HysteresisConfig {
  retryUp: number;
  retryDown: number;
  minHoldMs: number;
}

export interface TrackInput {
  /** nothing keeps the node from traffic in this tick */
  fit: boolean;
  /** the blocking condition acts on the first observation */
  immediateDown: boolean;
  gcommUuid: string | null;
}

/**
 * in / out: no change; entered: back in service; left: removed from service; holding: healthy but not yet long
 * enough; pending_down: unhealthy but still in service while retryDown has not run out.
 */
export type TrackEvent = 'in' | 'out' | 'entered' | 'left' | 'holding' | 'pending_down';

export interface TrackResult {
  track: NodeTrack;
  event: TrackEvent;
  /** holding: healthy observations still needed (0 when only time is missing) */
  upTicksLeft: number;
  /** holding: milliseconds still needed (0 when only observations are missing) */
  holdLeftMs: number;
  /** pending_down: unhealthy observations left before removal */
  downTicksLeft: number;
}

export function freshTrack(): NodeTrack {
  return {
    inService: false,
    healthyStreak: 0,
    unhealthyStreak: 0,
    healthySince: null,
    lastHealthyAt: null,
    lastUnhealthyAt: null,
    writer: null,
    reader: null,
    gcommUuid: null,
  };
}

/** retryUp / retryDown count observations; 0 means the same as 1 (act on the first one). */
export const needed = (retries: number): number => Math.max(1, Math.floor(retries));

export function updateTrack(prev: NodeTrack | undefined, input: TrackInput, now: number, cfg: HysteresisConfig): TrackResult {
  const p = prev ?? freshTrack();
  const gcommUuid = input.gcommUuid ?? p.gcommUuid;
  const result = (track: NodeTrack, event: TrackEvent, extra: Partial<Omit<TrackResult, 'track' | 'event'>> = {}): TrackResult => ({
    track, event, upTicksLeft: 0, holdLeftMs: 0, downTicksLeft: 0, ...extra,
  });

  if (input.fit) {
    const healthyStreak = p.healthyStreak + 1;
    const healthySince = p.healthyStreak > 0 && p.healthySince !== null ? p.healthySince : now;
    const base: NodeTrack = { ...p, healthyStreak, unhealthyStreak: 0, healthySince, lastHealthyAt: now, gcommUuid };
    if (p.inService) return result(base, 'in');
    const upTicksLeft = Math.max(0, needed(cfg.retryUp) - healthyStreak);
    const holdLeftMs = Math.max(0, cfg.minHoldMs - (now - healthySince));
    // never seen unhealthy: a cold start must not cause an outage; the membership cross-check still applies
    const neverUnhealthy = p.lastUnhealthyAt === null;
    if (neverUnhealthy || (upTicksLeft === 0 && holdLeftMs === 0)) {
      return result({ ...base, inService: true }, 'entered');
    }
    return result(base, 'holding', { upTicksLeft, holdLeftMs });
  }

  const unhealthyStreak = p.unhealthyStreak + 1;
  const base: NodeTrack = { ...p, healthyStreak: 0, unhealthyStreak, healthySince: null, lastUnhealthyAt: now, gcommUuid };
  if (!p.inService) return result(base, 'out');
  const downTicksLeft = Math.max(0, needed(cfg.retryDown) - unhealthyStreak);
  if (input.immediateDown || downTicksLeft === 0) return result({ ...base, inService: false }, 'left');
  return result(base, 'pending_down', { downTicksLeft });
}
