-- POST BENCH_BODY to BENCH_BASE. With BENCH_START set, the body's %d becomes a version number used once:
-- BENCH_START, BENCH_START+1, … interleaved over the threads so no two requests touch the same version.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local body = os.getenv("BENCH_BODY") or "{}"
local start = tonumber(os.getenv("BENCH_START") or "")
local step = tonumber(os.getenv("BENCH_THREADS") or "1")
setup = c.setup
done = c.done
local n = 0
request = function()
    local text = body
    if start then
        text = string.format(body, start + n * step + index)
        n = n + 1
    end
    return wrk.format("POST", c.base, c.headers, text)
end
