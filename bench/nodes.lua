-- nodes.lua - one write class of bench/nodes_bench.sh, for Debian's wrk 4: closed loop, no pause.
-- Request n goes to tenant n % #tokens (its own token: the tenant comes from the token), so every
-- connection writes every tenant in turn, as behind a load balancer.
-- Environment: NODES_CLASS (put: a new version of one of 20 artifacts; request: an L1
-- platform.note through the gate), NODES_TOKENS (the tenants' project-manager tokens, comma
-- separated), NODES_TAG (this client's name, in the artifact's content).
local class = os.getenv("NODES_CLASS")
local tag = os.getenv("NODES_TAG") or "a"
local tokens = {}
for t in string.gmatch(os.getenv("NODES_TOKENS") or "", "[^,]+") do
  tokens[#tokens + 1] = t
end
local n = 0

request = function()
  n = n + 1
  local i = n % #tokens
  local h = { ["Authorization"] = "Bearer " .. tokens[i + 1] }
  if class == "put" then
    h["Content-Type"] = "text/markdown"
    return wrk.format("PUT", "/api/v1/projects/p/artifacts/v-" .. (n % 20) .. ".md", h,
      "version " .. tag .. "-" .. n .. " of the quarterly firewall review\n")
  end
  h["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/tenants/t" .. i .. "/gates", h,
    '{"kind":"platform.note","params":{"text":"bench ' .. tag .. ' ' .. n .. '"}}')
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %.2f %.2f\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
