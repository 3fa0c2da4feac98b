// Options of the report server, validated once in the factory: a bad option fails at start-up with a
// message naming the option, never on the first request.
import type { FastifyBaseLogger } from 'fastify';
import * as z from 'zod';
import { WardenError } from '../model/errors.js';
import type { ReportSource } from '../model/tick.js';
import { describeIssues } from './describe-issues.js';

/** The report server was given options it cannot work with. */
export class ReportOptionsError extends WardenError {
  constructor(message: string) {
    super('E_REPORT_OPTIONS', `report server: ${message}`, { exitCode: 2 });
  }
}

export interface ReportServerOptions {
  /** listen address, e.g. "127.0.0.1" or "::" */
  host: string;
  /** listen port; 0 picks a free one (see listen()'s answer) */
  port: number;
  /** Basic auth for everything but /healthz (and /metrics unless metricsAuth); undefined: open API */
  auth: { user: string; password: string } | undefined;
  /** also require the credentials on /metrics (default false: scrapers read it freely) */
  metricsAuth?: boolean;
  /** pino logger (or any Fastify-compatible one); default: no logging */
  logger?: FastifyBaseLogger;
  /** the clock, epoch ms (tests pin it) */
  now?: () => number;
  /** how many history entries GET /api/decisions returns at most (default 500) */
  maxDecisions?: number;
}

export interface ResolvedReportOptions {
  host: string;
  port: number;
  auth: { user: string; password: string } | undefined;
  metricsAuth: boolean;
  logger: FastifyBaseLogger | undefined;
  now: () => number;
  maxDecisions: number;
}

const schema = z.object({
  host: z.string().trim().min(1, 'expected a host name or IP address'),
  port: z.number().int('expected an integer').min(0).max(65535),
  auth: z
    .object({
      user: z.string().min(1, 'expected a non-empty user name').refine((u) => !u.includes(':'), 'must not contain ":" (Basic auth separator)'),
      password: z.string().min(1, 'expected a non-empty password'),
    })
    .strict()
    .optional(),
  metricsAuth: z.boolean().default(false),
  maxDecisions: z.number().int().min(1).max(10_000).default(500),
});

const SOURCE_METHODS = ['latest', 'history', 'counters', 'proxyStats', 'switchover', 'setMaintenance', 'maintenanceMarks'] as const;

function checkSource(source: ReportSource): void {
  if (typeof source !== 'object' || source === null) throw new ReportOptionsError('source: expected a ReportSource object');
  const missing = SOURCE_METHODS.filter((m) => typeof (source as unknown as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) throw new ReportOptionsError(`source: missing method(s) ${missing.join(', ')}`);
  if (typeof source.clusterName !== 'string' || source.clusterName === '') throw new ReportOptionsError('source.clusterName: expected a non-empty string');
}

export function resolveReportOptions(source: ReportSource, options: ReportServerOptions): ResolvedReportOptions {
  checkSource(source);
  if (typeof options !== 'object' || options === null) throw new ReportOptionsError('options: expected an object');
  const parsed = schema.safeParse({
    host: options.host,
    port: options.port,
    auth: options.auth,
    metricsAuth: options.metricsAuth,
    maxDecisions: options.maxDecisions,
  });
  if (!parsed.success) throw new ReportOptionsError(describeIssues(parsed.error, 'options'));
  if (options.now !== undefined && typeof options.now !== 'function') throw new ReportOptionsError('now: expected a function');
  const { host, port, auth, metricsAuth, maxDecisions } = parsed.data;
  return { host, port, auth, metricsAuth, maxDecisions, logger: options.logger, now: options.now ?? Date.now };
}
