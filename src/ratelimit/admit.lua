-- Admission for all replicas at once, atomically: the plan's GCRA, then its quota.
-- KEYS[1] GCRA state (theoretical arrival time, microseconds), KEYS[2] quota counter.
-- ARGV: interval_us (0 = no rate), burst, quota limit (-1 = none), quota ttl seconds,
--       seed (-1 = none: a missing counter is reported instead of created).
-- Returns {code, used, wait_us, remaining}: code 0 admitted (wait = until the bucket is full),
-- 1 throttled (wait = retry after), 2 quota spent (wait, remaining: the untouched bucket's),
-- 3 counter missing (seed it and call again).
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])

local used = 0
if limit >= 0 then
  local v = redis.call('GET', KEYS[2])
  if not v then
    local seed = tonumber(ARGV[5])
    if seed < 0 then return {3, 0, 0, 0} end
    redis.call('SET', KEYS[2], string.format('%d', seed), 'EX', ARGV[4], 'NX')
    v = redis.call('GET', KEYS[2])
  end
  used = tonumber(v)
end

local wait, remaining, new_tat, idle_wait, idle_remaining = 0, 0, 0, 0, 0
if interval > 0 then
  local tat = tonumber(redis.call('GET', KEYS[1]) or now)
  if tat < now then tat = now end
  idle_wait = tat - now
  new_tat = tat + interval
  local allow_at = new_tat - burst * interval
  if allow_at > now then
    return {1, used, allow_at - now, 0}
  end
  remaining = math.floor((now - allow_at) / interval)
  idle_remaining = math.min(remaining + 1, burst)
  wait = new_tat - now
end

if limit >= 0 then
  -- Spent: the bucket is left as it was (this request did not go through).
  if used >= limit then return {2, used, idle_wait, idle_remaining} end
  used = redis.call('INCR', KEYS[2])
end
if interval > 0 then
  -- '%.0f': a plain integer string; tostring would round microsecond times to 14 digits.
  redis.call('SET', KEYS[1], string.format('%.0f', new_tat), 'PX', math.ceil(wait / 1000) + 1000)
end
return {0, used, wait, remaining}
