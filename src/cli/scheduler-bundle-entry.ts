// What scripts/bundle-scheduler.mjs bundles into dist/src/cli/scheduler-bundle.cjs (with everything it imports):
// the scheduler program, started by scheduler-launch.cjs.
import { schedulerMain } from './scheduler-program.js';

/** One scheduler-mode run (or daemon mode), then a hard exit: nothing left behind may keep the process. */
export function run(args: readonly string[]): void {
  void schedulerMain(args).then((status) => process.exit(status));
}

/** Loads (runs the top level of) every module a run loads on demand: for a start-up snapshot. */
export async function preload(): Promise<void> {
  await Promise.all([import('../config/pxc-scheduler-config.js'), import('../runtime/scheduler-run.js'), import('../model/errors.js')]);
}
