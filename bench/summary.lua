-- wrk script: prints one JSON line with the rate, p50/p99 (ms), the non-2xx/3xx count and
-- socket errors. With METHOD/BODY/CONTENT_TYPE set, sends that request instead of a GET.
local method = os.getenv("METHOD")
if method and method ~= "" then
  wrk.method = method
  wrk.body = os.getenv("BODY") or ""
  wrk.headers["Content-Type"] = os.getenv("CONTENT_TYPE") or "application/x-www-form-urlencoded"
end

done = function(summary, latency, requests)
  local seconds = summary.duration / 1000000
  io.write(string.format(
    '{"requests": %d, "rps": %.1f, "p50_ms": %.3f, "p99_ms": %.3f, "non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
