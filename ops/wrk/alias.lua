-- Alternates setting alias BENCH_BASE (…/aliases/<name>) to a random one of BENCH_COUNT versions and reading it.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local count = tonumber(os.getenv("BENCH_COUNT") or "1")
setup = c.setup
done = c.done
local n = 0
request = function()
    n = n + 1
    if n % 2 == 1 then
        return wrk.format("PUT", c.base, c.headers, string.format('{"version":%d}', math.random(1, count)))
    end
    return wrk.format("GET", c.base, { ["Authorization"] = c.auth })
end
