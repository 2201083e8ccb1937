-- load.lua - one route class of bench/load_bench.sh's mixed load, for Debian's wrk 4.
-- wrk 4 has no fixed-rate mode (that is wrk2): each connection waits LOAD_DELAY_MS after each
-- answer (wrk's delay()), so the offered rate is at most connections * 1000 / LOAD_DELAY_MS and
-- latency is measured per request (closed loop: no coordinated-omission correction).
-- Environment: LOAD_CLASS (read|write|search|generate|scan|health), LOAD_DELAY_MS, LOAD_TOKEN,
-- LOAD_ADMIN_TOKEN (certs), LOAD_PROJECT, LOAD_TENANT, LOAD_BODY (file: generate/scan body).
local class = os.getenv("LOAD_CLASS")
local delay_ms = tonumber(os.getenv("LOAD_DELAY_MS") or "0")
local token = os.getenv("LOAD_TOKEN") or ""
local admin = os.getenv("LOAD_ADMIN_TOKEN") or token
local project = os.getenv("LOAD_PROJECT") or "northwind"
local tenant = os.getenv("LOAD_TENANT") or "acme"
local body = nil
local bf = os.getenv("LOAD_BODY")
if bf and bf ~= "" then
  local f = assert(io.open(bf, "rb"))
  body = f:read("*a")
  f:close()
end
local A = "/api/v1/projects/" .. project .. "/artifacts"
local n = 0
local id = tostring(math.random(1, 1000000))

local function req(method, path, tok, b, ctype)
  local h = { ["Authorization"] = "Bearer " .. tok }
  if ctype then h["Content-Type"] = ctype end
  return wrk.format(method, path, h, b)
end

request = function()
  n = n + 1
  if class == "read" then
    local i = n % 4
    if i == 0 then return req("GET", A, token)
    elseif i == 1 then return req("GET", A .. "/seed-" .. (n % 20) .. ".txt/content", token)
    elseif i == 2 then return req("GET", "/api/v1/tenants/" .. tenant .. "/certs", admin)
    else return req("GET", "/api/v1/whoami", token) end
  elseif class == "write" then
    return req("PUT", A .. "/load-" .. (n % 50) .. ".txt", token,
      "load " .. id .. " " .. n .. " quarterly firewall review notes\n", "text/plain")
  elseif class == "search" then
    local q = { "firewall", "seed", "quarterly", "review" }
    return req("GET", "/api/v1/artifacts/search?q=" .. q[n % 4 + 1] .. "&limit=10", token)
  elseif class == "generate" then
    return req("POST", "/api/v1/projects/" .. project .. "/generate", token, body, "application/json")
  elseif class == "scan" then
    return req("POST", "/api/v1/tenants/" .. tenant .. "/certs/scan", admin, body, "application/json")
  else
    return wrk.format("GET", "/healthz")
  end
end

delay = function() return delay_ms end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %s %d %d %.2f %.2f %.2f %.2f %d\n", class, summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, summary.duration))
end
