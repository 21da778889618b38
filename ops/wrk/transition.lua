-- Moves versions BENCH_START, BENCH_START+1, … of BENCH_BASE{n}/transitions to Staging, each once: threads
-- interleave so no two requests touch the same version.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local start = tonumber(os.getenv("BENCH_START") or "1")
local step = tonumber(os.getenv("BENCH_THREADS") or "1")
setup = c.setup
done = c.done
local n = 0
request = function()
    local version = start + n * step + index
    n = n + 1
    return wrk.format("POST", c.base .. version .. "/transitions", c.headers, '{"to_stage":"Staging","comment":"bench"}')
end
