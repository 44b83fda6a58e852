import type { Redis } from 'ioredis';

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

/** Priorities are clamped to this range (the database allows the same). */
const PRIORITY_RANGE = 1000;
/** How far below the lowest pass a joining key starts: far under the smallest stride (1/1000). */
const JOIN_AHEAD = 1e-6;

/**
 * Adds a campaign's queued attempts.
 * ARGV[1] prefix (`…:fair`), ARGV[2] campaign id, ARGV[3] key id, ARGV[4] key weight,
 * ARGV[5] priority, ARGV[6] maxCallsPerSecond (0: none), ARGV[7…] attempt ids.
 * Returns how many attempts were new (an attempt offered twice is kept once).
 */
const OFFER = `
local prefix, campaign, key = ARGV[1], ARGV[2], ARGV[3]
local weight, priority, maxCps = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local attempts = prefix .. ':c:' .. campaign
local meta = prefix .. ':meta:' .. campaign
local campaigns = prefix .. ':k:' .. key
local clock = redis.call('TIME')
local nowMs = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local added = 0
for i = 7, #ARGV do
  added = added + redis.call('ZADD', attempts, 'NX', nowMs, ARGV[i])
end
redis.call('HSET', meta, 'key', key, 'priority', priority, 'max', maxCps)
redis.call('EXPIRE', meta, 86400)
redis.call('HSET', prefix .. ':weights', key, weight)
if redis.call('ZCARD', attempts) > 0 and not redis.call('ZSCORE', campaigns, campaign) then
  local keyPass = tonumber(redis.call('HGET', prefix .. ':kvt', key) or '0')
  redis.call('ZADD', campaigns, (${PRIORITY_RANGE} - priority) * 1e9 + keyPass, campaign)
end
if redis.call('ZCARD', campaigns) > 0 and not redis.call('ZSCORE', prefix .. ':keys', key) then
  -- Joins just below the lowest pass of the active keys (else the last picked one's): its first
  -- pick is the next one, even when several keys tie at the lowest pass. Never below the pass it
  -- left with, so a key that empties and refills at once cannot jump the line again.
  local lowest = redis.call('ZRANGE', prefix .. ':keys', 0, 0, 'WITHSCORES')
  local pass = tonumber(lowest[2] or redis.call('GET', prefix .. ':gvt') or '0') - ${JOIN_AHEAD}
  local left = tonumber(redis.call('HGET', prefix .. ':left', key) or '') or -math.huge
  redis.call('ZADD', prefix .. ':keys', math.max(pass, left), key)
end
return added
`;

/**
 * Picks up to ARGV[2] attempts. ARGV[1] prefix. Returns a flat list: attempt id, campaign id, …
 * Looks at the 64 lowest-pass keys and the 32 first campaigns of each per pick: a key whose
 * first 32 campaigns are all capped waits for one of them.
 */
const PICK = `
local prefix, wanted = ARGV[1], tonumber(ARGV[2])
local keysSet = prefix .. ':keys'
local clock = redis.call('TIME')
local nowMs = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function pickInKey(key)
  local campaignsKey = prefix .. ':k:' .. key
  local list = redis.call('ZRANGE', campaignsKey, 0, 31, 'WITHSCORES')
  for j = 1, #list, 2 do
    local campaign, score = list[j], tonumber(list[j + 1])
    local meta = prefix .. ':meta:' .. campaign
    local maxCps = tonumber(redis.call('HGET', meta, 'max') or '0')
    local nextAt = tonumber(redis.call('HGET', meta, 'next') or '0')
    if maxCps <= 0 or nextAt <= nowMs then
      local attempts = prefix .. ':c:' .. campaign
      local popped = redis.call('ZPOPMIN', attempts)
      if #popped > 0 then
        if maxCps > 0 then redis.call('HSET', meta, 'next', math.max(nextAt, nowMs) + 1000 / maxCps) end
        local priority = tonumber(redis.call('HGET', meta, 'priority') or '0')
        redis.call('HSET', prefix .. ':kvt', key, score - (${PRIORITY_RANGE} - priority) * 1e9)
        if redis.call('ZCARD', attempts) > 0 then
          redis.call('ZADD', campaignsKey, score + 1, campaign)
        else
          redis.call('ZREM', campaignsKey, campaign)
        end
        -- Handed off, not yet in BullMQ: kept until the pump confirms its add (see RECOVER).
        redis.call('ZADD', prefix .. ':handoff', nowMs, popped[1])
        return popped[1], campaign
      end
      redis.call('ZREM', campaignsKey, campaign)
    end
  end
  return nil, nil
end

local picked = {}
while #picked < wanted * 2 do
  local keys = redis.call('ZRANGE', keysSet, 0, 63, 'WITHSCORES')
  local got = false
  for i = 1, #keys, 2 do
    local key, pass = keys[i], tonumber(keys[i + 1])
    local attempt, campaign = pickInKey(key)
    local left = redis.call('ZCARD', prefix .. ':k:' .. key)
    if attempt then
      picked[#picked + 1] = attempt
      picked[#picked + 1] = campaign
      redis.call('SET', prefix .. ':gvt', pass + 1 / tonumber(redis.call('HGET', prefix .. ':weights', key) or '1'))
      local weight = tonumber(redis.call('HGET', prefix .. ':weights', key) or '1')
      if left > 0 then
        redis.call('ZADD', keysSet, pass + 1 / weight, key)
      else
        redis.call('ZREM', keysSet, key)
        redis.call('HSET', prefix .. ':left', key, pass + 1 / weight)
      end
      got = true
      break
    end
    if left == 0 then
      redis.call('ZREM', keysSet, key)
      redis.call('HSET', prefix .. ':left', key, pass)
    end
  end
  if not got then break end
end
return picked
`;

/**
 * Picks handed off longer than ARGV[2] ms ago and never confirmed (the pump's add to BullMQ
 * failed, or its process died in between). ARGV[1] prefix, ARGV[3] most returned. Returns the
 * attempt ids; they stay listed until `handedOff` confirms them.
 */
const RECOVER = `
local prefix, olderMs, most = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local nowMs = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
return redis.call('ZRANGEBYSCORE', prefix .. ':handoff', '-inf', nowMs - olderMs, 'LIMIT', 0, most)
`;

/** Releases the pump lock only if we still hold it. KEYS[1] lock, ARGV[1] our token. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

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
