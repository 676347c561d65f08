#!/usr/bin/env bash
# The jobs benchmark: jobs per second through the durable queue (enqueue → done), on SQLite and on
# PostgreSQL. PostgreSQL is MINDSTACK_BENCH_POSTGRES (an admin connection string; a database is
# created and dropped per run) or, without it, a throwaway cluster started here as ./test.sh does.
#   JOBS=5000 WORKERS="2 8" ./bench/bench.sh
set -uo pipefail
cd "$(dirname "$0")/.."
jobs=${JOBS:-5000}
workers=${WORKERS:-"2 8"}

pg_dir=""
pg_bin=""
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
cleanup() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  [ -n "$pg_dir" ] && rm -rf "$pg_dir"
}
trap cleanup EXIT INT TERM

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
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || shuf -i 20000-60000 -n 1)
  run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >/dev/null || return 1
  # Durable settings (fsync on), unlike the test cluster: the figure should mean something.
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300" start >/dev/null || return 1
  MINDSTACK_BENCH_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
}

dotnet build bench/Mindstack.Bench -c Release --nologo -v q >/dev/null || { echo "bench build failed" >&2; exit 1; }
bench() { dotnet bench/Mindstack.Bench/bin/Release/net10.0/Mindstack.Bench.dll --jobs "$jobs" "$@"; }

echo "jobs through the queue: $jobs no-op jobs per run ($(nproc) cores)"
for w in $workers; do bench --provider sqlite --workers "$w"; done
if [ -z "${MINDSTACK_BENCH_POSTGRES:-}" ]; then start_postgres || exit 1; fi
for w in $workers; do bench --provider postgres --connection "$MINDSTACK_BENCH_POSTGRES" --workers "$w"; done
