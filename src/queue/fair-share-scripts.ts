/**
 * The fair-share scheduler's Lua scripts (fair-share.ts explains the design and the keys). Each
 * says what its ARGV mean; every script judges time by Redis's clock.
 */

/** Priorities are clamped to this range (the database allows the same). */
export const PRIORITY_RANGE = 1000;
/** How far below the lowest pass a joining key starts: far under the smallest stride (1/1000). */
const JOIN_AHEAD = 1e-6;

/**
 * Adds a campaign's queued attempts.
 * ARGV[1] prefix (`…:fair`), ARGV[2] campaign id, ARGV[3] key id, ARGV[4] key weight,
 * ARGV[5] priority, ARGV[6] maxCallsPerSecond (0: none), ARGV[7…] attempt ids.
 * Returns how many attempts were new (an attempt offered twice is kept once).
 */
export const OFFER = `
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
export const PICK = `
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
export const RECOVER = `
local prefix, olderMs, most = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local nowMs = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
return redis.call('ZRANGEBYSCORE', prefix .. ':handoff', '-inf', nowMs - olderMs, 'LIMIT', 0, most)
`;

/** Releases the pump lock only if we still hold it. KEYS[1] lock, ARGV[1] our token. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;
