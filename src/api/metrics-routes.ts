import type { FastifyInstance } from 'fastify';
import { operationsSources } from '../reports/operations-metrics.ts';
import { METRICS_CONTENT_TYPE, renderMetrics } from '../shared/metrics-scrape.ts';
import type { ApiDeps } from './deps.ts';

/**
 * GET /metrics: Prometheus text format, without an API key (like /health; keep it off the
 * public internet at the proxy). Workers serve the same on their own METRICS_PORT.
 */
export async function metricsRoutes(app: FastifyInstance, deps: ApiDeps): Promise<void> {
  const sources = operationsSources(deps);
  app.get('/metrics', async (_request, reply) => reply.type(METRICS_CONTENT_TYPE).send(await renderMetrics(sources)));
}
