#!/usr/bin/env bash
# One benchmark command: builds and starts the published server (rate limits off) and a bare
# ASP.NET Core ceiling app, drives them with wrk (bench/wrk/request.lua) or the .NET drivers, and
# prints one table: scenario, database, req/s, p50, p99, errors, ratio to the ceiling of this run.
#
#   ./bench/bench.sh                                   # every scenario, SQLite
#   ./bench/bench.sh health-live mindra-agents --db postgres --duration 3s
#
# Scenarios: health-live health mindra-agents mindpeeker-me mindpeeker-sessions pluginmind-usage
#            jobs search startup swarm-feed swarm-post mesh-run console sockets  (the ceiling runs whenever an HTTP scenario does)
# PostgreSQL: MINDSTACK_BENCH_POSTGRES, else MINDSTACK_TEST_POSTGRES (admin connection strings; a
# fresh database is created and dropped), else a throwaway cluster started here.
# Knobs: CONNECTIONS (wrk -c, 64), THREADS (wrk -t, 2), JOBS (5000), JOB_WORKERS (16),
#        SEARCH_DOCUMENTS (10000), SEARCH_QUERIES (100), BENCH_PUBLISHED (a Release publish to reuse),
#        WARMUP (2s unmeasured before each wrk scenario; 0 for none).
# End to end (bench/Mindstack.Bench/EndToEnd.cs, against the server): session-complete orchestrate
#        webhook; knobs E2E_COUNT (outcomes per scenario, 500), E2E_CONCURRENCY (clients, 16),
#        BREAKDOWN=1 (where each outcome's milliseconds went, from its rows' timestamps: bench/e2e-breakdown.py).
# sockets: 10,000 Socket.IO connections on one node (bench/Sockets); knobs SOCKETS (10000), SOCKET_ACCOUNTS
#        (1000), SOCKET_WAVE (500), SOCKET_BROADCASTS (5), SOCKET_PROCESSES (2 node clients).
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

all_scenarios="health-live health mindra-agents mindpeeker-me mindpeeker-sessions pluginmind-usage jobs search startup"
all_scenarios+=" swarm-feed swarm-post" # MindSwarm at scale (its block is below, before the table)
e2e_scenarios="session-complete orchestrate webhook"
all_scenarios="$all_scenarios $e2e_scenarios"
all_scenarios="$all_scenarios mesh-run"  # MindMesh: a whole graph run, start → completed (MESH_RUNS, 50)
all_scenarios="$all_scenarios console"   # the operator console's pages at 100k accounts / 1M jobs (its block is below)
all_scenarios="$all_scenarios sockets"   # 10,000 Socket.IO connections on one node, a broadcast to all (its block is below)
db=sqlite
duration=10s
scenarios=()
while [ $# -gt 0 ]; do
  case "$1" in
    --db) db=$2; shift 2 ;;
    --db=*) db=${1#--db=}; shift ;;
    --duration) duration=$2; shift 2 ;;
    --duration=*) duration=${1#--duration=}; shift ;;
    -h|--help) sed -n 2,20p "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) scenarios+=("$1"); shift ;;
  esac
done
[ ${#scenarios[@]} -eq 0 ] && read -r -a scenarios <<< "$all_scenarios"
case "$db" in sqlite|postgres) ;; *) echo "--db must be sqlite or postgres" >&2; exit 2 ;; esac
for s in "${scenarios[@]}"; do
  case " $all_scenarios " in *" $s "*) ;; *) echo "unknown scenario $s (known: $all_scenarios)" >&2; exit 2 ;; esac
done
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}

