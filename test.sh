#!/usr/bin/env bash
# The one test command: builds with warnings as errors, checks formatting, and runs every test
# project against SQLite and against a throwaway PostgreSQL cluster it starts itself. Ends with
# one line summing every run: "tests: N passed, N failed, N skipped".
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)

say() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

work=$(mktemp -d /tmp/mindstack-test.XXXXXX)
pg_dir=""
pg_bin=""
cleanup() {
  if [ -n "$pg_dir" ] && [ -f "$pg_dir/data/postmaster.pid" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$work" "$pg_dir"
}
trap cleanup EXIT INT TERM

# PostgreSQL refuses to run as root: as root, run its tools as the postgres user the package made.
run_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

find_pg_bin() {
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
  done
  return 1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || shuf -i 20000-60000 -n 1
}

start_postgres() {
  pg_bin=$(find_pg_bin) || {
    say "PostgreSQL not found: installing it from the OS packages"
    if ! { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq postgresql >/dev/null; }; then
      return 1
    fi
    pg_bin=$(find_pg_bin) || return 1
  }
  pg_dir=$(mktemp -d /tmp/mindstack-pg.XXXXXX)
  chmod 755 "$pg_dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$pg_dir"; fi
  local port
  port=$(free_port)
  run_pg "$pg_bin/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 >"$pg_dir/initdb.log" 2>&1 || { cat "$pg_dir/initdb.log"; return 1; }
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
    -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$pg_dir/server.log"; return 1; }
  export MINDSTACK_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres;Include Error Detail=true"
  say "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

# Real-client tests (socket.io-client, otplib) need their npm packages.
if [ -f tests/js/package.json ]; then
  say "npm packages for real-client tests"
  (cd tests/js && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi) \
    || echo "warning: npm install failed; real-client tests will fail" >&2
fi

say "build (warnings are errors)"
dotnet build Mindstack.slnx -c Debug --nologo -v q -warnaserror 2>&1 | tail -n 30
build_ok=${PIPESTATUS[0]}

say "format check"
dotnet format Mindstack.slnx --verify-no-changes --no-restore -v q
format_ok=$?

say "publish (for the process-level tests)"
dotnet publish src/Mindstack.Server -c Release -o "$work/published" --nologo -v q >"$work/publish.log" 2>&1 || cat "$work/publish.log"
export MINDSTACK_PUBLISHED_DIR="$work/published"

passed=0; failed=0; skipped=0; runs_failed=0

run_suite() {
  local provider=$1 log="$work/test-$1.log"
  say "tests on $provider"
  MINDSTACK_TEST_PROVIDER=$provider dotnet test Mindstack.slnx --no-build --nologo -v q \
    --logger "console;verbosity=minimal" 2>&1 | tee "$log" | grep -vE "^\s*(Passed |$)" | head -n 300
  local code=${PIPESTATUS[0]}
  local line p f s
  while IFS= read -r line; do
    f=$(sed -E 's/.*Failed:[[:space:]]*([0-9]+).*/\1/' <<<"$line")
    p=$(sed -E 's/.*Passed:[[:space:]]*([0-9]+).*/\1/' <<<"$line")
    s=$(sed -E 's/.*Skipped:[[:space:]]*([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  done < <(grep -E '(Passed|Failed)!\s+-\s+Failed:' "$log")
  if [ "$code" -ne 0 ]; then runs_failed=$((runs_failed + 1)); fi
}

if [ "$build_ok" -eq 0 ]; then
  run_suite sqlite
  if start_postgres; then
    run_suite postgres
  else
    printf '\n!!!!!!!!\n!!! PostgreSQL could not be installed or started: ONLY THE SQLITE HALF RAN.\n!!!!!!!!\n' >&2
    runs_failed=$((runs_failed + 1))
  fi
else
  echo "build failed; no tests ran" >&2
fi

status=0
[ "$build_ok" -eq 0 ] || { echo "FAILED: build" >&2; status=1; }
[ "$format_ok" -eq 0 ] || { echo "FAILED: dotnet format --verify-no-changes (run: dotnet format Mindstack.slnx)" >&2; status=1; }
[ "$runs_failed" -eq 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
