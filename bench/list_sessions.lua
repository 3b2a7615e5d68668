-- wrk script: authenticated POST /api/list_sessions with the session cookie from BENCH_COOKIE.
wrk.method = "POST"
wrk.body = ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Cookie"] = os.getenv("BENCH_COOKIE")

-- Any non-200 answer means the benchmark measured the wrong thing.
local failures = 0
response = function(status)
  if status ~= 200 then failures = failures + 1 end
end

done = function()
  io.write(string.format("non-200 responses: %d\n", failures))
end
