import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';

/** Outbound webhook deliveries have their own BullMQ queue: they never sit in front of a call. */
export const DELIVERY_QUEUE = 'webhook-deliveries';
const DELIVERY_BACKOFF = 'webhook-jitter';
/**
 * Tries per job: effectively unbounded, because the give-up rule is the delivery's age
 * (WEBHOOK_RETRY_MAX_AGE_MS, 24 h), checked by the processor after every failed try.
 */
const DELIVERY_JOB_ATTEMPTS = 100_000;

export interface DeliveryJobData {
  deliveryId: string;
  v: 1;
}

export type DeliveryQueue = Queue<DeliveryJobData>;

export function createDeliveryQueue(connection: Redis, prefix: string): DeliveryQueue {
  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts: DELIVERY_JOB_ATTEMPTS,
      backoff: { type: DELIVERY_BACKOFF },
      removeOnComplete: true,
      removeOnFail: true,
    },
  });
  queue.on('error', () => {});
  return queue;
}

/** Exponential backoff with equal jitter: base·2^(n-1), capped, then a random point in its upper half. */
export function deliveryBackoffMs(
  attemptsMade: number,
  baseMs: number,
  maxDelayMs: number,
  random: () => number = Math.random,
): number {
  const delay = Math.min(maxDelayMs, baseMs * 2 ** Math.max(0, Math.min(attemptsMade - 1, 40)));
  return Math.round(delay / 2 + (random() * delay) / 2);
}

/** A delivery's job id: its id, plus the replay count so a manual retry is a new job. */
const deliveryJobId = (deliveryId: string, replays: number) => `${deliveryId}_${replays}`;

/**
 * The outbox relay: deliveries written (in their change's transaction) but not yet in Redis are
 * added to the queue, then marked enqueued. The rows stay locked meanwhile, so two relays never
 * add the same delivery; a crash between the two steps re-adds it under the same job id, which
 * BullMQ ignores while the job exists (and at worst delivers twice: at-least-once).
 */
export async function relayDeliveries(db: Db, queue: DeliveryQueue, limit = 500): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const { rows } = await sql<{ id: string; replays: number }>`
      select id, replays from webhook_deliveries
      where not enqueued order by created_at limit ${limit} for update skip locked`.execute(trx);
    if (rows.length === 0) return 0;
    await queue.addBulk(
      rows.map((row) => ({
        name: 'deliver',
        data: { deliveryId: row.id, v: 1 as const },
        opts: { jobId: deliveryJobId(row.id, row.replays) },
      })),
    );
    await trx
      .updateTable('webhook_deliveries')
      .set({ enqueued: true })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    return rows.length;
  });
}
