-- GET one URL with a fixed bearer token (BENCH_TOKEN) or session cookie (BENCH_COOKIE).
package.path = os.getenv("BENCH_LUA_DIR") .. "/?.lua;" .. package.path
local report = require("report")

local token, cookie = os.getenv("BENCH_TOKEN"), os.getenv("BENCH_COOKIE")
if token and token ~= "" then wrk.headers["Authorization"] = "Bearer " .. token end
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end

function done(summary, latency, requests)
   io.write(report.line(summary, latency))
end
