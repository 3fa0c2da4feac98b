// Clocks for durations and deadlines inside one process, without the global `performance`: its first use loads
// perf_hooks and eight more of Node's modules, ~4 ms of CPU in a scheduler run that lives a tenth of a second
// (issue 16); process.hrtime and process.uptime are there from the start.

/** Milliseconds on the monotonic clock (its origin is arbitrary: compare only with other monotonicMs values). */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}

/** Milliseconds since this process started, Node's own start-up included. */
export function uptimeMs(): number {
  return process.uptime() * 1000;
}
