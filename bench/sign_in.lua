-- wrk script: POST /api/sign_in with the benchmark account's password, counting the answers by
-- status (200 signed in; 503 `busy` would mean sign-ins were crowded out).
wrk.method = "POST"
wrk.body = "email=bench%40example.com&password=Bench-Mark-2026%21"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  statuses = {}
end

function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done()
  local totals = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    io.write(string.format("sign-in answers %d: %d\n", status, count))
  end
end
