# Helpers for CLI tests: source it, then call the functions. Every test runs
# from the project root with the tfarm binary as $1.
set -euo pipefail
tfarm=$1
tmp=$(mktemp -d)
# Background processes of a failed test must not outlive it.
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_exit CODE CMD...: runs CMD, output to $tmp/out and $tmp/err.
expect_exit() {
  local want=$1
  shift
  local got=0
  "$@" >"$tmp/out" 2>"$tmp/err" || got=$?
  if [[ $got -ne $want ]]; then
    echo "--- stdout"; cat "$tmp/out"; echo "--- stderr"; cat "$tmp/err"
    fail "exit code $got, want $want: $*"
  fi
}

# expect_grep PATTERN FILE
expect_grep() {
  grep -qE -- "$1" "$2" || { echo "--- $2"; cat "$2"; fail "no line matches '$1' in $2"; }
}

# wait_for_line PATTERN FILE SECONDS: waits for a line to appear (deadline).
wait_for_line() {
  local deadline=$((SECONDS + $3))
  until grep -qE -- "$1" "$2" 2>/dev/null; do
    ((SECONDS < deadline)) || { cat "$2"; fail "'$1' did not appear in $2 within $3 s"; }
    sleep 0.05
  done
}

# start_on_free_port OPTION ANNOUNCE CMD...: starts `CMD... OPTION PORT` in
# the background with a random port, output to $tmp/run.out and run.err, and
# waits for "ANNOUNCE127.0.0.1:PORT" in its output; tries another port when the
# node cannot bind it. Sets $port and $pid.
start_on_free_port() {
  local option=$1 announce=$2 attempt deadline
  shift 2
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    "$@" "$option" "$port" >"$tmp/run.out" 2>"$tmp/run.err" &
    pid=$!
    deadline=$((SECONDS + 30))
    until grep -qE "$announce|error" "$tmp/run.out" "$tmp/run.err" 2>/dev/null; do
      ((SECONDS < deadline)) || { cat "$tmp/run.err"; fail "the node did not print '$announce'"; }
      sleep 0.1
    done
    grep -q "${announce}127.0.0.1:$port" "$tmp/run.out" && return 0
    wait $pid || true
  done
  cat "$tmp/run.err"
  fail "no free port found"
}
