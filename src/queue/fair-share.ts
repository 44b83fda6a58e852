import type { Redis } from 'ioredis';
import { OFFER, PICK, PRIORITY_RANGE, RECOVER, RELEASE } from './fair-share-scripts.ts';

/**
 * The fair-share scheduler: where campaign attempts wait between the feeder and BullMQ.
 *
 * Terminology. key: an API key, the unit of fairness (its `weight`, default 1, scales its share).
 * campaign: shares its key's part with the key's other campaigns; a higher `priority` goes first,
 * equal priorities share equally, and `maxCallsPerSecond` caps it. pick: one attempt chosen to
 * go into the BullMQ queue next.
 *
 * Stride scheduling, judged in Redis so every worker process picks from the same state: each
 * key has a pass (a virtual time); a pick takes the key with the lowest pass and adds
 * 1 / weight to it, so over any stretch keys with work get picks in proportion to their weights.
 * A key that had no work rejoins just below the lowest pass: its first pick is the next one, but
 * never below the pass it left with, so it cannot bank credit while idle nor jump the line by
 * emptying and refilling. Within a key the same scheme runs over campaigns (score = priority
 * band + pass). A campaign whose cap is reached is skipped until its next allowed pick.
 *
 * Keys under `<prefix>:fair`: `keys` (zset key id → pass), `gvt` (pass of the last picked key),
 * `weights` (hash key id → weight), `left` (hash key id → its pass when it last ran out of work),
 * `k:<key>` (zset campaign → band·1e9 + pass), `kvt` (hash key → pass of its last picked
 * campaign), `c:<campaign>` (zset attempt id → offer time, ms), `meta:<campaign>` (hash:
 * priority, max, next), `handoff` (zset attempt id → pick time: picked, not yet confirmed in
 * BullMQ), `pump` (the pump's lock).
 */

export interface FairCampaign {
  campaignId: string;
  apiKeyId: string;
  /** The key's weight (1 unless set with `callcast keys weight`). */
  weight: number;
  priority: number;
  /** Per-campaign cap in create-calls per second; null: the account's rate. */
  maxCallsPerSecond: number | null;
}

export interface FairPick {
  attemptId: string;
  campaignId: string;
}

export class FairShare {
  readonly #redis: Redis;
  readonly #prefix: string;

  /** `keyPrefix` is the deployment's REDIS_KEY_PREFIX. */
  constructor(redis: Redis, keyPrefix: string) {
    this.#redis = redis;
    this.#prefix = `${keyPrefix}:fair`;
  }

  /** Offers a campaign's queued attempts; returns how many were not already waiting. */
  async offer(campaign: FairCampaign, attemptIds: readonly string[]): Promise<number> {
    if (attemptIds.length === 0) return 0;
    const priority = Math.max(-PRIORITY_RANGE, Math.min(PRIORITY_RANGE, Math.trunc(campaign.priority)));
    const reply = await this.#redis.eval(
      OFFER,
      0,
      this.#prefix,
      campaign.campaignId,
      campaign.apiKeyId,
      Math.max(1, campaign.weight),
      priority,
      campaign.maxCallsPerSecond ?? 0,
      ...attemptIds,
    );
    return Number(reply);
  }

  /** Takes up to `count` attempts in fair order. */
  async pick(count: number): Promise<FairPick[]> {
    if (count <= 0) return [];
    const flat = (await this.#redis.eval(PICK, 0, this.#prefix, count)) as string[];
    const picks: FairPick[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      picks.push({ attemptId: flat[i] as string, campaignId: flat[i + 1] as string });
    }
    return picks;
  }

  /** The pump added these picks to BullMQ: they leave the handoff list. */
  async handedOff(attemptIds: readonly string[]): Promise<void> {
    if (attemptIds.length > 0) await this.#redis.zrem(`${this.#prefix}:handoff`, ...attemptIds);
  }

  /** Picks handed off over `olderThanMs` ago whose add was never confirmed (at most `count`). */
  async unconfirmed(olderThanMs: number, count: number): Promise<string[]> {
    return (await this.#redis.eval(RECOVER, 0, this.#prefix, olderThanMs, count)) as string[];
  }

  /** How many attempts of this campaign wait here. */
  async waiting(campaignId: string): Promise<number> {
    return this.#redis.zcard(`${this.#prefix}:c:${campaignId}`);
  }

  /** Runs `fn` only if no other process's pump holds the lock (held at most `ttlMs`). */
  async exclusive<T>(ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> {
    const lock = `${this.#prefix}:pump`;
    const token = `${process.pid}-${Math.random().toString(36).slice(2)}`;
    if ((await this.#redis.set(lock, token, 'PX', ttlMs, 'NX')) !== 'OK') return undefined;
    try {
      return await fn();
    } finally {
      await this.#redis.eval(RELEASE, 1, lock, token).catch(() => undefined);
    }
  }
}
