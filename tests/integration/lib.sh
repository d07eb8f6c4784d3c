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
