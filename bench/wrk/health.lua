-- GET /api/v1/health: the bare endpoint every other figure is compared with.
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "report.lua")
