-- Shared by the suite's wrk scripts: one machine-readable line with what wrk measured.
-- Latencies are in microseconds; "non2xx" counts responses with status >= 400 (wrk's own
-- count) plus the 3xx/1xx ones the scripts saw through response().
local report = {}

function report.line(summary, latency, extra)
   local e = summary.errors
   local seconds = summary.duration / 1e6
   return string.format(
      'BENCH_JSON {"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_us":%d,"p95_us":%d,"p99_us":%d,' ..
      '"max_us":%d,"mean_us":%.1f,"errors_status":%d,"errors_connect":%d,"errors_read":%d,' ..
      '"errors_write":%d,"errors_timeout":%d%s}\n',
      summary.requests, seconds, summary.requests / seconds,
      latency:percentile(50), latency:percentile(95), latency:percentile(99),
      latency.max, latency.mean, e.status, e.connect, e.read, e.write, e.timeout, extra or "")
end

return report
