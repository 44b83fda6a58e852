import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { GATEWAY_TIMEOUTS } from '../shared/gateway-timing.ts';
import type { Logger } from '../shared/logger.ts';

/** An access token as cached in this process and shared through Redis. */
export interface CachedToken {
  accessToken: string;
  /** Epoch ms at which the gateway stops accepting it (local clock at receipt + expires_in). */
  expiresAt: number;
  /** Lifetime granted, ms: sets how early a short-lived token is renewed. */
  lifetimeMs: number;
}

/** A token fetch takes well under a second; a holder that died frees the lock after this. */
const LOCK_TTL_MS = 10_000;
/** How long a process waits for the lock holder's token before fetching its own. */
const WAIT_FOR_HOLDER_MS = GATEWAY_TIMEOUTS.tokenHolderWaitMs;
const POLL_MS = GATEWAY_TIMEOUTS.tokenHolderPollMs;
/** A Redis command slower than this counts as Redis being down: we fall back to a direct fetch. */
const REDIS_OP_TIMEOUT_MS = GATEWAY_TIMEOUTS.redisOpMs;

/** Deletes the lock only if we still hold it, so a slow holder never frees someone else's lock. */
const RELEASE_LOCK =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

type Freshness = (token: CachedToken, now: number) => boolean;

/**
 * The access token shared by every worker through Redis, so a fleet of workers fetches one token
 * per lifetime instead of one each, and a 401 wave triggers one fetch. A Redis outage degrades
 * to per-process tokens, never to failed calls.
 */
export class SharedTokenStore {
  private readonly redis: Redis;
  private readonly key: string;
  private readonly lockKey: string;
  private readonly logger: Logger;

  constructor(redis: Redis, key: string, logger: Logger) {
    this.redis = redis;
    this.key = key;
    this.lockKey = `${key}:lock`;
    this.logger = logger;
  }

  /** A fresh token other than `stale`: from Redis, from the lock holder, or fetched under the lock. */
  async obtain(
    stale: string | undefined,
    isFresh: Freshness,
    fetch: () => Promise<CachedToken>,
    now: () => number,
  ): Promise<CachedToken> {
    const usable = (token: CachedToken | undefined) =>
      token && token.accessToken !== stale && isFresh(token, now()) ? token : undefined;
    const stored = usable(await this.read());
    if (stored) return stored;
    const lockId = randomUUID();
    const locked = await this.attempt(() => this.redis.set(this.lockKey, lockId, 'PX', LOCK_TTL_MS, 'NX'));
    if (locked === 'OK') {
      try {
        // Another process may have stored a token between our read and taking the lock.
        const again = usable(await this.read());
        if (again) return again;
        const token = await fetch();
        await this.attempt(() => this.redis.set(this.key, JSON.stringify(token), 'PX', ttl(token, now())));
        return token;
      } finally {
        await this.attempt(() => this.redis.eval(RELEASE_LOCK, 1, this.lockKey, lockId));
      }
    }
    if (locked !== undefined) {
      const deadline = now() + WAIT_FOR_HOLDER_MS;
      while (now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        const fromHolder = usable(await this.read());
        if (fromHolder) return fromHolder;
      }
      this.logger.warn({ key: this.key }, 'token lock holder did not publish a token in time; fetching directly');
    }
    return fetch();
  }

  private async read(): Promise<CachedToken | undefined> {
    const text = await this.attempt(() => this.redis.get(this.key));
    if (!text) return undefined;
    try {
      const value = JSON.parse(text) as CachedToken;
      return typeof value.accessToken === 'string' && typeof value.expiresAt === 'number' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Runs a Redis command; undefined when Redis fails or is too slow (logged once per failure). */
  private async attempt<T>(command: () => Promise<T>): Promise<T | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('redis command timed out')), REDIS_OP_TIMEOUT_MS);
      timer.unref();
    });
    try {
      return await Promise.race([command(), timeout]);
    } catch (thrown) {
      this.logger.warn({ err: (thrown as Error).message, key: this.key }, 'shared token store unavailable');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}

function ttl(token: CachedToken, now: number): number {
  return Math.max(1_000, token.expiresAt - now);
}
