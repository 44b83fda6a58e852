import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { CALL_QUEUE, type CallJobData } from './jobs.ts';

export type CallQueue = Queue<CallJobData>;

/** The call queue, under the deployment's Redis key prefix. */
export function createCallQueue(connection: Redis, prefix: string): CallQueue {
  return new Queue<CallJobData>(CALL_QUEUE, { connection, prefix });
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
