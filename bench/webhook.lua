-- wrk script for the webhook rows: POST pre-signed sipgate push events, one connection per
-- thread so each thread sends its newCall -> answer -> hangup sequences strictly in order.
-- Arguments (after --): FILE THREADS PATH XFF MODE
--   FILE     lines "signature<TAB>form body", sequences of GROUP lines kept together
--   THREADS  the -t value (each thread takes every THREADS-th sequence)
--   PATH     request path
--   XFF      X-Forwarded-For value ("-" for none)
--   MODE     "once" (stop the thread when its lines are used up) or "cycle" (repeat them)
local GROUP = 3
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

local requests = {}
local index = 0
local cycle = false

function init(args)
  local file, threads, path, xff = args[1], tonumber(args[2]), args[3], args[4]
  cycle = args[5] == "cycle"
  local n = 0
  for line in io.lines(file) do
    local sequence = math.floor(n / GROUP)
    if cycle or sequence % threads == id then
      local signature, body = line:match("^([^\t]*)\t(.*)$")
      local headers = {
        ["Content-Type"] = "application/x-www-form-urlencoded; charset=UTF-8",
        ["User-Agent"] = "sipgate.io",
        ["Accept"] = "application/xml, text/plain, text/html",
        ["X-Sipgate-Signature"] = signature,
      }
      if xff ~= "-" then
        headers["X-Forwarded-For"] = xff
      end
      requests[#requests + 1] = wrk.format("POST", path, headers, body)
    end
    n = n + 1
  end
end

function request()
  index = index + 1
  if index > #requests then
    if cycle then
      index = 1
    else
      -- Used up: stop this thread. wrk still wants a request; a repeated hangup is deduped.
      wrk.thread:stop()
      index = #requests
    end
  end
  return requests[index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
