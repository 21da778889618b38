-- Shared by the registry benchmark's wrk scripts: credentials and paths come from the environment, and every
-- script ends with one machine-readable line: RESULT <requests> <seconds> <p50 ms> <p99 ms> <non-2xx> <socket errors>.
local M = {}

-- An empty BENCH_AUTH sends no Authorization header (a server without authentication, /healthz).
M.auth = os.getenv("BENCH_AUTH")
if M.auth == "" then M.auth = nil end
M.base = os.getenv("BENCH_BASE") or ""
M.headers = { ["Authorization"] = M.auth, ["Content-Type"] = "application/json" }

local threads = {}
function M.setup(thread)
    thread:set("index", #threads)
    table.insert(threads, thread)
end

function M.done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format("RESULT %d %.3f %.3f %.3f %d %d\n", summary.requests, summary.duration / 1e6,
        latency:percentile(50) / 1000, latency:percentile(99) / 1000, e.status, e.connect + e.read + e.write + e.timeout))
end

return M
