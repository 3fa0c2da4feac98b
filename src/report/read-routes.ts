// The read-only routes: Switchboard's /v0/backends, the /api views the dashboard polls, Prometheus
// /metrics and the daemon's /healthz. None of them changes anything.
import type { FastifyInstance } from 'fastify';
import * as z from 'zod';
import type { ReportSource } from '../model/tick.js';
import { backendsView } from './backends-view.js';
import { clusterView, decisionsView } from './cluster-view.js';
import { describeIssues } from './describe-issues.js';
import { nodesView } from './nodes-view.js';
import type { ReportMetrics } from './report-metrics.js';
import { sendError } from './send-error.js';

export const DEFAULT_DECISIONS = 50;

export interface ReadRoutesOptions {
  source: ReportSource;
  metrics: ReportMetrics;
  now: () => number;
  maxDecisions: number;
}

export function registerReadRoutes(app: FastifyInstance, o: ReadRoutesOptions): void {
  const { source } = o;
  const decisionsQuery = z.object({
    limit: z.coerce
      .number('expected a whole number')
      .int('expected a whole number')
      .min(1, 'expected at least 1')
      .max(o.maxDecisions, `expected at most ${o.maxDecisions}`)
      .default(Math.min(DEFAULT_DECISIONS, o.maxDecisions)),
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/v0/backends', async () => backendsView(source.latest(), source.proxyStats()));

  app.get('/api/cluster', async () => clusterView(source, o.now()));

  app.get('/api/nodes', async () => nodesView(source));

  app.get('/api/decisions', async (request, reply) => {
    const query = decisionsQuery.safeParse(request.query);
    if (!query.success) return sendError(reply, 400, 'E_BAD_REQUEST', `invalid query: ${describeIssues(query.error, 'query')}`);
    return decisionsView(source, query.data.limit);
  });

  app.get('/metrics', async (_request, reply) => {
    const text = await o.metrics.scrape();
    return reply.type(o.metrics.contentType).send(text);
  });
}
