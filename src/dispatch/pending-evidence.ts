import type { Redis } from 'ioredis';
import { bufferedEventsKey } from '../webhooks/event-buffer.ts';

/**
 * What Redis knows of a call that Postgres does not (yet): the uuid of a call the gateway
 * created while Postgres was unreachable, and webhooks waiting in the event buffer. Reconcile
 * asks it before it redials, so a call whose proof is stuck in Redis is never placed twice.
 */
export interface PendingEvidence {
  /** Keeps a created call's uuid until Postgres has it (`forgetUuid`). */
  keepUuid(attemptId: string, uuid: string, conversationUuid: string | undefined): Promise<void>;
  forgetUuid(attemptId: string): Promise<void>;
  /** A kept uuid (or one named by a buffered webhook), and how many buffered webhooks name the attempt. */
  find(attemptId: string): Promise<{ callUuid: string | null; conversationUuid: string | null; events: number }>;
  /** A worker found Postgres unreachable just now (shared by every worker). */
  noteStorageDown(): Promise<void>;
  /** How long ago a worker last found Postgres unreachable, ms; undefined when none did lately. */
  storageDownAgoMs(): Promise<number | undefined>;
}

// A kept uuid outlives any outage we expect to ride out; reconcile stores and forgets it sooner.
const KEPT_UUID_TTL_MS = 7 * 24 * 3_600_000;
// The event buffer is read in pages; its size is bounded (EVENT_BUFFER_MAX), and only a redial reads it.
const BUFFER_PAGE = 1_000;

// Outages are remembered for a day: longer than any grace, shorter than Redis clutter.
const STORAGE_DOWN_TTL_MS = 24 * 3_600_000;

export function createPendingEvidence(redis: Redis, keyPrefix: string): PendingEvidence {
  const uuidKey = (attemptId: string) => `${keyPrefix}:dispatch:created-uuid:${attemptId}`;
  const storageDownKey = `${keyPrefix}:dispatch:storage-down-at`;
  const bufferKey = bufferedEventsKey(keyPrefix);
  return {
    async keepUuid(attemptId, uuid, conversationUuid) {
      const value = JSON.stringify({ uuid, conversationUuid: conversationUuid ?? null });
      await redis.set(uuidKey(attemptId), value, 'PX', KEPT_UUID_TTL_MS);
    },
    async forgetUuid(attemptId) {
      await redis.del(uuidKey(attemptId));
    },
    async noteStorageDown() {
      await redis.set(storageDownKey, String(Date.now()), 'PX', STORAGE_DOWN_TTL_MS);
    },
    async storageDownAgoMs() {
      const at = Number(await redis.get(storageDownKey));
      return at > 0 ? Math.max(0, Date.now() - at) : undefined;
    },
    async find(attemptId) {
      const kept = await redis.get(uuidKey(attemptId));
      const parsed = kept ? (JSON.parse(kept) as { uuid: string; conversationUuid: string | null }) : undefined;
      const buffered = await bufferedFor(redis, bufferKey, attemptId);
      return {
        callUuid: parsed?.uuid ?? buffered.callUuid,
        conversationUuid: parsed?.conversationUuid ?? null,
        events: buffered.events,
      };
    },
  };
}

async function bufferedFor(redis: Redis, key: string, attemptId: string) {
  const needle = `"attemptId":${JSON.stringify(attemptId)}`;
  let events = 0;
  let callUuid: string | null = null;
  for (let start = 0; ; start += BUFFER_PAGE) {
    const page = await redis.lrange(key, start, start + BUFFER_PAGE - 1);
    for (const entry of page) {
      if (!entry.includes(needle)) continue;
      events += 1;
      const fields = (JSON.parse(entry) as { fields?: { uuid?: unknown } }).fields;
      if (typeof fields?.uuid === 'string') callUuid ??= fields.uuid;
    }
    if (page.length < BUFFER_PAGE) return { events, callUuid };
  }
}
