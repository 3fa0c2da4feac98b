#!/usr/bin/env node
// The scheduler-mode entry point (scheduler-program.ts), for ProxySQL's scheduler table: pxcScheduler's
// command line (--configfile --configpath --deadline-ms --once).
import { schedulerMain } from './scheduler-program.js';

export { SCHEDULER_HELP, schedulerMain } from './scheduler-program.js';

const status = await schedulerMain(process.argv.slice(2));
// a hard exit: nothing left behind (a wedged socket, a timer) may keep the process past its run
process.exit(status);
