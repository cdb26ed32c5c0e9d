wrk.method = "POST"
wrk.body = "step=venue&choice=waive-principals&csrf_token=IjdhYzZhZDdmM2FmNmJjODJlMjQyY2JiZjdhZmRhNTAxMTE0YTk2OGIi.aw0bvA.S_3yj-xDVVjIBG7Um1rIu_J020I"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
-- Print wrk's figures as one JSON line: requests per second, latency percentiles, errors.
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    '{"rps": %.1f, "p50": %.2f, "p95": %.2f, "p99": %.2f, "requests": %d, "errors": %d}\n',
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors))
end