work=$(mktemp -d /tmp/mindstack-bench.XXXXXX)
pids=()
pg_dir=""
pg_bin=""
bench_db=""
extra_dbs=()
admin=""
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
progress() { printf '\033[2m[%s] %s\033[0m\n' "$(date +%H:%M:%S)" "$*" >&2; }
stop_pids() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done; pids=(); }
cleanup() {
  stop_pids
  if [ -n "$bench_db" ]; then psql_admin "DROP DATABASE IF EXISTS \"$bench_db\" WITH (FORCE)" >/dev/null 2>&1; fi
  for d in "${extra_dbs[@]}"; do psql_admin "DROP DATABASE IF EXISTS \"$d\" WITH (FORCE)" >/dev/null 2>&1; done
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# --- PostgreSQL: an admin connection string, and a fresh database for this run ----------------
start_postgres() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { pg_bin=$d; break; }
  done
  [ -n "$pg_bin" ] || { echo "PostgreSQL not installed (apt-get install postgresql), or set MINDSTACK_BENCH_POSTGRES" >&2; return 1; }
  pg_dir=$(mktemp -d /tmp/mindstack-bench-pg.XXXXXX)
  chmod 755 "$pg_dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pg_dir"; fi
  local port
  port=$(free_port)
  run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null || return 1
  # Durable settings (fsync on), unlike the test cluster: the figure should mean something.
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null || return 1
  admin="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
}
# Runs one SQL statement on the admin connection (the Npgsql string is turned into psql's options).
psql_admin() {
  local host port user pass
  host=$(sed -n 's/.*Host=\([^;]*\).*/\1/ip' <<< "$admin"); port=$(sed -n 's/.*Port=\([^;]*\).*/\1/ip' <<< "$admin")
  user=$(sed -n 's/.*User\(name\| ID\)=\([^;]*\).*/\2/ip' <<< "$admin"); pass=$(sed -n 's/.*Password=\([^;]*\).*/\1/ip' <<< "$admin")
  PGPASSWORD=$pass psql -h "${host:-127.0.0.1}" -p "${port:-5432}" -U "${user:-postgres}" -d postgres -qAt -c "$1"
}
if [ "$db" = postgres ]; then
  admin=${MINDSTACK_BENCH_POSTGRES:-${MINDSTACK_TEST_POSTGRES:-}}
  if [ -z "$admin" ]; then progress "starting a throwaway PostgreSQL"; start_postgres || exit 1; fi
  bench_db="mindstack_bench_$(date +%s)_$$"
  psql_admin "CREATE DATABASE \"$bench_db\"" >/dev/null || { echo "cannot create database $bench_db" >&2; exit 1; }
  server_database="$(sed 's/Database=[^;]*//I' <<< "$admin");Database=$bench_db"
fi

# A phase with a data folder of its own gets a database of its own on PostgreSQL: the database's
# Data Protection key ring is encrypted with the folder's master key, so they go together.
fresh_database() {
  [ "$db" = postgres ] || return 0
  local name="${bench_db}_$1"
  psql_admin "CREATE DATABASE \"$name\"" >/dev/null || { echo "cannot create database $name" >&2; exit 1; }
  extra_dbs+=("$name")
  server_database="$(sed 's/Database=[^;]*//I' <<< "$admin");Database=$name"
}

wants() { local s; for s in "${scenarios[@]}"; do [ "$s" = "$1" ] && return 0; done; return 1; }
http_scenarios="health-live health mindra-agents mindpeeker-me mindpeeker-sessions pluginmind-usage startup"
http_scenarios="$http_scenarios $e2e_scenarios"
needs_server=false
for s in $http_scenarios; do wants "$s" && needs_server=true; done

# --- Build ----------------------------------------------------------------------------------------
# BENCH_PUBLISHED=DIR: a Release publish of this tree made before (e.g. by a run on the other
# database), used as it is instead of publishing again; it must hold Mindstack.Server.dll.
pub=${BENCH_PUBLISHED:-$work/server}
if [ -n "${BENCH_PUBLISHED:-}" ] && [ ! -f "$pub/Mindstack.Server.dll" ]; then
  echo "BENCH_PUBLISHED=$pub holds no Mindstack.Server.dll" >&2; exit 2
fi
if $needs_server; then
  if [ ! -f "$pub/Mindstack.Server.dll" ]; then
    progress "publishing the server (Release)"
    dotnet publish src/Mindstack.Server -c Release -o "$pub" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  fi
  progress "building the ceiling app"
  dotnet build bench/Ceiling -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install -y wrk)" >&2; exit 1; }
fi
if wants jobs; then
  progress "building the jobs driver"
  dotnet build bench/Mindstack.Bench -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
wants_e2e=false
for s in $e2e_scenarios; do wants "$s" && wants_e2e=true; done
if $wants_e2e && ! wants jobs; then
  progress "building the end-to-end driver"
  dotnet build bench/Mindstack.Bench -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi
