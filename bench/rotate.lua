-- wrk script: requests from many people instead of one. Each request takes the next line of
-- SESSIONS_FILE (or TOKENS_FILE), a header "Name: value", round robin from a different start in
-- each thread, so every session or token is used in turn.
-- MIX=1: a mixed load instead, chosen per request: 80% GET PAGE_PATH (default /profile) with a
-- session, 15% GET API_PATH (default /api/v1/me) with a token, 5% POST WRITE_PATH (default
-- /fn/update_profile) with WRITE_BODY and a session.
-- Prints summary.lua's JSON line; set COUNT_STATUS=1 to count every non-2xx answer.
dofile("bench/summary.lua")

local threads_made = 0
local summary_setup = setup
function setup(thread)
  threads_made = threads_made + 1
  thread:set("id", threads_made)
  summary_setup(thread)
end

local function headers_in(path)
  local list = {}
  if path and path ~= "" then
    for line in io.lines(path) do
      local name, value = line:match("^([^:]+):%s*(.-)%s*$")
      if name then
        list[#list + 1] = { name, value }
      end
    end
  end
  return list
end

local summary_init = init
function init(args)
  if summary_init then
    summary_init(args)
  end
  sessions = headers_in(os.getenv("SESSIONS_FILE"))
  tokens = headers_in(os.getenv("TOKENS_FILE"))
  mix = os.getenv("MIX") == "1"
  page_path = os.getenv("PAGE_PATH") or "/profile"
  api_path = os.getenv("API_PATH") or "/api/v1/me"
  write_path = os.getenv("WRITE_PATH") or "/fn/update_profile"
  write_body = os.getenv("WRITE_BODY") or ""
  turn = (id - 1) * 7919
  math.randomseed(id)
end

local function next_of(list)
  turn = turn + 1
  local h = list[(turn % #list) + 1]
  return { [h[1]] = h[2] }
end

function request()
  if not mix then
    return wrk.format(nil, nil, next_of(#sessions > 0 and sessions or tokens))
  end
  local roll = math.random(100)
  if roll <= 80 then
    return wrk.format("GET", page_path, next_of(sessions))
  elseif roll <= 95 then
    return wrk.format("GET", api_path, next_of(tokens))
  end
  local h = next_of(sessions)
  h["Content-Type"] = "application/x-www-form-urlencoded"
  return wrk.format("POST", write_path, h, write_body)
end
