import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CALL_QUEUE, type CallJobData } from './jobs.ts';

export type CallQueue = Queue<CallJobData>;

/** Tries of a job that fails transiently (5xx, network); rate limits and delays do not count. */
export const CALL_JOB_ATTEMPTS = 8;
/** Name of the worker's backoff strategy (`callBackoffMs`), set on every job by default. */
export const CALL_BACKOFF = 'capped-jitter';

/** Capped exponential backoff with jitter: 2 s, 4 s, 8 s … at most 5 min, each ×[0.5, 1). */
export function callBackoffMs(attemptsMade: number, random: () => number = Math.random): number {
  const base = Math.min(300_000, 2000 * 2 ** Math.max(0, attemptsMade - 1));
  return Math.round(base * (0.5 + random() / 2));
}

/**
 * The call queue, under the deployment's Redis key prefix. Every producer (feeder, reminders)
 * inherits these job options: transient retries with our backoff, and Redis keeps only what is
 * still to run (Postgres holds the history), so re-adding a lost attempt by its id always works.
 */
export function createCallQueue(connection: Redis, prefix: string, attempts = CALL_JOB_ATTEMPTS): CallQueue {
  const queue = new Queue<CallJobData>(CALL_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: {
      attempts,
      backoff: { type: CALL_BACKOFF },
      removeOnComplete: true,
      // A failed job must not block re-adding its attempt by id; the logs keep the failure.
      removeOnFail: true,
    },
  });
  // BullMQ re-emits the connection's errors here and prints each one with console.error when
  // nobody listens. Whoever made the connection already logs them (runtime.redis()), and a failed
  // command still rejects its own promise, so this listener only keeps the duplicate off stderr.
  queue.on('error', () => {});
  return queue;
}

/**
 * Removes waiting or delayed jobs of these attempts (cancel, pause). A job already being
 * processed is locked and stays; the worker re-checks the campaign before dialing.
 */
export async function removeCallJobs(queue: CallQueue, attemptIds: readonly string[]): Promise<number> {
  let removed = 0;
  for (const id of attemptIds) {
    removed += (await queue.remove(id)) === 1 ? 1 : 0;
  }
  return removed;
}
