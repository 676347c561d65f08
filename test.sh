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
  printf '%s' "$MINDSTACK_TEST_POSTGRES" >"$work/pg-connection"
  printf '%s' "$pg_dir" >"$work/pg-dir"
  say "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

# What the tests need from the OS: PostgreSQL (the second half) and ffmpeg (video thumbnails).
missing=""
find_pg_bin >/dev/null || missing="$missing postgresql"
command -v ffmpeg >/dev/null || missing="$missing ffmpeg"
if [ -n "$missing" ]; then
  say "installing from the OS packages:$missing"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null; } \
    || echo "warning: could not install$missing; the tests that need them will fail or say why they skipped" >&2
fi

# The operator console's browser tests drive Debian's headless Chromium (Playwright cannot download its own here).
if ! command -v chromium-headless-shell >/dev/null; then
  say "installing from the OS packages: chromium-headless-shell"
  { as_root apt-get update -qq && DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium-headless-shell >/dev/null; } \
    || echo "warning: could not install chromium-headless-shell; the console's browser tests will skip and say why" >&2
fi

# Real-client tests (socket.io-client, otplib, s3rver) need their npm packages.
if [ -f tests/js/package.json ]; then
  say "npm packages for real-client tests"
  (cd tests/js && if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --silent; else npm install --no-audit --no-fund --silent; fi) \
    || echo "warning: npm install failed; real-client tests will fail" >&2
fi

# Profile-guided optimisation makes the JIT instrument methods for a better recompile later: worth it in
# a server that runs for days, not in a build, a format check or a test process that lives a minute.
# Off, on this 2-core machine: the build took 195 CPU-seconds instead of 243, a whole `dotnet format` 108
# instead of 144, and the MindSwarm tests 44 instead of 58 (the server a test starts inherits it too).
export DOTNET_TieredPGO=0

say "build (warnings are errors)"
dotnet build Mindstack.slnx -c Debug --nologo -v q -warnaserror 2>&1 | tail -n 30
build_ok=${PIPESTATUS[0]}

# The format check: whitespace, then style (import order, the code-style rules). The third part of a
# bare `dotnet format`, analyzers, is the build's: with warnings as errors it fails on any analyzer
# warning. Two lighter passes than the whole command, in the background while the tests run (niced as
# they are: the publish goes first, the tests that start the published server wait for it).
(
  nice -n 10 dotnet format whitespace Mindstack.slnx --verify-no-changes --no-restore -v q \
    && nice -n 10 dotnet format style Mindstack.slnx --verify-no-changes --no-restore -v q
  echo $? >"$work/format-code"
) >"$work/format.log" 2>&1 &
format_pid=$!

# Each test project runs on each database as its own `dotnet test`, four at a time (the two cores
# are shared well: most of a test's time is waiting on HTTP, the database and jobs), longest first
# so that no slot is left with a long run at the end, and niced: without that, the publish beside
# them once had a twentieth of the CPU and took 8 minutes. The tests that start the published
# server (the process-level tests run ./publish.sh's single file, the binary an operator ships)
# carry [Trait("Needs", "PublishedServer")]: they run once the publish, made meanwhile, is done;
# every other test runs while it is under way. MINDSTACK_TEST_JOBS sets how many run at once (1: one
# after the other; MINDSTACK_TEST_SERIAL=1 too).
pg_ok=1
if [ "$build_ok" -eq 0 ]; then
  # Without ReadyToRun: the same IL and behaviour, and 3-4 minutes less of crossgen on two cores.
  ( if MINDSTACK_READY_TO_RUN=false ./publish.sh "$work/published" >"$work/publish.log" 2>&1; then
      touch "$work/published.ok"
    else
      touch "$work/published.failed"
    fi ) &
  publish_pid=$!
  export MINDSTACK_PUBLISHED_DIR="$work/published"
  # The single file's native libraries are unpacked once, here, for every server the tests start.
  export DOTNET_BUNDLE_EXTRACT_BASE_DIR="$work/bundle"
  if start_postgres >"$work/pg-start.log" 2>&1; then
    pg_ok=0
  fi
  cat "$work/pg-start.log"
  # start_postgres ran in a subshell: take its connection string and directory from the files it left.
  if [ "$pg_ok" -eq 0 ]; then
    pg_dir=$(cat "$work/pg-dir")
    pg_bin=$(find_pg_bin)
    MINDSTACK_TEST_POSTGRES=$(cat "$work/pg-connection")
    export MINDSTACK_TEST_POSTGRES
  fi
fi

# One run: provider, project and part (all; early: the tests that do not start the published server;
# published: those that do). Its output goes to $work/test-<provider>-<project>-<part>.log, its exit
# code to that .code, its wall seconds to $work/times.
run_one() {
  local provider=$1 project=$2 part=$3
  local log="$work/test-$provider-$project-$part.log" started filter=()
  case $part in
    early) filter=(--filter "Needs!=PublishedServer") ;;
    published) filter=(--filter "Needs=PublishedServer") ;;
  esac
  if [ "$part" = published ] && [ -e "$work/published.failed" ]; then
    { echo "./publish.sh failed, so $project's process-level tests did not run on $provider:"; cat "$work/publish.log"; } >"$log"
    echo 1 >"$log.code"
    return 0
  fi
  local pending=1
  [ "$part" = published ] && pending=0
  started=$(date +%s)
  MINDSTACK_PUBLISH_PENDING=$pending MINDSTACK_TEST_PROVIDER=$provider nice -n 10 dotnet test "tests/Mindstack.$project.Tests" \
    --no-build --nologo -v q "${filter[@]}" --logger "console;verbosity=minimal" >"$log" 2>&1
  echo $? >"$log.code"
  echo "$provider $project $part $(($(date +%s) - started))" >>"$work/times"
}

