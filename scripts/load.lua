-- wrk script for scripts/load.sh: cycles through the main pages, signed in by the
-- session cookie in $LOAD_COOKIE, and counts every response that is not a 200.
local paths = {}
for path in string.gmatch(os.getenv("LOAD_PATHS") or "/", "[^,]+") do
  table.insert(paths, path)
end
local cookie = os.getenv("LOAD_COOKIE") or ""
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  index = math.random(#paths)
  not_ok = 0
  responses = 0
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index], { ["Cookie"] = cookie, ["Host"] = "127.0.0.1" })
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    not_ok = not_ok + 1
    if not_ok <= 5 then
      io.stderr:write("not 200: " .. status .. " for " .. paths[index] .. "\n")
    end
  end
end

function done(summary, latency, requests)
  local bad, seen = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("not_ok")
    seen = seen + thread:get("responses")
  end
  io.write(string.format("responses checked: %d, not 200: %d\n", seen, bad))
  io.write(string.format("latency p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
