-- POST batches of BENCH_BATCH items to BENCH_PATH (usages or events), each with a unique idempotency key.
-- BENCH_KIND: "usage" or "events". BENCH_CUSTOMERS: customers to spread over (1 = one hot counter).
local kind = os.getenv("BENCH_KIND")
local path = os.getenv("BENCH_PATH")
local batch = tonumber(os.getenv("BENCH_BATCH") or "1000")
local customers = tonumber(os.getenv("BENCH_CUSTOMERS") or "1")
local run = os.getenv("BENCH_RUN") or "run"
local counter = 0
local thread_id = 0
local next_thread = 0

setup = function(thread)
  thread:set("thread_id", next_thread)
  next_thread = next_thread + 1
end

wrk.method = "POST"
wrk.headers["X-API-KEY"] = os.getenv("BENCH_API_KEY")
wrk.headers["Content-Type"] = "application/json"

request = function()
  local items = {}
  for i = 1, batch do
    counter = counter + 1
    local customer = "bench-customer-" .. math.random(0, customers - 1)
    local key = run .. "-" .. thread_id .. "-" .. counter
    if kind == "usage" then
      items[i] = '{"customerId":"' .. customer .. '","featureId":"bench-calls","value":1,"idempotencyKey":"' .. key .. '"}'
    else
      items[i] = '{"customerId":"' .. customer .. '","eventName":"bench-call","idempotencyKey":"' .. key .. '","dimensions":{"region":"eu"}}'
    end
  end
  local field = kind == "usage" and "usages" or "events"
  return wrk.format(nil, path, nil, '{"' .. field .. '":[' .. table.concat(items, ",") .. ']}')
end
