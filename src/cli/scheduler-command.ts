// `galera-warden scheduler --configfile=config.toml --configpath=DIR`: one pxcScheduler-compatible run for
// ProxySQL's scheduler table. The same as dist/src/cli/scheduler-main.js, which starts faster (no commander).
import type { Command } from 'commander';

export function registerScheduler(program: Command): void {
  program
    .command('scheduler')
    .description('one observe -> decide -> apply run against ProxySQL (pxcScheduler drop-in: --configfile=config.toml --configpath=DIR [--deadline-ms=N] [--once])')
    .allowUnknownOption(true)
    .helpOption(false)
    .argument('[args...]', 'pxcScheduler arguments')
    .action(async (args: string[]) => {
      const { schedulerMain } = await import('./scheduler-program.js');
      process.exit(await schedulerMain(args));
    });
}
