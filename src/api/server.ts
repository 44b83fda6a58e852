import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { sql } from 'kysely';
import { adminRoutes } from './admin-routes.ts';
import { requireApiKey } from './auth.ts';
import { campaignRoutes } from './campaign-routes.ts';
import { campaignStreamRoutes } from './campaign-stream-routes.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import type { ApiDeps } from './deps.ts';
import { docsRoutes } from './docs-routes.ts';
import { installErrorHandler } from './error-handler.ts';
import { metricsRoutes } from './metrics-routes.ts';
import { recordingRoutes } from './recording-routes.ts';
import { reminderRoutes } from './reminder-routes.ts';
import { reportRoutes } from './report-routes.ts';
import { suppressionRoutes } from './suppression-routes.ts';
import { webhookEndpointRoutes } from './webhook-endpoint-routes.ts';
import { webhookRoutes } from './webhook-routes.ts';

// JSON bodies beyond this are refused with 413; bulk recipients go through the CSV upload.
const JSON_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

/**
 * The HTTP app: routes only. Background work (the event applier, the buffer drain) is started
 * by whoever assembles the process (start/api-process.ts) and reached through `deps`.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps FastifyInstance's default generics.
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: JSON_BODY_LIMIT_BYTES,
    // Ids are UUIDs in paths; keep the router strict and fast.
    routerOptions: { ignoreTrailingSlash: true },
    // No per-request log lines: webhooks arrive by the thousand; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
  });
  installErrorHandler(app);

  app.get('/health', async (_request, reply) => {
    const [postgres, redis] = await Promise.all([
      sql`select 1`.execute(deps.db).then(
        () => true,
        () => false,
      ),
      deps.redis.ping().then(
        () => true,
        () => false,
      ),
    ]);
    return reply.status(postgres && redis ? 200 : 503).send({ postgres, redis });
  });

  await app.register(
    async (v1) => {
      requireApiKey(v1, deps.db);
      for (const register of v1Routes) await register(v1, deps);
    },
    { prefix: '/v1' },
  );

  for (const register of publicRoutes) await register(app, deps);
  return app;
}

type RouteRegistrar = (app: FastifyInstance, deps: ApiDeps) => Promise<void> | void;

/** Routes under /v1 that need an API key. Each domain adds its registrar here. */
const v1Routes: RouteRegistrar[] = [
  campaignRoutes,
  suppressionRoutes,
  reportRoutes,
  reminderRoutes,
  campaignStreamRoutes,
  recordingRoutes,
  webhookEndpointRoutes,
];
/** Routes without an API key (webhooks carry their own token; docs are public; admin has ADMIN_TOKEN). */
const publicRoutes: RouteRegistrar[] = [docsRoutes, webhookRoutes, dashboardRoutes, metricsRoutes, adminRoutes];
