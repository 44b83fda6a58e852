import { Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../config/config.ts';
import { createDb, type Db } from '../db/connect.ts';
import { coerceError } from '../shared/errors.ts';
import { createLogger, type Logger } from '../shared/logger.ts';

/**
 * What a running command holds. Built once from the parsed config; every function takes the
 * parts it needs. Resources register a closer and `close()` runs them in reverse order.
 */
export interface Runtime {
  readonly config: Config;
  readonly logger: Logger;
  /** Postgres; throws if the command did not require DATABASE_URL. */
  readonly db: Db;
  /** A new Redis connection with BullMQ-friendly options, closed with the runtime. */
  redis(options?: RedisOptions): Redis;
  onClose(name: string, close: () => Promise<unknown> | unknown): void;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** Postgres pool size for this process. */
  dbPoolSize?: number;
}

export function createRuntime(config: Config, options: RuntimeOptions = {}): Runtime {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const closers: Array<{ name: string; close: () => Promise<unknown> | unknown }> = [];
  const onClose = (name: string, close: () => Promise<unknown> | unknown) => void closers.push({ name, close });
  let db: Db | undefined;
  let closing: Promise<void> | undefined;

  return {
    config,
    logger,
    get db() {
      if (!db) {
        if (!config.databaseUrl) throw new Error('DATABASE_URL is not configured');
        db = createDb(config.databaseUrl, { max: options.dbPoolSize });
        const opened = db;
        onClose('postgres', () => opened.destroy());
      }
      return db;
    },
    redis(redisOptions = {}) {
      if (!config.redisUrl) throw new Error('REDIS_URL is not configured');
      // BullMQ workers block on Redis; it requires maxRetriesPerRequest: null on their connections.
      const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, ...redisOptions });
      connection.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
      onClose('redis', () => connection.quit().catch(() => connection.disconnect()));
      return connection;
    },
    onClose,
    close() {
      closing ??= closeAll(closers, logger);
      return closing;
    },
  };
}

async function closeAll(
  closers: Array<{ name: string; close: () => Promise<unknown> | unknown }>,
  logger: Logger,
): Promise<void> {
  for (const { name, close } of closers.splice(0).reverse()) {
    try {
      await close();
    } catch (thrown) {
      logger.warn({ err: coerceError(thrown).message, resource: name }, 'close failed');
    }
  }
}

/**
 * Closes the runtime on SIGTERM/SIGINT; a second signal forces exit for an operator who
 * does not want to wait for in-flight calls.
 */
export function closeOnSignals(runtime: Runtime, beforeClose?: () => Promise<void>): Promise<void> {
  return new Promise((resolve) => {
    let signalled = false;
    const handler = (signal: NodeJS.Signals) => {
      if (signalled) {
        runtime.logger.warn({ signal }, 'second signal, exiting now');
        process.exit(1);
      }
      signalled = true;
      runtime.logger.info({ signal }, 'shutting down');
      void (async () => {
        try {
          await beforeClose?.();
        } finally {
          await runtime.close();
          resolve();
        }
      })();
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  });
}
