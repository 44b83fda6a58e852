import type { Redis } from 'ioredis';
import { type Db, isStorageUnavailable } from '../db/connect.ts';
import { AppError, coerceError } from '../shared/errors.ts';
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
  /** True since a push found the buffer at `maxEntries`, until one finds room again (for metrics). */
  full(): boolean;
  readonly maxEntries: number;
}

export interface EventBufferOptions {
  /** Most entries held (EVENT_BUFFER_MAX); a push beyond it throws `service_unavailable`. */
  maxEntries?: number;
}

// 100k entries of ~1 KB is ~100 MB of Redis: an outage of minutes at full rate, not a full Redis.
const DEFAULT_EVENT_BUFFER_MAX = 100_000;

// KEYS[1] the buffer list; ARGV[1] the entry, ARGV[2] the most entries. Returns PUSHED or FULL.
const PUSH_BOUNDED = `
local list, entry, maxEntries = KEYS[1], ARGV[1], tonumber(ARGV[2])
if redis.call('LLEN', list) >= maxEntries then return 0 end
redis.call('RPUSH', list, entry)
return 1`;
const PUSHED = 1;

/** The Redis list of buffered events (dispatch reads it for evidence before a redial). */
export function bufferedEventsKey(keyPrefix: string): string {
  return `${keyPrefix}:webhooks:buffered-events`;
}

interface Entry {
  attemptId: string;
  fields: unknown;
}

export function createEventBuffer(
  db: Db,
  redis: Redis,
  keyPrefix: string,
  logger: Logger,
  options: EventBufferOptions = {},
): EventBuffer {
  const key = bufferedEventsKey(keyPrefix);
  const maxEntries = options.maxEntries ?? DEFAULT_EVENT_BUFFER_MAX;
  let full = false;
  const setFull = (now: boolean) => {
    // One line per change, not per refused event: a full buffer refuses thousands a second.
    if (now && !full) logger.error({ maxEntries }, 'webhook event buffer full');
    if (!now && full) logger.warn({ maxEntries }, 'webhook event buffer has room again');
    full = now;
  };
  return {
    maxEntries,
    full: () => full,
    async push(attemptId, fields) {
      const entry = JSON.stringify({ attemptId, fields } satisfies Entry);
      const pushed = await redis.eval(PUSH_BOUNDED, 1, key, entry, maxEntries);
      setFull(pushed !== PUSHED);
      if (pushed !== PUSHED) {
        // The receiver answers 503 and the gateway delivers again later (when Postgres may be back).
        throw new AppError('service_unavailable', 503, 'Event buffer full while storage is unavailable', {
          details: { maxEntries },
        });
      }
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
