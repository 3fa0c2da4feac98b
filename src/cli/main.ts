#!/usr/bin/env node
// The galera-warden command line. Each subcommand registers itself from its own file and loads its
// implementation lazily, so a short command (a scheduler run, a healthcheck) loads only what it needs.
import { Command } from 'commander';
import { WardenError } from '../model/errors.js';
import { registerSandbox } from './sandbox-command.js';
import { registerExplain } from './explain-command.js';
import { registerStatus } from './status-command.js';
import { registerHealthcheck } from './healthcheck-command.js';
import { registerRun } from './run-command.js';
import { registerDemo } from './demo-command.js';
import { registerScheduler } from './scheduler-command.js';
import { registerProxysql } from './proxysql-command.js';
import { registerHaproxy } from './haproxy-command.js';
import { registerAgent } from './agent-command.js';
import { registerChaos } from './chaos-command.js';

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('galera-warden')
    .description('High-availability traffic controller for MySQL Galera clusters: one healthy writer, fast fail-over, no split-brain writes.')
    .version('0.1.0')
    .showHelpAfterError();
  registerSandbox(program);
  registerExplain(program);
  registerStatus(program);
  registerHealthcheck(program);
  registerRun(program);
  registerDemo(program);
  registerScheduler(program);
  registerProxysql(program);
  registerHaproxy(program);
  registerAgent(program);
  registerChaos(program);
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof WardenError) {
      process.stderr.write(`galera-warden: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

await runCli(process.argv);
