// The report server: Switchboard's /v0 API, the /api the dashboard reads and operators command through,
// Prometheus /metrics, /healthz and the dashboard itself, over one Fastify instance.
//
// Auth: with `auth` set, every route asks for HTTP Basic credentials, the dashboard page included (as
// Switchboard does): the browser asks once, then sends them with the page's own fetches. Open are only
// /healthz (a liveness probe must not need secrets) and /metrics unless `metricsAuth` (scrapers usually run
// inside the trusted network; Prometheus can send basic_auth when they do not). The check runs in onRequest,
// before a body is even parsed, so a request without the credentials never reaches a handler.
import type { AddressInfo } from 'node:net';
import Fastify, { LogController } from 'fastify';
import type { FastifyError, FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { ReportSource } from '../model/tick.js';
import { BasicAuthChecker, CHALLENGE } from './basic-auth.js';
import { registerCommandRoutes } from './command-routes.js';
import { registerDashboardRoutes } from './dashboard-routes.js';
import { registerReadRoutes } from './read-routes.js';
import { registerTrafficRoutes } from './traffic-routes.js';
import { createReportMetrics } from './report-metrics.js';
import type { ReportServerOptions, ResolvedReportOptions } from './report-options.js';
import { resolveReportOptions } from './report-options.js';
import { sendError } from './send-error.js';

export interface ReportServer {
  /** Starts listening; answers the bound address (the real port when 0 was asked). */
  listen(): Promise<{ host: string; port: number }>;
  /** Stops accepting, lets requests in flight finish, closes idle keep-alive connections. */
  close(): Promise<void>;
  /** Closes every connection at once, then the server. */
  destroy(): Promise<void>;
  /** Answers a request without a socket (route tests). */
  inject(request: InjectOptions): Promise<LightMyRequestResponse>;
}

const MAX_BODY_BYTES = 16 * 1024;

function publicRoutes(options: ResolvedReportOptions): Set<string> {
  return new Set(options.metricsAuth ? ['/healthz'] : ['/healthz', '/metrics']);
}

function installAuth(app: FastifyInstance, options: ResolvedReportOptions): void {
  if (options.auth === undefined) return;
  const checker = new BasicAuthChecker(options.auth);
  const open = publicRoutes(options);
  app.addHook('onRequest', async (request, reply) => {
    const route = request.routeOptions.url;
    if (route !== undefined && open.has(route)) return;
    if (checker.check(request.headers.authorization)) return;
    reply.header('www-authenticate', CHALLENGE);
    return sendError(reply, 401, 'E_UNAUTHORIZED', 'authentication required: send the report server credentials (HTTP Basic)');
  });
}

/** Stable codes for the client errors Fastify raises itself (bad JSON, wrong media type, body too large). */
function clientErrorCode(status: number): string {
  if (status === 413) return 'E_PAYLOAD_TOO_LARGE';
  if (status === 415) return 'E_UNSUPPORTED_MEDIA_TYPE';
  return status === 400 ? 'E_BAD_REQUEST' : `E_HTTP_${status}`;
}

function clientErrorMessage(error: FastifyError, contentType: string | undefined): string {
  if (error.statusCode === 415) return `unsupported content type ${JSON.stringify((contentType ?? '').slice(0, 80))}: send the body as application/json`;
  if (error.statusCode === 413) return `request body larger than ${MAX_BODY_BYTES} bytes`;
  return error.message;
}

function installErrorHandling(app: FastifyInstance, options: ResolvedReportOptions): void {
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'E_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode ?? 500;
    if (status < 500) return sendError(reply, status, clientErrorCode(status), clientErrorMessage(error, request.headers['content-type']));
    options.logger?.error({ err: error, method: request.method, url: request.url }, `report server: ${request.method} ${request.url} failed`);
    return sendError(reply, 500, 'E_INTERNAL', `internal error answering ${request.method} ${request.routeOptions.url ?? request.url}; see the galera-warden log`);
  });
}

export function createReportServer(source: ReportSource, options: ReportServerOptions): ReportServer {
  const resolved = resolveReportOptions(source, options);
  const app = Fastify({
    ...(resolved.logger === undefined ? { logger: false } : { loggerInstance: resolved.logger }),
    // the dashboard polls every second: one log line per request would drown the loop's own lines
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
    return503OnClosing: true,
  });
  if (resolved.auth === undefined) {
    resolved.logger?.warn(`report server: no auth configured; anyone who reaches ${resolved.host}:${resolved.port} can read the API and command switchover and maintenance`);
  }
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff');
  });
  installAuth(app, resolved);
  installErrorHandling(app, resolved);
  const metrics = createReportMetrics(source);
  registerReadRoutes(app, { source, metrics, now: resolved.now, maxDecisions: resolved.maxDecisions });
  registerCommandRoutes(app, { source, logger: resolved.logger });
  registerTrafficRoutes(app, { source, logger: resolved.logger });
  registerDashboardRoutes(app);

  return {
    async listen() {
      await app.listen({ host: resolved.host, port: resolved.port });
      const address = app.server.address() as AddressInfo;
      resolved.logger?.info(`report server listening on ${address.address}:${address.port}`);
      return { host: address.address, port: address.port };
    },
    async close() {
      await app.close();
    },
    async destroy() {
      app.server.closeAllConnections();
      await app.close();
    },
    inject: (request) => app.inject(request),
  };
}
