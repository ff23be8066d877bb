-- wrk script: method, body and bearer token from the environment; prints one JSON result line.
-- With BENCH_STATUSES set it also counts the answers per status (which costs wrk some speed).
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local content_type = os.getenv("BENCH_CONTENT_TYPE")
local count_statuses = os.getenv("BENCH_STATUSES")

if method and method ~= "" then wrk.method = method end
if body and body ~= "" then wrk.body = body end
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
if content_type and content_type ~= "" then wrk.headers["Content-Type"] = content_type end

local threads = {}
setup = function(thread) table.insert(threads, thread) end

if count_statuses and count_statuses ~= "" then
  statuses = {}
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
  end
end

done = function(summary, latency, requests)
  local errors = summary.errors
  local counts = {}
  for _, thread in ipairs(threads) do
    local seen = thread:get("statuses")
    if seen then
      for status, n in pairs(seen) do counts[status] = (counts[status] or 0) + n end
    end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', status, n)) end
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "non_2xx": %d, "p50_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "statuses": {%s}}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.timeout, errors.status, latency:percentile(50), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
