-- tests/bench/pipeline.lua - wrk script: send DEPTH (default 16) requests
-- for the same path in one write, the fallback for the pipelined line
-- when h2load (nghttp2-client) is missing.  wrk counts each response.

local depth = 16
local batch

function init(args)
    depth = tonumber(args[1]) or depth
    local one = wrk.format(nil, nil)
    batch = string.rep(one, depth)
end

function request()
    return batch
end
