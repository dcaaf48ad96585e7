-- POST unique comments for a fixed window, then drain; report what wrk saw as JSON.
--
-- Arguments (after "--"): TAG POST_SECONDS SITE THREAD ORIGIN NEW_THREAD_EVERY
--
-- wrk stops at -d by dropping its connections, so a POST in flight at that moment
-- could be stored without wrk ever seeing its 201. To make "stored == 201s seen"
-- an exact check, each connection posts only during the first POST_SECONDS and then
-- sends GET /healthz until wrk stops: by the end, every POST has had its answer.
-- Every status a POST got is counted in response(); a 200 is a drain GET.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local tag, post_seconds, site, thread_key, origin, new_every, deadline
local drain_request = nil
-- Globals, so that done() can read them from each thread with thread:get().
sent, drained, statuses = 0, 0, {}  -- "sent" includes wrk's one check call
first_sent, last_post_answer = nil, nil

function init(args)
  tag = args[1]
  post_seconds = tonumber(args[2])
  site, thread_key, origin = args[3], args[4], args[5]
  new_every = tonumber(args[6])
  deadline = now() + post_seconds
  drain_request = wrk.format("GET", "/healthz")
end

local names = {}
for i = 1, 300 do names[i] = string.format("Bench Reader %03d", i) end

-- What readers post: a few sentences of Markdown with links, code, quotes and lists,
-- at most 2 links (more than 3 would be held). Each is already escaped for JSON
-- (a "\\n" here is a newline in the body) and follows "Bench TAG/T/N";
-- %d is the post's number, so every body and every link is unique.
local bodies = {
  ": I *mostly* agree with this piece, but the numbers on bus frequency deserve a " ..
  "closer look.\\n\\n> Buses will run every 12 minutes until midnight.\\n\\nThe " ..
  "[published timetable](https://example.net/timetable/%d) says otherwise after nine, " ..
  "and route `42` has had **three** cancellations a week since March. Happy to be " ..
  "proven wrong, though.",
  ": Three things the article glosses over:\\n\\n- the *real* cost of the riverside " ..
  "park, see https://example.org/reports/park-%d\\n- rents near the station, which " ..
  "went up again\\n- late trains on the northern line\\n\\nDoes anyone know when the " ..
  "consultation closes? The council's page only says `TBC`.",
  ": I ran the open data myself:\\n\\n```\\nSELECT route, avg(wait_minutes)\\n  FROM " ..
  "buses GROUP BY route;\\n```\\n\\nRoute 7 averages **19 minutes**, not 12. The full " ..
  "table is on [my blog](https://blog.example/posts/%d) if anyone wants to check " ..
  "my working. Credit where it's due for publishing the data at all.",
  ": We went through the same thing in 2015.\\n\\n> The plan is fully funded.\\n\\nIt was " ..
  "not then and I doubt it is now: the [budget summary](https://www.example.gov/" ..
  "budget/%d) shows a gap of ~~two~~ *four* million, and the " ..
  "[minutes](https://example.com/minutes/2015) say the same. Not convinced, to be honest.",
}

function request()
  local t = now()
  if t >= deadline then
    return drain_request
  end
  first_sent = first_sent or t
  sent = sent + 1
  local key = thread_key
  if new_every > 0 and sent % new_every == 0 then
    key = string.format("bench-new-%s-%d-%d", tag, tid, sent)
  end
  local n = (tid * 7 + sent) % 300 + 1
  local text = string.format("Bench %s/%d/%d", tag, tid, sent) ..
    string.format(bodies[sent % #bodies + 1], sent)
  local body = string.format(
    '{"site":"%s","thread":"%s","url":"%s/news/%s","title":"Bench article",' ..
    '"body":"%s","author":{"name":"%s","email":"reader%03d@mail.example",' ..
    '"website":"https://reader%03d.example/"}}',
    site, key, origin, key, text, names[n], n, n)
  -- As the widget sends it: JSON, cross-origin from the site's own pages.
  return wrk.format("POST", "/api/v1/comments",
    {["Content-Type"] = "application/json", ["Origin"] = origin}, body)
end

function response(status, headers, body)
  if status == 200 then
    drained = drained + 1
    return
  end
  local k = tostring(status)
  statuses[k] = (statuses[k] or 0) + 1
  last_post_answer = now()
end

function done(summary, latency, requests)
  local sent_total, drained_total, first, last = 0, 0, math.huge, 0
  local by_status = {}
  for _, t in ipairs(threads) do
    sent_total = sent_total + t:get("sent")
    drained_total = drained_total + t:get("drained")
    local f, l = t:get("first_sent"), t:get("last_post_answer")
    if f and f > 0 and f < first then first = f end
    if l and l > last then last = l end
    for k, v in pairs(t:get("statuses")) do by_status[k] = (by_status[k] or 0) + v end
  end
  local parts = {}
  for k, v in pairs(by_status) do table.insert(parts, string.format('"%s":%d', k, v)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH {"sent":%d,"drain_gets":%d,"post_seconds":%.4f,"statuses":{%s},' ..
    '"requests":%d,"duration_us":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}}\n',
    sent_total, drained_total, (last > 0 and last - first or 0), table.concat(parts, ","),
    summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout))
end
