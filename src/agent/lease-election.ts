// Leader election on a Lease, after client-go's leaderelection: a candidate takes the lease when there is
// none, when it holds it already (renew), or when the holder has not renewed for leaseDurationSeconds as
// measured on the candidate's OWN clock since it last saw the record change (never by comparing its clock
// with the holder's renewTime). Writes carry the resourceVersion read: 409 Conflict means another candidate
// wrote first, and this one is not the leader. A leader that cannot renew within renewDeadlineMs stops
// acting before its lease can expire for the others (renewDeadlineMs < leaseDurationSeconds).
import { WardenError } from '../model/errors.js';

export interface LeaseRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  /** epoch ms */
  acquireTime: number;
  renewTime: number;
  leaseTransitions: number;
}

export interface StoredLease {
  record: LeaseRecord;
  resourceVersion: string;
}

export interface LeaseStore {
  get(): Promise<StoredLease | undefined>;
  create(r: LeaseRecord): Promise<StoredLease>;
  /** rejects with a `status` 409 error when resourceVersion is no longer current */
  replace(r: LeaseRecord, resourceVersion: string): Promise<StoredLease>;
}

export interface Observed {
  record: LeaseRecord;
  resourceVersion: string;
  /** local time at which this record was first seen */
  at: number;
}

export type LeaseStep =
  | { kind: 'create'; record: LeaseRecord }
  | { kind: 'replace'; record: LeaseRecord; resourceVersion: string }
  | { kind: 'wait'; holder: string; expiresAt: number };

const same = (a: LeaseRecord, b: LeaseRecord): boolean =>
  a.holderIdentity === b.holderIdentity && a.leaseDurationSeconds === b.leaseDurationSeconds && a.renewTime === b.renewTime
  && a.acquireTime === b.acquireTime && a.leaseTransitions === b.leaseTransitions;

/** What to observe given what was read: the new observation keeps its first-seen time while unchanged. */
export function observe(read: StoredLease, before: Observed | undefined, now: number): Observed {
  if (before && before.resourceVersion === read.resourceVersion && same(before.record, read.record)) return before;
  return { record: read.record, resourceVersion: read.resourceVersion, at: now };
}

/** One step of tryAcquireOrRenew: pure, from what was read and observed. */
export function leaseStep(read: StoredLease | undefined, observed: Observed | undefined, me: string, now: number, durationSeconds: number): LeaseStep {
  if (!read) return { kind: 'create', record: { holderIdentity: me, leaseDurationSeconds: durationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } };
  const o = observed ?? { record: read.record, resourceVersion: read.resourceVersion, at: now };
  const old = read.record;
  const heldByOther = old.holderIdentity !== '' && old.holderIdentity !== me;
  const expiresAt = o.at + Math.max(1, old.leaseDurationSeconds || durationSeconds) * 1000;
  if (heldByOther && expiresAt > now) return { kind: 'wait', holder: old.holderIdentity, expiresAt };
  const mine = old.holderIdentity === me;
  return {
    kind: 'replace',
    resourceVersion: read.resourceVersion,
    record: {
      holderIdentity: me,
      leaseDurationSeconds: durationSeconds,
      acquireTime: mine ? old.acquireTime : now,
      renewTime: now,
      leaseTransitions: mine ? old.leaseTransitions : old.leaseTransitions + 1,
    },
  };
}

export interface ElectorOptions {
  store: LeaseStore;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  now?: () => number;
  onChange?: (leader: boolean, holder: string | undefined) => void;
  onError?: (err: Error) => void;
}

export class LeaseElector {
  readonly #o: Required<Omit<ElectorOptions, 'onChange' | 'onError'>> & Pick<ElectorOptions, 'onChange' | 'onError'>;
  #observed: Observed | undefined;
  #lastRenew = 0;
  #leader = false;
  #holder: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  /** successful writes (create or replace) and lost races, for status and tests */
  readonly counts = { writes: 0, conflicts: 0, errors: 0 };

  constructor(o: ElectorOptions) {
    this.#o = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2000, now: Date.now, ...o };
    if (this.#o.renewDeadlineMs >= this.#o.leaseDurationSeconds * 1000) throw new WardenError('E_CONFIG', `lease: renewDeadlineMs (${this.#o.renewDeadlineMs}) must be below leaseDurationSeconds (${this.#o.leaseDurationSeconds} s)`);
    if (this.#o.retryPeriodMs >= this.#o.renewDeadlineMs) throw new WardenError('E_CONFIG', `lease: retryPeriodMs (${this.#o.retryPeriodMs}) must be below renewDeadlineMs (${this.#o.renewDeadlineMs})`);
  }

  /** Leader now: the last renewal is recent enough that nobody else can have taken the lease. */
  get leader(): boolean {
    return this.#leader && this.#o.now() - this.#lastRenew < this.#o.renewDeadlineMs;
  }

  get holder(): string | undefined {
    return this.#holder;
  }

  /** One tryAcquireOrRenew; true when this candidate holds the lease afterwards. */
  async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.#o.now();
    const read = await this.#o.store.get();
    if (read) this.#observed = observe(read, this.#observed, now);
    const step = leaseStep(read, this.#observed, this.#o.identity, now, this.#o.leaseDurationSeconds);
    if (step.kind === 'wait') {
      this.#holder = step.holder;
      return false;
    }
    try {
      const written = step.kind === 'create' ? await this.#o.store.create(step.record) : await this.#o.store.replace(step.record, step.resourceVersion);
      this.counts.writes += 1;
      this.#observed = { record: written.record, resourceVersion: written.resourceVersion, at: this.#o.now() };
      this.#lastRenew = now;
      this.#holder = this.#o.identity;
      return true;
    } catch (err) {
      if ((err as { status?: number }).status === 409) {
        this.counts.conflicts += 1;
        return false;
      }
      throw err;
    }
  }

  /** Runs the acquire / renew loop until stop(). */
  start(): void {
    if (this.#running || this.#stopped) return;
    const loop = async (): Promise<void> => {
      if (this.#stopped) return;
      let ok = false;
      try {
        ok = await this.tryAcquireOrRenew();
      } catch (err) {
        this.counts.errors += 1;
        this.#o.onError?.(err as Error);
      }
      if (this.#stopped) return;
      this.#set(ok ? true : this.#leader && this.leader);
      this.#timer = setTimeout(() => { this.#running = loop(); }, this.#o.retryPeriodMs);
    };
    this.#running = loop();
  }

  #set(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#o.onChange?.(leader, this.#holder);
  }

  /** Stops the loop; a leader gives the lease up (holder cleared) so a standby takes over at once. */
  async stop(release = true): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    const wasLeader = this.leader;
    this.#set(false);
    if (!release || !wasLeader || !this.#observed) return;
    const o = this.#observed;
    try {
      await this.#o.store.replace({ ...o.record, holderIdentity: '', leaseDurationSeconds: 1, renewTime: this.#o.now() }, o.resourceVersion);
    } catch {
      // someone else wrote it already: nothing to give up
    }
  }
}
