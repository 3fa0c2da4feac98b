// Process-level wiring of `run`: config, logger, report server, signals. Resolves when the daemon has stopped.
import { listening } from './listen-failure.js';
import { loadConfig } from '../config/load-config.js';
import { UsageError } from '../model/errors.js';
import { createReportServer } from '../report/report-server.js';
import { Daemon } from './daemon.js';
import { createLogger } from './logger.js';

export async function runDaemon(configFile: string, logFormat?: string): Promise<void> {
  const config = await loadConfig(configFile);
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') throw new UsageError(`--log-format must be json or pretty, got "${logFormat}"`);
  const log = createLogger({ level: config.run.logLevel, format: logFormat ?? config.run.logFormat });
  const api = config.api;
  const daemon = new Daemon({
    config,
    log,
    ...(api.enabled
      ? {
          startReport: async (source) => {
            const server = createReportServer(source, {
              host: api.host,
              port: api.port,
              auth: api.user !== undefined && api.password ? { user: api.user, password: api.password.reveal() } : undefined,
              metricsAuth: api.metricsAuth,
              logger: log,
            });
            const addr = await listening([{ key: '[api] port', host: api.host, port: api.port }], () => server.listen());
            return { address: `${addr.host}:${addr.port}`, close: () => server.close() };
          },
        }
      : {}),
  });
  let signals = 0;
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        log.warn({ signal: sig }, 'second signal: closing every connection now');
        void daemon.destroy().finally(() => process.exit(1));
        return;
      }
      log.info({ signal: sig }, 'signal received');
      void daemon.shutdown().then(resolve);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  try {
    await daemon.start();
  } catch (err) {
    await daemon.destroy();
    throw err;
  }
  await stopped;
}
