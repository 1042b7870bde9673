/**
 * The Lua scripts behind the Redis counters. Each public operation is ONE script: Redis runs a script alone, so the
 * check and the increment of a reservation happen with no other replica's command in between, which is what makes a
 * budget shared by N replicas hold exactly like one held by a single process.
 *
 * Budget keys, per API key and period (P = the prefix):
 *   P b:<period>:<keyId>  HASH  spent, reserved      integer nano-USD (HINCRBY: exact sums, no float drift)
 *   P r:<period>:<keyId>  ZSET  <resId>:<nano> → the epoch ms at which the reservation expires
 *   P x:<period>:<keyId>  SET   expired reservations that a late settle may still turn into spend (once)
 * An expired reservation leaves the outstanding sum when the next script on that bucket prunes it (reserve, spend):
 * its members scored ≤ now are removed from the ZSET, their amounts (carried in the member) subtracted from `reserved`,
 * and kept in the expired SET. So a replica killed with reservations outstanding frees them by itself after the TTL,
 * with no sweeper process. The three keys get the same expiry (the period's end + a retention) in the same script, so
 * they always disappear together and `reserved` can never outlive the reservations it counts.
 *
 * Rate keys: P rate:<keyId> HASH rpm, tpm = GCRA theoretical arrival times (ms, %.17g so they round-trip exactly), the
 * same algorithm and arithmetic as rate-limiter.ts; the key expires when both times are in the past (a fresh key's state).
 *
 * Time: the caller's `now` when given (tests, replays), else Redis's own clock (TIME), one clock for every replica.
 */

const PRELUDE = `
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function prune(now)
  local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
  for _, member in ipairs(gone) do
    redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. string.match(member, ':(%d+)$'))
    redis.call('SADD', KEYS[3], member)
  end
  if #gone > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
end
local function keep(now, periodEnd, retention)
  local ms = math.max(periodEnd - now, 0) + retention
  for i = 1, 3 do redis.call('PEXPIRE', KEYS[i], ms) end
end
local function totals()
  local v = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
  return tonumber(v[1]) or 0, tonumber(v[2]) or 0
end
`;

/** KEYS b r x · ARGV now|'' maxNano budgetNano|'' member ttlMs periodEnd retentionMs → {admitted, spent, reserved} */
export const RESERVE = `${PRELUDE}
local now = clock(ARGV[1])
prune(now)
-- The same member again is a retried call whose first run succeeded: it must not reserve twice.
if redis.call('ZSCORE', KEYS[2], ARGV[4]) or redis.call('SISMEMBER', KEYS[3], ARGV[4]) == 1 then
  local spent, reserved = totals()
  return {1, spent, reserved}
end
local spent, reserved = totals()
if ARGV[3] ~= '' and spent + reserved + tonumber(ARGV[2]) > tonumber(ARGV[3]) then return {0, spent, reserved} end
redis.call('HINCRBY', KEYS[1], 'reserved', ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[5]), ARGV[4])
keep(now, tonumber(ARGV[6]), tonumber(ARGV[7]))
return {1, spent, reserved}
`;

/**
 * Settle (actualNano given) or release (''): KEYS b r x · ARGV member actualNano|'' periodEnd retentionMs → 1 done, 0 no-op.
 * A reservation already settled, released, or expired and then settled, is in neither the ZSET nor the SET: a no-op.
 */
export const FINISH = `${PRELUDE}
if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then
  redis.call('HINCRBY', KEYS[1], 'reserved', '-' .. string.match(ARGV[1], ':(%d+)$'))
elseif redis.call('SREM', KEYS[3], ARGV[1]) == 0 then
  return 0
end
if ARGV[2] ~= '' then
  redis.call('HINCRBY', KEYS[1], 'spent', ARGV[2])
  keep(clock(''), tonumber(ARGV[3]), tonumber(ARGV[4]))
end
return 1
`;

/** KEYS b r x · ARGV now|'' → {spent, reserved} after pruning expired reservations. */
export const SPEND = `${PRELUDE}
prune(clock(ARGV[1]))
local spent, reserved = totals()
return {spent, reserved}
`;

const RATE_PRELUDE = `
local WINDOW = 60000
local function clock(arg)
  if arg ~= '' then return tonumber(arg) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
end
local function fmt(x) return string.format('%.17g', x) end
local function expireAfter(rpmTat, tpmTat, now)
  redis.call('PEXPIRE', KEYS[1], math.max(1, math.ceil(math.max(rpmTat, tpmTat) - now)) + 1000)
end
`;

/** KEYS rate · ARGV now|'' rpm|'' tpm|'' tokens → {1} or {0, retryAfterMs, 'rpm'|'tpm'}. Mirrors rate-limiter.ts check(). */
export const CHECK_RATE = `${RATE_PRELUDE}
local function decide(tat, limit, cost, now)
  local interval = WINDOW / limit
  local start = math.max(tat, now)
  local newTat = start + cost * interval
  local oversized = cost * interval > WINDOW
  if newTat - now <= WINDOW or (oversized and tat <= now) then return newTat, 0 end
  if oversized then return tat, start - now end
  return tat, newTat - now - WINDOW
end
local now = clock(ARGV[1])
local state = redis.call('HMGET', KEYS[1], 'rpm', 'tpm')
local rpmTat, tpmTat = tonumber(state[1]) or now, tonumber(state[2]) or now
local rpmNew, rpmWait, tpmNew, tpmWait = rpmTat, 0, tpmTat, 0
if ARGV[2] ~= '' then rpmNew, rpmWait = decide(rpmTat, tonumber(ARGV[2]), 1, now) end
if ARGV[3] ~= '' then tpmNew, tpmWait = decide(tpmTat, tonumber(ARGV[3]), math.max(0, tonumber(ARGV[4])), now) end
if rpmWait > 0 or tpmWait > 0 then
  -- Ceil: a client that waits exactly Retry-After must then be admitted.
  local wait = math.ceil(math.max(rpmWait, tpmWait))
  if rpmWait >= tpmWait then return {0, wait, 'rpm'} end
  return {0, wait, 'tpm'}
end
redis.call('HSET', KEYS[1], 'rpm', fmt(rpmNew), 'tpm', fmt(tpmNew))
expireAfter(rpmNew, tpmNew, now)
return {1}
`;

/** KEYS rate · ARGV now|'' tpm deltaTokens → corrects the tpm arrival time by (actual - estimated) tokens. */
export const RECORD_TOKENS = `${RATE_PRELUDE}
local state = redis.call('HMGET', KEYS[1], 'rpm', 'tpm')
if not state[2] then return 0 end
local now = clock(ARGV[1])
local tpmTat = tonumber(state[2]) + tonumber(ARGV[3]) * (WINDOW / tonumber(ARGV[2]))
redis.call('HSET', KEYS[1], 'tpm', fmt(tpmTat))
expireAfter(tonumber(state[1]) or now, tpmTat, now)
return 1
`;
