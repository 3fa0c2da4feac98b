#!/usr/bin/env node
// The scheduler-mode entry point for ProxySQL's scheduler table, pxcScheduler's command line (--configfile
// --configpath --deadline-ms --once): starts scheduler-launch.cjs (the bundled program through V8's code cache,
// or the unbundled scheduler-program.ts when there is no bundle).
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./scheduler-launch.cjs');
