/**
 * The rate guard's Lua scripts (rate-guard.ts explains the design). Each opens with what its
 * KEYS and ARGV mean, copies them into named locals, and returns the reason codes below.
 */

/**
 * Why the guard refused, as returned by ACQUIRE's third value. Shared with the Lua side (the
 * numbers are spliced into the script), so neither side spells a bare number.
 *   paused      – the global pause is in force;
 *   window_full – `limit` requests in flight or answered within the last window;
 *   pace        – a quota running low asks for a minimum gap between starts;
 *   yield       – a slot is free, but an urgent request is waiting for it;
 *   spacing     – see `spacingMs`.
 */
const DENY_REASONS = { paused: 1, window_full: 2, pace: 3, yield: 4, spacing: 5 } as const;
export type DenyReason = keyof typeof DENY_REASONS;
export const REASON_BY_CODE: ReadonlyMap<number, DenyReason> = new Map(
  Object.entries(DENY_REASONS).map(([reason, code]) => [code as number, reason as DenyReason]),
);

/** Reads Redis's clock in ms into `now`: every script judges time by Redis alone. */
const REDIS_NOW = `
local redisTime = redis.call('TIME')
local now = tonumber(redisTime[1]) * 1000 + math.floor(tonumber(redisTime[2]) / 1000)
`;

/**
 * One admission try.
 * KEYS[1] log     zset of slots, scored by lease end (in flight) or answer time (answered)
 * KEYS[2] pause   pause-until, ms (Redis time)
 * KEYS[3] pace    minimum gap between starts, ms, while a quota runs low
 * KEYS[4] last    time of the last admission, ms
 * KEYS[5] alive   marker; its absence means Redis lost our state
 * KEYS[6] urgent  zset of waiting urgent requests, scored by hold end
 * ARGV[1] limit        starts allowed per window
 * ARGV[2] window       window length, ms
 * ARGV[3] slot         id of the slot to log when admitted
 * ARGV[4] lease        lease of an in-flight slot, ms
 * ARGV[5] urgentHold   0 for a bulk request; else how long this try holds bulk requests back, ms
 * ARGV[6] waiter       the urgent request's waiter id ('' for bulk)
 * ARGV[7] spacing      least gap between bulk admissions, ms
 * KEYS[7] seq     admissions so far: the epoch of our state
 * KEYS[8] margin  the adaptive guard's margin, ms
 * KEYS[9] smooth  set once the gateway refused like a smoothing counter (SpikeArrest)
 * ARGV[8] seen         the highest seq this process was handed (0 if none)
 * ARGV[9] adaptive     1 in adaptive mode: smoothing spaces bulk admissions 1000/limit + margin
 * Returns {1, seq, 0} when admitted, else {0, waitMs, reason code (DENY_REASONS)}.
 * A seq below `seen` means Redis went back in time (an old snapshot restored): the requests
 * admitted since that snapshot are missing from the log, so the guard first waits one window.
 */
export const ACQUIRE = `
local logKey, pauseKey, paceKey, lastKey, aliveKey, urgentKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local seqKey, marginKey, smoothKey = KEYS[7], KEYS[8], KEYS[9]
local seen = tonumber(ARGV[8])
local adaptive = tonumber(ARGV[9]) == 1
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local slot = ARGV[3]
local lease = tonumber(ARGV[4])
local urgentHold = tonumber(ARGV[5])
local waiter = ARGV[6]
local spacing = tonumber(ARGV[7])
local PAUSED, WINDOW_FULL, PACE, YIELD, SPACING = ${DENY_REASONS.paused}, ${DENY_REASONS.window_full}, ${DENY_REASONS.pace}, ${DENY_REASONS.yield}, ${DENY_REASONS.spacing}
${REDIS_NOW}
local seq = tonumber(redis.call('GET', seqKey) or '0')
if redis.call('EXISTS', aliveKey) == 0 or seq < seen then
  redis.call('SET', aliveKey, now)
  redis.call('SET', pauseKey, now + window, 'PX', window)
  if seq < seen then redis.call('SET', seqKey, seen) end
end
if adaptive and redis.call('EXISTS', smoothKey) == 1 then
  spacing = math.ceil(1000 / limit + tonumber(redis.call('GET', marginKey) or '0'))
end
redis.call('ZREMRANGEBYSCORE', urgentKey, '-inf', now)
if urgentHold > 0 then
  redis.call('ZADD', urgentKey, now + urgentHold, waiter)
  redis.call('PEXPIRE', urgentKey, urgentHold)
end
local pausedUntil = tonumber(redis.call('GET', pauseKey) or '0')
if pausedUntil > now then return {0, pausedUntil - now, PAUSED} end
redis.call('ZREMRANGEBYSCORE', logKey, '-inf', now - window)
if redis.call('ZCARD', logKey) >= limit then
  local oldest = tonumber(redis.call('ZRANGE', logKey, 0, 0, 'WITHSCORES')[2])
  -- Every slot is in flight: one frees a window after its answer, which we cannot foresee.
  if oldest > now then return {0, 25, WINDOW_FULL} end
  return {0, oldest + window - now + 1, WINDOW_FULL}
end
-- A slot is free but an urgent request waits for it: bulk requests ask again shortly.
if urgentHold == 0 and redis.call('ZCARD', urgentKey) > 0 then return {0, 50, YIELD} end
local pace = tonumber(redis.call('GET', paceKey) or '0')
local last = tonumber(redis.call('GET', lastKey) or '0')
if pace > 0 and last + pace > now then return {0, last + pace - now, PACE} end
if urgentHold == 0 and last + spacing > now then return {0, last + spacing - now, SPACING} end
redis.call('ZADD', logKey, now + lease, slot)
redis.call('PEXPIRE', logKey, window * 2 + lease)
redis.call('SET', lastKey, now, 'PX', math.max(window, pace) * 2)
if urgentHold > 0 then redis.call('ZREM', urgentKey, waiter) end
return {1, redis.call('INCR', seqKey), 0}
`;