# Adds one provider's counts to the totals and shows what its runs printed.
count_suite() {
  local provider=$1 log="$work/test-$1.log"
  cat "$work"/test-"$provider"-*.log >"$log" 2>/dev/null
  say "tests on $provider"
  grep -vE "^\s*(Passed |$)|^Test run for |^A total of 1 test files" "$log" | head -n 300
  # Long failure output is cut above: each project's summary line, always.
  grep -E '(Passed|Failed)!\s+-\s+Failed:' "$log"
  local code line p f s
  for code in "$work"/test-"$provider"-*.log.code; do
    [ -e "$code" ] || continue
    if [ "$(cat "$code")" -ne 0 ]; then runs_failed=$((runs_failed + 1)); fi
  done
  while IFS= read -r line; do
    f=$(sed -E 's/.*Failed:[[:space:]]*([0-9]+).*/\1/' <<<"$line")
    p=$(sed -E 's/.*Passed:[[:space:]]*([0-9]+).*/\1/' <<<"$line")
    s=$(sed -E 's/.*Skipped:[[:space:]]*([0-9]+).*/\1/' <<<"$line")
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  done < <(grep -E '(Passed|Failed)!\s+-\s+Failed:' "$log")
}

passed=0; failed=0; skipped=0; runs_failed=0
providers="sqlite postgres"

if [ "$build_ok" -eq 0 ]; then
  if [ "$pg_ok" -ne 0 ]; then
    printf '\n!!!!!!!!\n!!! PostgreSQL could not be installed or started: ONLY THE SQLITE HALF RUNS.\n!!!!!!!!\n' >&2
    runs_failed=$((runs_failed + 1))
    providers="sqlite"
  fi
  slots=${MINDSTACK_TEST_JOBS:-4}
  if [ "${MINDSTACK_TEST_SERIAL:-0}" = "1" ]; then slots=1; fi
  say "tests on $providers, $slots at a time"
  # Longest first, by a clean-clone run's wall seconds on this machine (printed at the end of each
  # run); a published part waits for the publish, and the next run that may start takes its slot.
  queue=()
  for item in Server:early MindSwarm:all Platform:all Hardening:published Server:published MindMesh:early \
    MindPeeker:all PluginMind:all Console:all Hardening:early MindMesh:published Mindra:all Architecture:all; do
    for provider in postgres sqlite; do
      [[ " $providers " == *" $provider "* ]] && queue+=("$provider ${item%%:*} ${item##*:}")
    done
  done
  running=()
  while :; do
    alive=()
    for pid in "${running[@]}"; do kill -0 "$pid" 2>/dev/null && alive+=("$pid"); done
    running=("${alive[@]}")
    while [ "${#running[@]}" -lt "$slots" ]; do
      pick=-1
      for i in "${!queue[@]}"; do
        if [[ "${queue[$i]}" != *" published" ]] || [ -e "$work/published.ok" ] || [ -e "$work/published.failed" ]; then
          pick=$i
          break
        fi
      done
      [ "$pick" -ge 0 ] || break
      run_one ${queue[$pick]} &
      running+=("$!")
      unset 'queue[pick]'
      queue=("${queue[@]}")
    done
    if [ "${#queue[@]}" -eq 0 ] && [ "${#running[@]}" -eq 0 ]; then break; fi
    sleep 1
  done
  wait "$publish_pid"
  for provider in $providers; do count_suite "$provider"; done
  say "wall seconds of each test run"
  sort -k4 -n -r "$work/times" | awk '{printf "%-9s %-12s %-10s %4d s\n", $1, $2, $3, $4}'
else
  echo "build failed; no tests ran" >&2
fi

wait "$format_pid"
format_ok=$(cat "$work/format-code" 2>/dev/null || echo 1)
[ "$format_ok" -eq 0 ] || cat "$work/format.log"

# The failed tests' names last, where a cut log's tail still shows them.
for provider in sqlite postgres; do
  if [ -f "$work/test-$provider.log" ] && grep -qE '^\s+Failed [A-Za-z]' "$work/test-$provider.log"; then
    say "failed on $provider"
    grep -E '^\s+Failed [A-Za-z]' "$work/test-$provider.log" | sed -E 's/^\s+//' | sort -u
  fi
done

status=0
[ "$build_ok" -eq 0 ] || { echo "FAILED: build" >&2; status=1; }
[ "$format_ok" -eq 0 ] || { echo "FAILED: dotnet format --verify-no-changes (run: dotnet format Mindstack.slnx)" >&2; status=1; }
[ "$runs_failed" -eq 0 ] || status=1
[ "$failed" -eq 0 ] || status=1
echo
echo "tests: $passed passed, $failed failed, $skipped skipped"
exit $status
