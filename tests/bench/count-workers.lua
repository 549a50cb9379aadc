-- tests/bench/count-workers.lua - wrk script: count the responses per
-- serving worker ("Request handled by worker-PID") and print one line
-- "worker PID N" per worker when the run ends.  Used by the accept-
-- strategy table with "Connection: close", where one response is one
-- accepted connection.  The per-response Lua callback costs wrk time, so
-- only that table uses it, for every strategy alike.

local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

counts = {}

function response(status, headers, body)
    local pid = body:match("worker%-(%d+)")
    if pid then
        counts[pid] = (counts[pid] or 0) + 1
    end
end

function done(summary, latency, requests)
    local total = {}
    for _, t in ipairs(threads) do
        for pid, n in pairs(t:get("counts")) do
            total[pid] = (total[pid] or 0) + n
        end
    end
    for pid, n in pairs(total) do
        io.write("worker ", pid, " ", n, "\n")
    end
end
