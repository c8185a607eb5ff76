-- post.lua: the wrk script of loadbench. One request, repeated: method, body and the
-- Rocket.Chat auth headers come from the environment, so one script serves every endpoint.
-- done() prints one machine-readable line that loadbench parses (latencies in microseconds).
-- With LOADBENCH_UNIQUE=1, every "{n}" in the body becomes <thread>-<count>, a value no other
-- request of the run sends (a new channel name per request, say).

wrk.method = os.getenv("LOADBENCH_METHOD") or "POST"
wrk.body = os.getenv("LOADBENCH_BODY") or ""
if wrk.body ~= "" then
  wrk.headers["Content-Type"] = "application/json"
end
local uid = os.getenv("LOADBENCH_USER_ID") or ""
if uid ~= "" then
  wrk.headers["X-User-Id"] = uid
  wrk.headers["X-Auth-Token"] = os.getenv("LOADBENCH_AUTH_TOKEN") or ""
end

local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

if os.getenv("LOADBENCH_UNIQUE") == "1" then
  local n = 0
  request = function()
    n = n + 1
    return wrk.format(nil, nil, nil, (string.gsub(wrk.body, "{n}", tid .. "-" .. n)))
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "LOADBENCH {\"requests\":%d,\"durationUs\":%d,\"p50Us\":%d,\"p99Us\":%d,\"maxUs\":%d," ..
    "\"status\":%d,\"connect\":%d,\"read\":%d,\"write\":%d,\"timeout\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
