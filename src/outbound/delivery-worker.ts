import { Worker } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import type { Db } from '../db/connect.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { runPeriodically } from '../shared/periodic.ts';
import { type DeliveryRules, tryDelivery } from './delivery-processor.ts';
import {
  createDeliveryQueue,
  DELIVERY_QUEUE,
  type DeliveryJobData,
  deliveryBackoffMs,
  relayDeliveries,
} from './delivery-queue.ts';
import { createSender } from './delivery-sender.ts';

// Outbox rows reach Redis within this long of their commit (the relay also drains big backlogs in one pass).
const RELAY_INTERVAL_MS = 250;

export interface DeliverySettings extends DeliveryRules {
  allowPrivateTargets: boolean;
  concurrency: number;
  timeoutMs: number;
  retryBaseMs: number;
  retryMaxDelayMs: number;
}

export interface DeliveryWorkerDeps {
  db: Db;
  /** New Redis connections (the worker blocks on one; the queue uses another). */
  redis: (options?: RedisOptions) => Redis;
  keyPrefix: string;
  logger: Logger;
  settings: DeliverySettings;
}

export interface RunningDeliveries {
  readonly worker: Worker<DeliveryJobData>;
  close(): Promise<void>;
}

/**
 * The outbound webhook side of a worker process: the outbox relay (Postgres → BullMQ) and a
 * BullMQ worker on the delivery queue with its own concurrency, so a slow receiver never holds
 * up a call. A failed try throws, and BullMQ retries it after `deliveryBackoffMs`.
 */
export function startDeliveries(deps: DeliveryWorkerDeps): RunningDeliveries {
  const { settings } = deps;
  const logger = deps.logger.child({ component: 'webhook-deliveries' });
  // Fail fast while Redis is down: the relay holds the outbox rows locked during addBulk, and a
  // queued command would keep that transaction (and a pool connection) open for the outage.
  const queue = createDeliveryQueue(deps.redis({ enableOfflineQueue: false }), deps.keyPrefix);
  const sender = createSender({ allowPrivateTargets: settings.allowPrivateTargets, timeoutMs: settings.timeoutMs });
  const processor = { db: deps.db, sender, logger, rules: settings };
  const worker = new Worker<DeliveryJobData>(
    DELIVERY_QUEUE,
    async (job) => {
      const outcome = await tryDelivery(processor, job.data.deliveryId);
      if (outcome === 'retry') throw new Error('delivery failed; retrying with backoff');
      return outcome;
    },
    {
      connection: deps.redis(),
      prefix: deps.keyPrefix,
      concurrency: settings.concurrency,
      // A try takes at most timeoutMs; the lock outlives it so a live try is never taken over.
      lockDuration: settings.timeoutMs + 20_000,
      drainDelay: 1,
      settings: {
        backoffStrategy: (attemptsMade: number) =>
          deliveryBackoffMs(attemptsMade, settings.retryBaseMs, settings.retryMaxDelayMs),
      },
    },
  );
  worker.on('error', (err) => logger.warn({ err: err.message }, 'delivery worker error'));
  const relay = runPeriodically(async () => {
    try {
      while ((await relayDeliveries(deps.db, queue)) > 0) {
        // drain a backlog in one pass
      }
    } catch (err) {
      logger.warn({ err: coerceError(err).message }, 'webhook outbox relay failed');
    }
  }, RELAY_INTERVAL_MS);
  let closing: Promise<void> | undefined;
  return {
    worker,
    close() {
      closing ??= (async () => {
        await relay.close();
        await worker.close();
        await queue.close();
        await sender.close();
      })();
      return closing;
    },
  };
}
