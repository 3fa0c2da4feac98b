// A value that must never be printed: passwords, private keys. JSON.stringify, util.inspect, String()
// and template strings all show "[redacted]"; only reveal() gives the value, at the place that uses it.
import { inspect } from 'node:util';

export const REDACTED = '[redacted]';

export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  /** the value itself: call it only where the secret is handed to the thing that needs it */
  reveal(): T {
    return this.#value;
  }

  toJSON(): string {
    return REDACTED;
  }

  toString(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return `Secret(${REDACTED})`;
  }
}
