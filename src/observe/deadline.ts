// A hard deadline shared by every step of one probe: each awaited step races it, and when it
// passes, onExpire runs (the probe destroys its socket) and the step in progress rejects.

export class DeadlineExceeded extends Error {
  readonly code = 'PROBE_DEADLINE';
  constructor(readonly ms: number) {
    super(`deadline of ${ms} ms passed`);
    this.name = 'DeadlineExceeded';
  }
}

export class Deadline {
  readonly #ms: number;
  readonly #expired: Promise<never>;
  #timer: NodeJS.Timeout | undefined;
  #passed = false;

  constructor(ms: number, onExpire?: () => void) {
    this.#ms = ms;
    this.#expired = new Promise<never>((_, reject) => {
      this.#timer = setTimeout(() => {
        this.#passed = true;
        this.#timer = undefined;
        try {
          onExpire?.();
        } finally {
          reject(new DeadlineExceeded(ms));
        }
      }, ms);
    });
    // Nobody may be racing at the moment it passes; that is not an unhandled rejection.
    this.#expired.catch(() => undefined);
  }

  get passed(): boolean {
    return this.#passed;
  }

  get ms(): number {
    return this.#ms;
  }

  /** Resolves as `step` does, or rejects with DeadlineExceeded when the deadline passes first. */
  race<T>(step: Promise<T>): Promise<T> {
    step.catch(() => undefined); // a step that loses the race may still fail later
    return Promise.race([step, this.#expired]);
  }

  clear(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
