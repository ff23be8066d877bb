-- wrk script: method, body and bearer token from the environment; prints one JSON result line.
local method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
local token = os.getenv("BENCH_TOKEN")
local content_type = os.getenv("BENCH_CONTENT_TYPE")

if method and method ~= "" then wrk.method = method end
if body and body ~= "" then wrk.body = body end
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
if content_type and content_type ~= "" then wrk.headers["Content-Type"] = content_type end

done = function(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "timeouts": %d, "non_2xx": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, errors.connect, errors.read, errors.write,
    errors.timeout, errors.status, latency:percentile(50), latency:percentile(99)))
end
