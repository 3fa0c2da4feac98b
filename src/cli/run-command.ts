// `galera-warden run --config FILE`: the long-running daemon (probe -> decide -> apply -> report).
import type { Command } from 'commander';

export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the warden: probe every node each interval, decide the writer and readers, route the built-in proxy, serve the API, metrics and dashboard')
    .requiredOption('-c, --config <file>', 'galera-warden TOML config')
    .option('--log-format <format>', 'json (one object per line) or pretty (for a terminal); overrides [run].logFormat')
    .action(async (o: { config: string; logFormat?: string }) => {
      const { runDaemon } = await import('../runtime/run-main.js');
      await runDaemon(o.config, o.logFormat);
    });
}
