#!/bin/sh
# Load run of the public front door: wrk posts Open311 reports against `safer serve` on
# loopback for DURATION at CONNECTIONS concurrent clients, then checks that every 2xx answer is
# one report in the database (none lost, none duplicated) and prints the latency percentiles.
# Not a test and not timed by CI. See bench/README.md.
# Usage: bench/public-load.sh [--duration 60s] [--connections 100] [--threads 2]
set -eu
duration=60s
connections=100
threads=2
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null 2>&1 || { echo "wrk is missing (Debian package wrk)" >&2; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
work=/tmp/safer-bench/public-load
rm -rf "$work"
mkdir -p "$work"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p safer_cli
safer="$root/target/release/safer"
export SAFER_DATA_DIR="$work/data"
export SAFER_LOG=warn
export SAFER_PUBLIC__PARTNERSHIP=safer-maidstone-partnership
export SAFER_PUBLIC__AGENCY=maidstone-borough-council
export SAFER_PUBLIC__TRIAGE="$root/plans/maidstone-asb-triage.toml"
# One load generator on one address: the per-address limit would refuse it (Open311 is keyed,
# not limited per address, but the web forms are).
export SAFER_PUBLIC__SUBMISSIONS_PER_ADDRESS_PER_HOUR=100000000
# The demo's partnership, agencies and accounts, without serving.
"$safer" demo --dir "$work/data" --no-serve >/dev/null
key=$("$safer" open311 add --name load-run --no-limit | tail -n 1)
port=18089
"$safer" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
cat >"$work/post.lua" <<LUA
-- Each request a distinct report; 2xx and other answers counted per thread.
local counter = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
function init(args)
  ok = 0
  other = 0
  -- The reference of every 2xx answer, so the run can check each is in the database.
  refs = io.open("$work/refs-" .. id .. ".txt", "w")
  refs:setvbuf("line")
end
request = function()
  counter = counter + 1
  local body = "api_key=$key&service_code=noise&lat=51.2723&long=0.5228" ..
    "&description=load-run-" .. id .. "-" .. counter
  return wrk.format("POST", "/open311/v2/requests.json",
    { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end
response = function(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    refs:write((string.match(body, '"service_request_id":"([^"]+)"') or "none") .. "\n")
  else
    other = other + 1
  end
end
done = function(summary, latency, requests)
  local total_ok, total_other = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_other = total_other + thread:get("other")
  end
  io.write(string.format("2xx=%d other=%d\n", total_ok, total_other))
  for _, p in ipairs({ 50, 90, 99, 99.9 }) do
    io.write(string.format("p%s=%.1fms\n", p, latency:percentile(p) / 1000))
  end
end
LUA
wrk -t "$threads" -c "$connections" -d "$duration" --latency -s "$work/post.lua" \
  "http://127.0.0.1:$port" | tee "$work/wrk.txt"
kill $server
wait $server 2>/dev/null || true
trap - EXIT
ok=$(sed -n 's/^2xx=\([0-9]*\).*/\1/p' "$work/wrk.txt")
cat "$work"/refs-*.txt >"$work/refs.txt"
echo "wrk counted $ok 2xx answers."
"$safer" open311 count --check "$work/refs.txt" | tee "$work/count.txt"
reports=$(head -n 1 "$work/count.txt" | cut -d' ' -f1)
distinct=$(head -n 1 "$work/count.txt" | cut -d' ' -f8)
missing=$(sed -n 's/.* found, \([0-9]*\) missing$/\1/p' "$work/count.txt")
# Requests still in flight when wrk stops at the deadline may be written but not counted by
# wrk: at most one per connection.
extra=$((reports - ok))
if [ "$missing" = 0 ] && [ "$reports" = "$distinct" ] && [ "$extra" -ge 0 ] && [ "$extra" -le "$connections" ]; then
  echo "OK: every 2xx answer's reference is a report (none lost); $reports reports with $distinct distinct descriptions (none duplicated); $extra written for requests still in flight at the deadline."
else
  echo "MISMATCH: $ok 2xx answers ($missing not found), $reports reports, $distinct distinct descriptions" >&2
  exit 1
fi
