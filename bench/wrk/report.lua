-- Shared by the scripts: a numbered thread each, and one machine-readable summary line at the end.
local threads = {}

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function done(summary, latency, requests)
  local non2xx = summary.errors.status
  io.write(string.format(
    "WRK_SUMMARY requests=%d duration_us=%d non2xx=%d socket_errors=%d p50_us=%d p99_us=%d\n",
    summary.requests, summary.duration, non2xx,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99)))
end

-- Lines of a file, split on spaces: the devices the bench seeded ("key site_code camera_key").
function read_devices(path)
  local out = {}
  for line in io.lines(path) do
    local key, site, camera = line:match("^(%S+) (%S+) (%S+)$")
    if key then table.insert(out, {key = key, site = site, camera = camera}) end
  end
  return out
end
