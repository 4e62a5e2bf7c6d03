-- wrk script of `scripts/bench-serve.sh`. Given a URL with a path, it sends that request again
-- and again (the SQL comparison); given the bare server URL, the mixed read workload against
-- `macaroni serve` on the synthetic repository of `macaroni bench query` (models
-- hf:org<i mod 5000>/model-<i>): each request picks one kind in turn: searches, a model page,
-- lineage, facets, a Hub listing.

local models = 1000000
local kinds = {
  function() return "/api/v1/search?q=task:text-classification&limit=20" end,
  function() return "/api/v1/search?q=license:permissive+task:text-generation&limit=20" end,
  function() return "/api/v1/search?q=top1@imagenet-1k%3E%3D80&limit=20" end,
  function() return "/api/v1/search?q=publisher:org" .. math.random(0, 4999) .. "&limit=20" end,
  function()
    local i = math.random(0, models - 1)
    return "/api/v1/entity?id=hf:org" .. (i % 5000) .. "/model-" .. i
  end,
  function()
    local i = math.random(0, models - 1)
    return "/api/v1/lineage?id=hf:org" .. (i % 5000) .. "/model-" .. i .. "&direction=up"
  end,
  function() return "/api/v1/facets?q=task:translation+language:de" end,
  function() return "/api/models?pipeline_tag=text-classification&sort=downloads&limit=20" end,
}

local counter = 0

request = function()
  if wrk.path ~= "/" then
    return wrk.format("GET", wrk.path)
  end
  counter = counter + 1
  local path = kinds[(counter % #kinds) + 1]()
  return wrk.format("GET", path)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT requests=%d errors=%d rps=%.1f p50_ms=%.2f p99_ms=%.2f\n",
    summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
