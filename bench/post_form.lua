-- wrk script: authenticated form POST with the cookie from BENCH_COOKIE (or, with BENCH_KEY, an
-- API key as Authorization: Bearer) and the body from BENCH_BODY (a url-encoded form).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")
local key = os.getenv("BENCH_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
end

-- Any non-200 answer means the benchmark measured the wrong thing.
local failures = 0
response = function(status)
  if status ~= 200 then failures = failures + 1 end
end

done = function()
  io.write(string.format("non-200 responses: %d\n", failures))
end
