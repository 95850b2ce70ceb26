-- wrk script for memory_soak.py: mostly small GETs, every 50th request a 1 MiB POST.
local big = string.rep("x", 1024 * 1024)
local n = 0
local close = os.getenv("SOAK_CLOSE") == "1"

request = function()
  n = n + 1
  local headers = {}
  if close then headers["Connection"] = "close" end
  if n % 50 == 0 then
    headers["Content-Type"] = "application/octet-stream"
    return wrk.format("POST", "/read-chunks?65536", headers, big)
  end
  return wrk.format("GET", "/pid", headers)
end
