-- wrk script: adds nothing to the request path (no request()/response() hooks, so wrk
-- keeps its fast path) and, when the run is done, writes one JSON object with
-- throughput, latency percentiles (microseconds) and error counts to $WRK_JSON_OUT
-- (stdout if unset).
done = function(summary, latency, requests)
  local e = summary.errors
  local secs = summary.duration / 1e6
  local out = string.format(
    '{"requests":%d,"duration_s":%.3f,"rps":%.1f,"bytes":%d,' ..
    '"lat_us":{"min":%d,"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d},' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    summary.requests, secs, summary.requests / secs, summary.bytes,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout)
  local path = os.getenv("WRK_JSON_OUT")
  if path and path ~= "" then
    local f = assert(io.open(path, "w"))
    f:write(out)
    f:close()
  else
    io.write(out)
  end
end
