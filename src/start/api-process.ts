import { buildApi } from '../api/server.ts';
import { createCallQueue } from '../queue/queue.ts';
import type { Runtime } from './runtime.ts';

/** Starts the HTTP server on HOST:PORT; closes with the runtime. Returns the bound port. */
export async function startApi(runtime: Runtime): Promise<number> {
  const redis = runtime.redis();
  const queue = createCallQueue(redis, runtime.config.redisKeyPrefix);
  runtime.onClose('call queue', () => queue.close());
  const app = await buildApi({ config: runtime.config, logger: runtime.logger, db: runtime.db, redis, queue });
  runtime.onClose('http', () => app.close());
  await app.listen({ host: runtime.config.host, port: runtime.config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : runtime.config.port;
  runtime.logger.info({ port }, 'api listening');
  return port;
}
