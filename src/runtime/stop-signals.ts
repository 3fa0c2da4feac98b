// SIGINT / SIGTERM handling for long-running commands: the first signal asks for a clean stop, a
// second one for an immediate one. Returns a function that removes the handlers.

export type StopHandler = (signal: NodeJS.Signals, count: number) => void;

export function onStopSignals(handler: StopHandler, signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM'], proc: NodeJS.EventEmitter = process): () => void {
  let count = 0;
  const listener = (signal: NodeJS.Signals) => {
    count++;
    handler(signal, count);
  };
  for (const s of signals) proc.on(s, listener);
  return () => {
    for (const s of signals) proc.off(s, listener);
  };
}

/** Resolves after ms, or at once when `abort` fires. */
export function sleep(ms: number, abort?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (abort?.aborted) {
      resolve();
      return;
    }
    const done = () => {
      clearTimeout(timer);
      abort?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, ms));
    abort?.addEventListener('abort', done, { once: true });
  });
}
