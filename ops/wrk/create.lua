-- POST BENCH_BASE with a small version body: a new version per request.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
setup = c.setup
done = c.done
local body = '{"description":"bench","source":"s3://bench/model","tags":{"bench":"yes"},' ..
    '"metrics":[{"key":"accuracy","value":0.93,"dataset":"holdout"}]}'
request = function() return wrk.format("POST", c.base, c.headers, body) end
