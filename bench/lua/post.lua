-- POST a JSON body template to BENCH_PATH; "{c}" in BENCH_BODY becomes a random customer number below CUSTOMERS.
local path = os.getenv("BENCH_PATH")
local template = os.getenv("BENCH_BODY")
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1")
wrk.method = "POST"
wrk.headers["X-API-KEY"] = os.getenv("BENCH_API_KEY")
wrk.headers["Content-Type"] = "application/json"

request = function()
  local body = template:gsub("{c}", tostring(math.random(0, customers - 1)))
  return wrk.format(nil, path, nil, body)
end
