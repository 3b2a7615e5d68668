-- wrk script: POST /api/sign_up with a new email on every request (one per thread and counter),
-- counting the answers by status: 200 (signed up) or 503 `busy` (the hashing queue was full).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  counter = 0
  statuses = {}
end

function request()
  counter = counter + 1
  local body = string.format(
    "name=Flood&email=flood-%d-%d%%40example.com&password=Bench-Mark-2026%%21&organization=Flood",
    id, counter)
  return wrk.format(nil, nil, nil, body)
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
    io.write(string.format("sign-up answers %d: %d\n", status, count))
  end
end
