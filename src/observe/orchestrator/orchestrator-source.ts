// The long-lived Orchestrator source: polls every intervalMs (never two polls at once) and keeps the latest
// observation for the warden loop to read. close() stops the polling and waits for the poll in flight.
import type { OrchestratorObservation } from '../../model/orchestrator.js';
import type { OrchestratorClient } from './orchestrator-client.js';
import { initialObservation } from './orchestrator-client.js';

export interface OrchestratorSourceOptions {
  client: OrchestratorClient;
  intervalMs: number;
  now?: () => number;
  /** called after every poll (logging, metrics) */
  onPoll?: (o: OrchestratorObservation) => void;
}

export class OrchestratorSource {
  private current: OrchestratorObservation;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<OrchestratorObservation> | undefined;
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly o: OrchestratorSourceOptions) {
    this.now = o.now ?? Date.now;
    this.current = initialObservation(this.now());
  }

  /** The latest observation (the initial one until the first poll ends). */
  latest(): OrchestratorObservation {
    return this.current;
  }

  /** One poll now (joins the one in flight). */
  pollOnce(): Promise<OrchestratorObservation> {
    if (this.inFlight) return this.inFlight;
    const p = this.o.client.poll(this.current, this.now).then((obs) => {
      this.current = obs;
      this.o.onPoll?.(obs);
      return obs;
    }).finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = p;
    return p;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.current = { ...this.current, watchingSince: this.now() };
    const loop = (): void => {
      const started = this.now();
      void this.pollOnce().catch(() => undefined).finally(() => {
        if (this.stopped) return;
        this.timer = setTimeout(loop, Math.max(0, this.o.intervalMs - (this.now() - started)));
      });
    };
    loop();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight?.catch(() => undefined);
  }
}