if wants search; then
  progress "building the search bench"
  dotnet build bench/Search -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
fi

# --- The processes --------------------------------------------------------------------------------
wait_ready() { # url, seconds
  local i
  for i in $(seq 1 $(( $2 * 20 ))); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
data_dir="$work/data"
mkdir -p "$data_dir"
dev_secret="bench-only-google-dev-secret-0123456789abcdef"
server_env() {
  export ASPNETCORE_ENVIRONMENT=Staging  # not Production: the PluginMind dev secret below is refused there
  export Mindstack__Limits__RateLimitsEnabled=false
  export Mindstack__Database="${server_database:-}"
  export Mindstack__Jobs__Workers="${JOB_WORKERS:-16}"
  export Mindstack__PluginMind__Google__ClientId=bench-client
  export Mindstack__PluginMind__Google__DevSecret=$dev_secret
  export Logging__LogLevel__Default=Warning
  # End to end: sessions start at once; the webhook receiver is on loopback.
  export Mindstack__MindPeeker__StartDelay=00:00:00
  export Mindstack__Webhooks__AllowPrivateTargets=true
}
cli() { ( server_env; dotnet "$pub/Mindstack.Server.dll" --data "$data_dir" "$@" ); }
server_port=""
start_server() {
  server_port=$(free_port)
  ( server_env; exec dotnet "$pub/Mindstack.Server.dll" --data "$data_dir" --urls "http://127.0.0.1:$server_port" ) >"$work/server.log" 2>&1 &
  server_pid=$!
  pids+=("$server_pid")
}
# The server's CPU time so far (user + system), in ms.
server_cpu_ms() { awk -v t="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / t }' "/proc/$server_pid/stat" 2>/dev/null || echo 0; }
ceiling_port=""
start_ceiling() {
  ceiling_port=$(free_port)
  ( ASPNETCORE_ENVIRONMENT=Production exec dotnet bench/Ceiling/bin/Release/net10.0/Mindstack.Bench.Ceiling.dll --urls "http://127.0.0.1:$ceiling_port" ) >"$work/ceiling.log" 2>&1 &
  pids+=("$!")
  wait_ready "http://127.0.0.1:$ceiling_port/health" 60 || { echo "the ceiling app did not start" >&2; cat "$work/ceiling.log" >&2; exit 1; }
}

# --- Fixtures, made through the public APIs (the Mindra key through the operator CLI: Mindra has no sign-up) ---
setup_fixtures() {
  local base="http://127.0.0.1:$server_port" name body
  name="bench$(date +%s%N | tail -c 9)"
  body=$(curl -fsS -X POST "$base/mindpeeker/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$name@example.com\",\"username\":\"$name\",\"password\":\"securePassword123\",\"tier\":\"basic\",\"marketing_consent\":true}") \
    || { echo "MindPeeker sign-up failed" >&2; return 1; }
  peeker_token=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["token"])' <<< "$body")
  cli accounts create --email "mindra-$name@example.com" --password 'Str0ng!Passw0rd' >/dev/null || { echo "accounts create failed" >&2; return 1; }
  mindra_key=$(cli keys create --api mindra --email "mindra-$name@example.com" --name bench | tail -n 1)
  local id_token
  id_token=$(python3 - "$dev_secret" "$name" <<'PY'
import base64, hashlib, hmac, json, sys, time
secret, name = sys.argv[1], sys.argv[2]
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
claims = b64(json.dumps({"iss": "https://accounts.google.com", "aud": "bench-client", "sub": "g-" + name,
                         "email": name + "@example.test", "email_verified": True, "iat": now, "exp": now + 3600}).encode())
sig = b64(hmac.new(secret.encode(), f"{head}.{claims}".encode(), hashlib.sha256).digest())
print(f"{head}.{claims}.{sig}")
PY
)
  plugin_cookie=$(curl -fsS -o /dev/null -D - -X POST "$base/pluginmind/auth/google" -H 'Content-Type: application/json' \
    -d "{\"id_token\":\"$id_token\"}" | sed -n 's/^[Ss]et-[Cc]ookie: \(pm_session=[^;]*\).*/\1/p' | head -n 1)
  [ -n "$plugin_cookie" ] || { echo "PluginMind sign-in failed" >&2; return 1; }
}

# --- Measuring ------------------------------------------------------------------------------------
rows=()
ceiling_rate=""
add_row() { rows+=("$1|$2|$3|$4|$5|$6"); } # scenario db rate p50 p99 errors
warmup=${WARMUP:-2s}
wrk_run() { # scenario url [headers]
  progress "$1: wrk -t$threads -c$connections -d$duration, after $warmup unmeasured"
  local out
  # Unmeasured first: a server just started still recompiles its hot code (tiered JIT) in its first
  # seconds, which is not what the figure is for (WARMUP=0 measures from the first request).
  if [ "$warmup" != 0 ]; then
    BENCH_HEADERS="${3:-}" wrk -t"$threads" -c"$connections" -d"$warmup" -s bench/wrk/request.lua "$2" >/dev/null 2>&1
  fi
  out=$(BENCH_HEADERS="${3:-}" wrk -t"$threads" -c"$connections" -d"$duration" -s bench/wrk/request.lua "$2" 2>&1 | grep '^RESULT')
  if [ -z "$out" ]; then add_row "$1" "$db" "-" "-" "-" "failed"; return; fi
  read -r _ rate p50 p99 errors <<< "$out"
  add_row "$1" "$db" "$rate" "$p50" "$p99" "$errors"
  [ "$1" = ceiling ] && ceiling_rate=$rate
}

if $needs_server; then
  start_ceiling
  start_server
  wait_ready "http://127.0.0.1:$server_port/health" 120 || { echo "the server did not start" >&2; tail -n 40 "$work/server.log" >&2; exit 1; }
  progress "server on :$server_port ($db, pid $server_pid), ceiling on :$ceiling_port"
  needs_fixtures=false
  for s in mindra-agents mindpeeker-me mindpeeker-sessions pluginmind-usage $e2e_scenarios; do wants "$s" && needs_fixtures=true; done
  if $needs_fixtures; then progress "creating users, keys and tokens"; setup_fixtures || exit 1; fi
  base="http://127.0.0.1:$server_port"
  wrk_run ceiling "http://127.0.0.1:$ceiling_port/health"
  wants health-live && wrk_run health-live "$base/health/live"
  wants health && wrk_run health "$base/health"
  wants mindra-agents && wrk_run mindra-agents "$base/mindra/v1/agents" "Authorization: Bearer $mindra_key"
  wants mindpeeker-me && wrk_run mindpeeker-me "$base/mindpeeker/v1/users/me" "Authorization: Bearer $peeker_token"
  wants mindpeeker-sessions && wrk_run mindpeeker-sessions "$base/mindpeeker/v1/sessions" "Authorization: Bearer $peeker_token"
  wants pluginmind-usage && wrk_run pluginmind-usage "$base/pluginmind/me/usage" "Cookie: $plugin_cookie"
  if $wants_e2e; then
    # Credits for every outcome: 100 x 5,000 MindPeeker credits, and $10,000 in the Mindra wallet.
    curl -fsS -o /dev/null -X POST "$base/mindpeeker/v1/billing/credits/purchase" -H "Authorization: Bearer $peeker_token" \
      -H 'Content-Type: application/json' -d '{"credit_package":"enterprise_5000","payment_method_id":"pm_card_visa","quantity":100}' \
      || echo "MindPeeker credit purchase failed" >&2
    curl -fsS -o /dev/null -X POST "$base/mindra/v1/wallet/topup" -H "Authorization: Bearer $mindra_key" \
      -H 'Content-Type: application/json' -d '{"amount":10000,"paymentMethod":"card","paymentMethodId":"pm_card_visa"}' \
      || echo "Mindra top-up failed" >&2
    for s in $e2e_scenarios; do
      wants "$s" || continue
      credential=$peeker_token; unit="sessions/s"
      [ "$s" = orchestrate ] && { credential=$mindra_key; unit="executions/s"; }
      [ "$s" = webhook ] && unit="deliveries/s"
      progress "$s: ${E2E_COUNT:-500} outcomes, ${E2E_CONCURRENCY:-16} clients"
      cpu_before=$(server_cpu_ms)
      out=$(dotnet bench/Mindstack.Bench/bin/Release/net10.0/Mindstack.Bench.dll --scenario "$s" --base "$base/" --credential "$credential" \
        --count "${E2E_COUNT:-500}" --concurrency "${E2E_CONCURRENCY:-16}" 2>"$work/$s.log" | grep '^RESULT')
      # Server CPU per outcome (its polls included): what a shared machine's load does not move.
      progress "$s: server CPU $(( $(server_cpu_ms) - cpu_before )) ms for ${E2E_COUNT:-500} outcomes; $(grep -h 'polls' "$work/$s.log")"
      if [ -n "$out" ]; then read -r _ rate p50 p99 errors <<< "$out"; add_row "$s ($unit)" "$db" "$rate" "$p50" "$p99" "$errors"
      else add_row "$s ($unit)" "$db" "-" "-" "-" "failed"; tail -n 20 "$work/$s.log" >&2; fi
    done
    # BREAKDOWN=1: where each outcome's milliseconds went, from the timestamps of its rows (stderr).
    if [ -n "${BREAKDOWN:-}" ]; then
      if [ "$db" = postgres ]; then
        python3 bench/e2e-breakdown.py --psql "$(python3 -c 'import sys; print(" ".join(p.replace("Username=", "user=").replace("Database=", "dbname=").replace("Host=", "host=").replace("Port=", "port=").replace("Password=", "password=") for p in sys.argv[1].split(";") if p))' "$server_database")" >&2
      else
        python3 bench/e2e-breakdown.py --sqlite "$data_dir/mindstack.db" >&2
      fi
    fi
  fi
  if wants startup; then
    progress "startup: restart on the existing database, time to ready, idle RSS"
    stop_pids
    start=$(date +%s%N)
    start_server
    if wait_ready "http://127.0.0.1:$server_port/health" 60; then
      ready_ms=$(( ($(date +%s%N) - start) / 1000000 ))
      sleep 3
      rss_mb=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$server_pid/status" 2>/dev/null)
      # What the resident set is made of: the heap and other private memory (RssAnon) against the
      # mapped files' pages (RssFile: the binary, ReadyToRun code, native libraries).
      progress "startup: idle RSS ${rss_mb} MB = $(awk '/RssAnon|RssFile|RssShmem/ { printf "%s %.0f MB  ", $1, $2 / 1024 }' "/proc/$server_pid/status" 2>/dev/null)"
      # The wrapper subshell exec'd dotnet, so the pid is the server itself.
      add_row "start-to-ready" "$db" "-" "${ready_ms}ms" "-" "0"
      add_row "idle-rss" "$db" "-" "${rss_mb}MB" "-" "0"
    else
      add_row "start-to-ready" "$db" "-" "-" "-" "failed"
    fi
    stop_pids
  fi
  stop_pids
fi

if wants jobs; then
  jobs_n=${JOBS:-5000}
  progress "jobs: $jobs_n no-op jobs end to end, ${JOB_WORKERS:-16} workers"
  if [ "$db" = postgres ]; then conn=(--connection "$admin"); else conn=(); fi
  out=$(dotnet bench/Mindstack.Bench/bin/Release/net10.0/Mindstack.Bench.dll --result --provider "$db" "${conn[@]}" \
    --jobs "$jobs_n" --workers "${JOB_WORKERS:-16}" 2>"$work/jobs.log" | grep '^RESULT')
  if [ -n "$out" ]; then read -r _ rate _ _ errors <<< "$out"; add_row "jobs (jobs/s)" "$db" "$rate" "-" "-" "$errors"
    progress "jobs: $(grep -h 'per job' "$work/jobs.log")"
  else add_row "jobs (jobs/s)" "$db" "-" "-" "-" "failed"; tail -n 20 "$work/jobs.log" >&2; fi
fi

if wants search; then
  progress "search: ${SEARCH_DOCUMENTS:-10000} documents, ${SEARCH_QUERIES:-100} queries, one at a time"
  if [ "$db" = postgres ]; then conn=(--connection "$admin"); else conn=(); fi
  out=$(dotnet bench/Search/bin/Release/net10.0/Mindstack.Bench.Search.dll --provider "$db" "${conn[@]}" \
    --documents "${SEARCH_DOCUMENTS:-10000}" --queries "${SEARCH_QUERIES:-100}" 2>"$work/search.log" | grep ' queries, limit')
  if [ -n "$out" ]; then
    p50=$(sed -n 's/.*p50 \([0-9.]*\) ms.*/\1/p' <<< "$out"); p99=$(sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' <<< "$out")
    mean=$(sed -n 's/.*mean \([0-9.]*\) ms.*/\1/p' <<< "$out")
    add_row "search (1 client)" "$db" "$(awk -v m="$mean" 'BEGIN { printf "%.1f", (m > 0 ? 1000 / m : 0) }')" "$p50" "$p99" "0"
  else add_row "search (1 client)" "$db" "-" "-" "-" "failed"; tail -n 20 "$work/search.log" >&2; fi
fi

# --- MindSwarm at scale (bench/Swarm): feeds at 10k and 1M posts, post creation over HTTP -----------
# Its own server and data: the driver bulk-loads accounts, follows and posts into the server's database
# and measures with real tokens. Knobs: SWARM_POSTS (1000000), SWARM_SMALL (10000), SWARM_ACCOUNTS
# (posts/20), SWARM_FOLLOWS (posts×2), SWARM_REQUESTS (600 per feed and size), SWARM_CLIENTS (2),
# SWARM_POST_COUNT (5000), SWARM_POST_CLIENTS (32), SWARM_POST_WARMUP (2000 unmeasured posts first).
if wants swarm-feed || wants swarm-post; then
  if [ ! -f "$pub/Mindstack.Server.dll" ]; then
    progress "publishing the server (Release)"
    dotnet publish src/Mindstack.Server -c Release -o "$pub" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  fi
  progress "building the MindSwarm driver"
  dotnet build bench/Swarm -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  swarm_posts=${SWARM_POSTS:-1000000}
  swarm_args=(--posts "$swarm_posts" --small "${SWARM_SMALL:-10000}" --requests "${SWARM_REQUESTS:-600}" --clients "${SWARM_CLIENTS:-2}"
    --post-count "${SWARM_POST_COUNT:-5000}" --post-clients "${SWARM_POST_CLIENTS:-32}" --post-warmup "${SWARM_POST_WARMUP:-2000}")
  [ -n "${SWARM_ACCOUNTS:-}" ] && swarm_args+=(--accounts "$SWARM_ACCOUNTS")
  [ -n "${SWARM_FOLLOWS:-}" ] && swarm_args+=(--follows "$SWARM_FOLLOWS")
  wants swarm-feed && swarm_args+=(--feed)
  wants swarm-post && swarm_args+=(--post)
  data_dir="$work/swarm-data"
  mkdir -p "$data_dir"
  fresh_database swarm
  start_server
  wait_ready "http://127.0.0.1:$server_port/health" 120 || { echo "the server did not start" >&2; tail -n 40 "$work/server.log" >&2; exit 1; }
  if [ "$db" = postgres ]; then swarm_db=$server_database; else swarm_db="Data Source=$data_dir/mindstack.db"; fi
  swarm_args+=(--server-pid "$server_pid") # the driver prints the server's CPU per request of each phase
  progress "swarm: $swarm_posts posts on $db, server on :$server_port"
  while read -r _ name rate p50 p99 errors; do
    add_row "$name" "$db" "$rate" "$p50" "$p99" "$errors"
  done < <(dotnet bench/Swarm/bin/Release/net10.0/Mindstack.Bench.Swarm.dll --url "http://127.0.0.1:$server_port" --provider "$db" \
    --connection "$swarm_db" "${swarm_args[@]}" 2> >(tee "$work/swarm.log" >&2) | grep '^RESULT')
  grep -q "swarm-" <<< "${rows[*]}" || { add_row "swarm" "$db" "-" "-" "-" "failed"; tail -n 20 "$work/server.log" >&2; }
  stop_pids
fi

# --- mesh-run: a whole MindMesh graph run (built-in engine, L3: no approvals), start → goal.completed ---
if wants mesh-run; then
  data_dir="$work/mesh-data"
  mkdir -p "$data_dir"
  fresh_database mesh
  if [ ! -f "$pub/Mindstack.Server.dll" ]; then
    progress "publishing the server (Release)"
    dotnet publish src/Mindstack.Server -c Release -o "$pub" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  fi
  progress "building the mesh-run driver"
  dotnet build bench/MeshRun -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  start_server
  if wait_ready "http://127.0.0.1:$server_port/health" 120; then
    progress "mesh-run: ${MESH_RUNS:-50} runs of the whole graph, one at a time"
    out=$(dotnet bench/MeshRun/bin/Release/net10.0/Mindstack.Bench.MeshRun.dll --url "http://127.0.0.1:$server_port" \
      --runs "${MESH_RUNS:-50}" 2>"$work/mesh-run.log" | grep '^RESULT')
    if [ -n "$out" ]; then read -r _ rate p50 p99 errors <<< "$out"; add_row "mesh-run (runs/s)" "$db" "$rate" "$p50" "$p99" "$errors"
    else add_row "mesh-run (runs/s)" "$db" "-" "-" "-" "failed"; tail -n 20 "$work/mesh-run.log" >&2; fi
  else
    add_row "mesh-run (runs/s)" "$db" "-" "-" "-" "failed"; tail -n 40 "$work/server.log" >&2
  fi
  stop_pids
fi

# --- console: the operator console's pages on a loaded database (bench/Console) ---------------------
# Its own server (no job workers: the seeded queue stays as loaded) and data: the driver bulk-loads
# accounts, jobs, audit entries, webhooks, keys and ledgers into the server's database, signs in as an
# admin and times each page. Knobs: CONSOLE_ACCOUNTS (100000), CONSOLE_JOBS (1000000), CONSOLE_AUDIT
# (200000), CONSOLE_LOADS (20 per page).
if wants console; then
  if [ ! -f "$pub/Mindstack.Server.dll" ]; then
    progress "publishing the server (Release)"
    dotnet publish src/Mindstack.Server -c Release -o "$pub" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  fi
  progress "building the console driver"
  dotnet build bench/Console -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  data_dir="$work/console-data"
  mkdir -p "$data_dir"
  JOB_WORKERS=0 start_server
  if wait_ready "http://127.0.0.1:$server_port/health" 120; then
    if [ "$db" = postgres ]; then console_db=$server_database; else console_db="Data Source=$data_dir/mindstack.db"; fi
    progress "console: ${CONSOLE_ACCOUNTS:-100000} accounts, ${CONSOLE_JOBS:-1000000} jobs on $db, server on :$server_port"
    while read -r _ name rate p50 p99 errors; do
      add_row "$name" "$db" "$rate" "$p50" "$p99" "$errors"
    done < <(dotnet bench/Console/bin/Release/net10.0/Mindstack.Bench.Console.dll --url "http://127.0.0.1:$server_port" --provider "$db" \
      --connection "$console_db" --accounts "${CONSOLE_ACCOUNTS:-100000}" --jobs "${CONSOLE_JOBS:-1000000}" --audit "${CONSOLE_AUDIT:-200000}" \
      --loads "${CONSOLE_LOADS:-20}" 2> >(tee "$work/console.log" >&2) | grep '^RESULT')
    grep -q "console-" <<< "${rows[*]}" || { add_row "console" "$db" "-" "-" "-" "failed"; tail -n 20 "$work/server.log" >&2; }
  else
    add_row "console" "$db" "-" "-" "-" "failed"; tail -n 40 "$work/server.log" >&2
  fi
  stop_pids
fi

# --- sockets: 10,000 Socket.IO connections on one node, and a broadcast that reaches them all ---------
# Its own server and data. bench/Sockets loads SOCKET_ACCOUNTS MindSwarm accounts into the server's
# database, all following the first (the author), and signs them in; bench/Sockets/driver.js (the stock
# socket.io-client, WebSocket only) opens SOCKETS sockets spread over them, so each account holds
# SOCKETS/SOCKET_ACCOUNTS (10) and Mindstack:Realtime:MaxConnectionsPerAccount (20) stays on. It reads the
# server's VmRSS with all open, then the author posts SOCKET_BROADCASTS times and every socket's
# post-created is timed from the POST's send. The accounts' password hash has 1,000 PBKDF2 rounds and the
# server is told the same, so their sign-ins take seconds, not minutes (sign-in is not what is measured).
if wants sockets; then
  if [ ! -f "$pub/Mindstack.Server.dll" ]; then
    progress "publishing the server (Release)"
    dotnet publish src/Mindstack.Server -c Release -o "$pub" --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  fi
  progress "building the sockets fixtures and installing socket.io-client"
  dotnet build bench/Sockets -c Release --nologo -v q >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; exit 1; }
  # As test.sh does for tests/js; kept when present (npm ci would delete it under another run's clients).
  [ -d bench/Sockets/node_modules/socket.io-client ] \
    || (cd bench/Sockets && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi) \
    || { echo "npm install in bench/Sockets failed" >&2; exit 1; }
  ulimit -n "$(ulimit -Hn)" 2>/dev/null # a descriptor per socket, on both sides
  sockets_n=${SOCKETS:-10000}
  data_dir="$work/sockets-data"
  mkdir -p "$data_dir"
  fresh_database sockets
  Mindstack__Auth__PasswordIterations=1000 start_server
  if wait_ready "http://127.0.0.1:$server_port/health" 120; then
    if [ "$db" = postgres ]; then sockets_db=$server_database; else sockets_db="Data Source=$data_dir/mindstack.db"; fi
    progress "sockets: ${SOCKET_ACCOUNTS:-1000} accounts following one author on $db, server on :$server_port (pid $server_pid)"
    if dotnet bench/Sockets/bin/Release/net10.0/Mindstack.Bench.Sockets.dll --url "http://127.0.0.1:$server_port" --provider "$db" \
      --connection "$sockets_db" --accounts "${SOCKET_ACCOUNTS:-1000}" --out "$work/socket-tokens.json" 2> >(tee "$work/sockets.log" >&2); then
      progress "sockets: opening $sockets_n sockets, ${SOCKET_WAVE:-500} at a time, then ${SOCKET_BROADCASTS:-5} broadcasts"
      while read -r _ name rate p50 p99 errors; do
        case "$name" in
          sockets-connected) add_row "sockets: $sockets_n open, RSS (≤1024MB)" "$db" "$rate" "$p50" "$p99" "$errors" ;;
          *) add_row "sockets: broadcast to all (p99≤200ms)" "$db" "$rate" "$p50" "$p99" "$errors" ;;
        esac
      done < <(node bench/Sockets/driver.js --url "http://127.0.0.1:$server_port" --tokens "$work/socket-tokens.json" \
        --sockets "$sockets_n" --wave "${SOCKET_WAVE:-500}" --broadcasts "${SOCKET_BROADCASTS:-5}" \
        --processes "${SOCKET_PROCESSES:-2}" --server-pid "$server_pid" 2> >(tee -a "$work/sockets.log" >&2) | grep '^RESULT')
    fi
    grep -q "sockets:" <<< "${rows[*]}" || { add_row "sockets" "$db" "-" "-" "-" "failed"; tail -n 20 "$work/server.log" >&2; }
  else
    add_row "sockets" "$db" "-" "-" "-" "failed"; tail -n 40 "$work/server.log" >&2
  fi
  stop_pids
fi

# --- The table ------------------------------------------------------------------------------------
echo
echo "Mindstack bench, $(date -u +%Y-%m-%d) UTC, $(nproc) cores, wrk -t$threads -c$connections -d$duration (latencies in ms)"
printf '| %-22s | %-8s | %10s | %9s | %9s | %7s | %8s |\n' scenario database req/s p50 p99 errors ratio
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "------------------------" "----------" "-----------:" "----------:" "----------:" "--------:" "---------:"
for row in "${rows[@]}"; do
  IFS='|' read -r name database rate p50 p99 errors <<< "$row"
  ratio="-"
  case "$name" in
    ceiling|health*|mindra-*|mindpeeker-*|pluginmind-*)
      if [ -n "$ceiling_rate" ] && [ "$rate" != "-" ]; then ratio=$(awk -v r="$rate" -v c="$ceiling_rate" 'BEGIN { printf "%.2f", (c > 0 ? r / c : 0) }'); fi ;;
  esac
  printf '| %-22s | %-8s | %10s | %9s | %9s | %7s | %8s |\n' "$name" "$database" "$rate" "$p50" "$p99" "$errors" "$ratio"
done
