-- POST BENCH_BASE with a small version body: a new version per request. With BENCH_MODELS=n, BENCH_BASE holds a
-- %d and each request goes to one of n models at random (their version numbers no longer queue on one row lock).
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
done = c.done
local body = '{"description":"bench","source":"s3://bench/model","tags":{"bench":"yes"},' ..
    '"metrics":[{"key":"accuracy","value":0.93,"dataset":"holdout"}]}'
local models = tonumber(os.getenv("BENCH_MODELS") or "0")
request = function()
    local path = c.base
    if models > 0 then path = string.format(c.base, math.random(1, models)) end
    return wrk.format("POST", path, c.headers, body)
end
