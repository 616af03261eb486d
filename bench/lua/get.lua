-- GET a path template; "{c}" becomes a random customer number below CUSTOMERS.
local template = os.getenv("BENCH_PATH")
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1")
wrk.headers["X-API-KEY"] = os.getenv("BENCH_API_KEY")

request = function()
  local path = template:gsub("{c}", tostring(math.random(0, customers - 1)))
  return wrk.format("GET", path)
end
