-- wrk script: optional method, headers and POST bodies from the environment,
-- and one JSON summary line with the percentiles the benchmark reports.
-- BENCH_BODIES names a file of form bodies, one a line: each request takes
-- the next line (each thread starts at a different place), so bookings of
-- "without contention" go to different slots. BENCH_BODY is one fixed body.
local method = os.getenv("BENCH_METHOD") or "GET"
local fixed = os.getenv("BENCH_BODY")
local bodies_file = os.getenv("BENCH_BODIES")
if fixed == "" then fixed = nil end

local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  server_errors = 0
  refused = 0
  bodies = {}
  if bodies_file and bodies_file ~= "" then
    for line in io.lines(bodies_file) do table.insert(bodies, line) end
    counter = (id * 7919) % math.max(#bodies, 1) + 1
  end
end

request = function()
  local payload = fixed
  if #bodies > 0 then
    payload = bodies[counter]
    counter = counter % #bodies + 1
  end
  return wrk.format(method, nil, nil, payload)
end

response = function(status, headers, body)
  if status >= 500 then
    server_errors = server_errors + 1
  elseif status >= 400 then
    refused = refused + 1
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout
  local five, four = 0, 0
  for _, thread in ipairs(threads) do
    five = five + thread:get("server_errors")
    four = four + thread:get("refused")
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "socket_errors": %d, ' ..
    '"status_errors": %d, "refused": %d}\n',
    summary.requests, summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, errors, five, four))
end
