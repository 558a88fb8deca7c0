-- wrk script: stop after REQUESTS responses (default 200) and print p50/p99 and the rate as
-- one JSON line (milliseconds). Use with one thread and one connection, so the requests are sequential.
local limit = tonumber(os.getenv("REQUESTS") or "200")
local count = 0

response = function(status, headers, body)
  count = count + 1
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
  if count >= limit then
    wrk.thread:stop()
  end
end

done = function(summary, latency, requests)
  io.write(string.format(
    '{"requests": %d, "errors": %d, "p50_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
