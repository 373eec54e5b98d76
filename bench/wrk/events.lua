-- POST /api/v1/device/events: multipart, an event document and a real JPEG snapshot, a unique event_id per
-- request (wrk ... -- devices.txt threads snapshot.jpg sha256).
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")

local devices, n, step, jpeg, sha, run
local boundary = "bkbenchboundary7d1f"

function init(args)
  devices = read_devices(args[1])
  step = tonumber(args[2] or "1")
  local f = assert(io.open(args[3], "rb"))
  jpeg = f:read("*a")
  f:close()
  sha = args[4]
  n = tid or 0
  run = string.format("%x%x", os.time(), math.random(0, 0xffffff))
end

function request()
  local d = devices[(n % #devices) + 1]
  local id = string.format("w-%s-%d", run, n)
  n = n + step
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local doc = '{"event_id":"' .. id .. '","site_code":"' .. d.site .. '","camera_key":"' .. d.camera .. '",'
    .. '"code":"no_mask","started_at":"' .. now .. '","ended_at":"' .. now .. '","score":0.9,'
    .. '"model_name":"bench","model_version":"1","frame_width":1280,"frame_height":720,'
    .. '"evidence":[{"kind":"snapshot","sha256":"' .. sha .. '","size":' .. #jpeg .. ',"content_type":"image/jpeg"}]}'
  local body = "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="event"\r\nContent-Type: application/json\r\n\r\n' .. doc .. "\r\n"
    .. "--" .. boundary .. "\r\n"
    .. 'Content-Disposition: form-data; name="snapshot"; filename="s.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
    .. jpeg .. "\r\n--" .. boundary .. "--\r\n"
  return wrk.format("POST", "/api/v1/device/events",
    {["Authorization"] = "Bearer " .. d.key, ["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, body)
end
