import type { Redis } from 'ioredis';
import { type Db, isStorageUnavailable } from '../db/connect.ts';
import { coerceError } from '../shared/errors.ts';
import type { Logger } from '../shared/logger.ts';
import { parseEvent } from './event-payload.ts';
import { storeEvent } from './event-receiver.ts';

/**
 * Events received while Postgres is unreachable. The gateway delivers an event at most twice
 * (docs/gateway-facts.md §3), so answering 5xx through an outage of seconds would lose it for good; the
 * receiver puts it in a Redis list instead (durable with Redis's AOF) and answers 200, and a
 * drain stores it once Postgres answers again. Storing is idempotent (the event's dedupe key),
 * so an entry is removed only after it is stored: a crash or a second API process draining the
 * same entry at worst stores it twice, which is a no-op.
 */
export interface EventBuffer {
  push(attemptId: string, fields: unknown): Promise<void>;
  /** Stores buffered events oldest first until the list is empty or Postgres fails; returns how many. */
  drain(): Promise<number>;
  size(): Promise<number>;
}

interface Entry {
  attemptId: string;
  fields: unknown;
}

export function createEventBuffer(db: Db, redis: Redis, keyPrefix: string, logger: Logger): EventBuffer {
  const key = `${keyPrefix}:webhooks:buffered-events`;
  return {
    async push(attemptId, fields) {
      await redis.rpush(key, JSON.stringify({ attemptId, fields } satisfies Entry));
    },
    async drain() {
      let stored = 0;
      for (;;) {
        const head = await redis.lindex(key, 0);
        if (head === null) return stored;
        const entry = JSON.parse(head) as Entry;
        try {
          await storeEvent(db, entry.attemptId, parseEvent(entry.fields));
        } catch (err) {
          if (isStorageUnavailable(err)) throw err;
          // Anything else would fail forever and block the events behind it.
          logger.error({ err: coerceError(err).message, attemptId: entry.attemptId }, 'dropping a buffered event');
        }
        await redis.lrem(key, 1, head);
        stored += 1;
      }
    },
    size: () => redis.llen(key),
  };
}

/** One drain pass: stores what is buffered and tells `onStored` (which wakes the event applier). */
export async function drainBufferOnce(buffer: EventBuffer, logger: Logger, onStored: () => void): Promise<void> {
  try {
    const stored = await buffer.drain();
    if (stored > 0) {
      logger.info({ stored }, 'buffered webhook events stored');
      onStored();
    }
  } catch (err) {
    logger.warn({ err: coerceError(err).message }, 'buffered webhook events wait');
  }
}
