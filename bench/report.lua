-- wrk script: optional POST body and headers from the environment, and a
-- JSON summary line with the percentiles the benchmark reports.
local body = os.getenv("BENCH_BODY")
local method = os.getenv("BENCH_METHOD") or "GET"
local vary = os.getenv("BENCH_VARY")  -- "slot": a different booking slot per request
local counter = 0

request = function()
  local payload = body
  if vary == "slot" and payload then
    counter = counter + 1
    payload = string.gsub(payload, "__N__", tostring(math.random(1, 1000000)))
  end
  return wrk.format(method, nil, nil, payload)
end

local non_success = 0
response = function(status, headers, body)
  if status >= 500 then non_success = non_success + 1 end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, summary.errors.status))
end
