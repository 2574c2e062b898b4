-- Each request is the next of a list of (method, path, token) read from BENCH_REQUESTS, a
-- Lua file returning {tokens = {...}, requests = {{method, path, tokenIndex}, ...}}.
-- wrk thread k of n sends items k, k+n, k+2n, ...: no two threads ever send the same item,
-- so a list of distinct writes stays distinct. A thread that runs out starts over and
-- counts the repeats ("wrapped"), which the suite reports.
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local report = require("report")

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("index", thread_count)
   table.insert(threads, thread)
end

-- Globals, so that done() can read them from each thread with thread:get().
prepared, position, sent, wrapped, other_status = {}, 0, 0, 0, 0

function init(args)
   local data = dofile(os.getenv("BENCH_REQUESTS"))
   local total = tonumber(os.getenv("BENCH_THREADS"))
   for i = index, #data.requests, total do
      local item = data.requests[i]
      prepared[#prepared + 1] = wrk.format(item[1], item[2],
         {["Authorization"] = "Bearer " .. data.tokens[item[3]]})
   end
end

function request()
   position = position + 1
   if position > #prepared then
      position = 1
      wrapped = wrapped + 1
   end
   sent = sent + 1
   return prepared[position]
end

function response(status, headers, body)
   if status < 200 or (status >= 300 and status < 400) then other_status = other_status + 1 end
end

function done(summary, latency, requests)
   local total_sent, total_wrapped, total_other = 0, 0, 0
   for _, thread in ipairs(threads) do
      total_sent = total_sent + thread:get("sent")
      total_wrapped = total_wrapped + thread:get("wrapped")
      total_other = total_other + thread:get("other_status")
   end
   io.write(report.line(summary, latency, string.format(
      ',"sent":%d,"wrapped":%d,"other_status":%d', total_sent, total_wrapped, total_other)))
end
