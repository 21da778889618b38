-- GET one of BENCH_COUNT paths BENCH_BASE<n> (n random in 1…BENCH_COUNT), or BENCH_BASE itself without BENCH_COUNT.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local count = tonumber(os.getenv("BENCH_COUNT") or "0")
setup = c.setup
done = c.done
request = function()
    local path = c.base
    if count > 0 then path = path .. math.random(1, count) end
    return wrk.format("GET", path, { ["Authorization"] = c.auth })
end
