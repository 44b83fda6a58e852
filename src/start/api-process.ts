import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api/deps.ts';
import { buildApi } from '../api/server.ts';
import { createUploadGate } from '../campaigns/upload-gate.ts';
import { createDb, type Db } from '../db/connect.ts';
import { createRecordingFetcher, hasGatewayCredentials } from '../gateway/recording-download.ts';
import { createCallQueue } from '../queue/queue.ts';
import { runPeriodically } from '../shared/periodic.ts';
import { startEventApplier } from '../webhooks/event-applier.ts';
import { createEventBuffer, drainBufferOnce } from '../webhooks/event-buffer.ts';
import { attemptOwners } from './attempt-owners.ts';
import type { Runtime } from './runtime.ts';

// A buffered event waits at most this long after Postgres is back before it is stored.
const BUFFER_DRAIN_INTERVAL_MS = 1_000;

export type ApiParts = Omit<ApiDeps, 'eventIntake' | 'csvIntake'> & {
  /** The pool CSV uploads use; default `db` (tests). `startApi` gives them one of their own. */
  intakeDb?: Db;
};

/**
 * The API process's app with its background loops: the event applier (stored webhook events →
 * attempt state) and the drain of events buffered in Redis during a Postgres outage. Both stop
 * when the app closes.
 */
export async function assembleApi(parts: ApiParts): Promise<FastifyInstance> {
  const { db, redis, config, logger } = parts;
  const applier = startEventApplier(db, { logger, owners: attemptOwners });
  const buffer = createEventBuffer(db, redis, config.redisKeyPrefix, logger, { maxEntries: config.eventBufferMax });
  const drain = runPeriodically(() => drainBufferOnce(buffer, logger, applier.wake), BUFFER_DRAIN_INTERVAL_MS);
  const { uploads } = config;
  const csvIntake = {
    db: parts.intakeDb ?? db,
    gate: createUploadGate({ total: uploads.maxConcurrent, perKey: uploads.maxPerKey }),
    timeouts: { idleTimeoutMs: uploads.idleTimeoutMs, timeoutMs: uploads.timeoutMs },
  };
  const app = await buildApi({ ...parts, eventIntake: { buffer, stored: applier.wake }, csvIntake });
  // Loops first, so no applier round runs against a pool the caller is about to close.
  app.addHook('onClose', async () => {
    await Promise.all([drain.close(), applier.close()]);
  });
  return app;
}

/** Starts the HTTP server on HOST:PORT; closes with the runtime. Returns the bound port. */
export async function startApi(runtime: Runtime): Promise<number> {
  const redis = runtime.redis();
  const queue = createCallQueue(redis, runtime.config.redisKeyPrefix);
  runtime.onClose('call queue', () => queue.close());
  const intakeDb = intakePool(runtime);
  const { config, logger, db } = runtime;
  // Recordings are fetched with the gateway's credentials; without them the route answers 503.
  const recordings = hasGatewayCredentials(config) ? createRecordingFetcher(config, { logger, redis }) : undefined;
  if (recordings) runtime.onClose('recording downloads', () => recordings.close());
  const app = await assembleApi({ config, logger, db, intakeDb, redis, queue, recordings });
  runtime.onClose('http', () => app.close());
  await app.listen({ host: runtime.config.host, port: runtime.config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : runtime.config.port;
  runtime.logger.info({ port }, 'api listening');
  return port;
}

/**
 * CSV uploads get a pool of their own, one connection per upload slot (+1 for the campaign
 * lookups around them): however many uploads run, the main pool stays free for webhooks.
 */
function intakePool(runtime: Runtime): Db {
  const intakeDb = createDb(runtime.config.databaseUrl as string, { max: runtime.config.uploads.maxConcurrent + 1 });
  runtime.onClose('postgres (csv intake)', () => intakeDb.destroy());
  return intakeDb;
}
