-- wrk script: prints one JSON line with the rate, p50/p99 (ms), the count of answers that were
-- not what a working scenario gives, and socket errors. With METHOD/BODY/CONTENT_TYPE set,
-- sends that request instead of a GET.
--
-- "non_2xx" is wrk's own count of statuses over 399, unless COUNT_STATUS=1 (the smoke run):
-- then every answer outside 200-299 counts, so a signed-in scenario that turns into a
-- redirect to /login fails the run. Counting needs a Lua call per response, which costs
-- throughput, so full runs leave it off (run.sh checks each scenario's first answer anyway).
local method = os.getenv("METHOD")
if method and method ~= "" then
  wrk.method = method
  wrk.body = os.getenv("BODY") or ""
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/x-www-form-urlencoded"
end

local count_status = os.getenv("COUNT_STATUS") == "1"
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

if count_status then
  function init(args)
    not_ok = 0
  end

  function response(status, headers, body)
    if status < 200 or status > 299 then
      not_ok = not_ok + 1
    end
  end
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  local non_2xx = summary.errors.status
  if count_status then
    non_2xx = 0
    for _, thread in ipairs(threads) do
      non_2xx = non_2xx + (thread:get("not_ok") or 0)
    end
  end
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    non_2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