/**
 * Adaptive mode: the request's last byte left. Its slot is logged from this moment plus the
 * margin (it frees one window after that), no longer from its answer.
 * KEYS[1] log   KEYS[2] margin   ARGV[1] slot   ARGV[2] window, ms   ARGV[3] initial margin, ms.
 * Returns the margin used.
 */
export const DEPART = `
local logKey, marginKey, slot, window = KEYS[1], KEYS[2], ARGV[1], tonumber(ARGV[2])
${REDIS_NOW}
local margin = tonumber(redis.call('GET', marginKey) or ARGV[3])
redis.call('ZREM', logKey, slot)
redis.call('ZADD', logKey, now + margin, slot .. ':sent')
redis.call('PEXPIRE', logKey, window * 2 + 10000)
return math.floor(margin)
`;

/**
 * Adaptive mode: additive decrease of the margin per accepted request, multiplicative increase
 * per 429 (at most once a second: a burst of refusals is one lesson).
 * KEYS[1] margin   KEYS[2] smooth   KEYS[3] bumped (lock of the increase)
 * ARGV[1] status   ARGV[2] 1 when the refusal was SpikeArrest's   ARGV[3] least margin, ms
 * ARGV[4] most margin, ms   ARGV[5] decrease per accepted request, ms   ARGV[6] initial margin, ms
 * Returns the margin now, ms.
 */
export const ADAPT = `
local marginKey, smoothKey, bumpedKey = KEYS[1], KEYS[2], KEYS[3]
local status, spike = tonumber(ARGV[1]), tonumber(ARGV[2]) == 1
local least, most, step, initial = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local margin = tonumber(redis.call('GET', marginKey) or tostring(initial))
if status == 429 then
  if spike then redis.call('SET', smoothKey, 1, 'EX', 3600) end
  if redis.call('SET', bumpedKey, 1, 'PX', 1000, 'NX') then margin = math.min(most, margin * 1.5 + 10) end
elseif status >= 200 and status < 300 then
  margin = math.max(least, margin - step)
end
redis.call('SET', marginKey, tostring(margin), 'EX', 86400)
return math.floor(margin)
`;

/**
 * The request's answer is back: its slot now frees one window from now (if still logged).
 * KEYS[1] log   ARGV[1] slot.   Returns 1 if the slot was rescored.
 */
export const COMPLETE = `
local logKey, slot = KEYS[1], ARGV[1]
${REDIS_NOW}
return redis.call('ZADD', logKey, 'XX', now, slot)
`;

/**
 * Renews an in-flight slot's lease; a slot already answered (score in the past) is left alone.
 * KEYS[1] log   ARGV[1] slot   ARGV[2] lease, ms   ARGV[3] window, ms.   Returns 1 if renewed.
 */
export const RENEW = `
local logKey, slot = KEYS[1], ARGV[1]
local lease, window = tonumber(ARGV[2]), tonumber(ARGV[3])
${REDIS_NOW}
local score = redis.call('ZSCORE', logKey, slot)
if not score or tonumber(score) <= now then return 0 end
redis.call('ZADD', logKey, 'XX', now + lease, slot)
redis.call('PEXPIRE', logKey, window * 2 + lease)
return 1
`;

/**
 * Extends the pause to now + ms (never shortens it).
 * KEYS[1] pause   ARGV[1] ms.   Returns the pause left in ms.
 */
export const PAUSE = `
local pauseKey, ms = KEYS[1], tonumber(ARGV[1])
${REDIS_NOW}
local wanted = now + ms
local current = tonumber(redis.call('GET', pauseKey) or '0')
if wanted > current then
  redis.call('SET', pauseKey, wanted, 'PX', ms)
  return wanted - now
end
return current - now
`;

/** KEYS[1] pause.   Returns the pause left in ms (0 when none). */
export const PAUSE_LEFT = `
local pauseKey = KEYS[1]
${REDIS_NOW}
local pausedUntil = tonumber(redis.call('GET', pauseKey) or '0')
if pausedUntil > now then return pausedUntil - now end
return 0
`;
