-- POST /api/v1/device/heartbeats, each request with the next device's key (wrk ... -- devices.txt).
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local devices, n, step

function init(args)
  devices = read_devices(args[1])
  n = tid or 0  -- threads start at different devices and step by the thread count
  step = tonumber(args[2] or "1")
end

function request()
  local d = devices[(n % #devices) + 1]
  n = n + step
  local body = '{"sent_at":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '","software_version":"bench",'
    .. '"cameras":[{"camera_key":"' .. d.camera .. '","status":"online","fps":10.0}]}'
  return wrk.format("POST", "/api/v1/device/heartbeats",
    {["Authorization"] = "Bearer " .. d.key, ["Content-Type"] = "application/json"}, body)
end
