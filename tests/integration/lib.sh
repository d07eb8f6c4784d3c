# Helpers for CLI tests: source it, then call the functions. Every test runs
# from the project root with the tfarm binary as $1.
set -euo pipefail
tfarm=$1
tmp=$(mktemp -d)
# kept_on_failure: a failed test's files (logs, databases) are copied to
# $TFARM_TEST_KEEP/TEST-PID when that is set, to be read after it ended.
kept_on_failure() {
  local rc=$1
  ((rc != 0)) && [[ -n ${TFARM_TEST_KEEP:-} ]] || return 0
  local to=$TFARM_TEST_KEEP/$(basename "$0" .sh)-$$
  mkdir -p "$to" && cp -r "$tmp/." "$to/" 2>/dev/null || true
  echo "the test's files: $to" >&2
}
# Background processes of a failed test must not outlive it.
trap 'kept_on_failure $?; kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true
  rm -rf "$tmp"' EXIT
# Nor those that left the test's process tree, when ctest kills the test at
# its timeout and no trap runs (reaper.sh): they carry this mark.
export TFARM_TEST_RUN=$tmp
setsid --fork env -u TFARM_TEST_RUN bash "${BASH_SOURCE[0]%/*}/reaper.sh" $$ "$tmp" \
  </dev/null >/dev/null 2>&1

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

# Random ports are drawn from 20000-31999, below Linux's ephemeral range
# (32768-60999): a port there can be held by any outgoing connection of a
# test running beside, and a node then cannot listen on it.
# start_on_free_port OPTION ANNOUNCE CMD...: starts `CMD... OPTION PORT` in
# the background with a random port, output to $tmp/run.out and run.err, and
# waits for "ANNOUNCE127.0.0.1:PORT" in its output; tries another port when the
# node cannot bind it. Sets $port and $pid.
start_on_free_port() {
  local option=$1 announce=$2 attempt deadline
  shift 2
  for attempt in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 12000))
    # Emptied here: the background job's own redirection may come after the
    # check below has read the previous attempt's output.
    : >"$tmp/run.out"
    : >"$tmp/run.err"
    "$@" "$option" "$port" >>"$tmp/run.out" 2>>"$tmp/run.err" &
    pid=$!
    deadline=$((SECONDS + 30))
    # Announced, or exited (the port taken): an error a running node logs
    # is neither.
    until grep -q "${announce}127.0.0.1:$port" "$tmp/run.out" 2>/dev/null ||
      ! kill -0 "$pid" 2>/dev/null; do
      ((SECONDS < deadline)) || { cat "$tmp/run.err"; fail "the node did not print '$announce'"; }
      sleep 0.1
    done
    grep -q "${announce}127.0.0.1:$port" "$tmp/run.out" && return 0
    wait $pid || true
  done
  cat "$tmp/run.err"
  fail "no free port found"
}

# The backend a test runs on: TFARM_TEST_BACKEND=postgresql puts every
# database it makes on the private server the ctest fixture tfarm_pg started
# (TFARM_TEST_PG_STATE); else SQLite files under $tmp.
backend=${TFARM_TEST_BACKEND:-sqlite}
pg_admin=""
if [[ $backend == postgresql ]]; then
  [[ -n "${TFARM_TEST_PG_STATE:-}" && -s "$TFARM_TEST_PG_STATE" ]] ||
    fail "TFARM_TEST_BACKEND=postgresql needs the private server (TFARM_TEST_PG_STATE)"
  pg_admin=$(head -1 "$TFARM_TEST_PG_STATE")
fi

# db_new NAME: a new, empty database for this test (prints its --db target).
db_new() {
  if [[ $backend == sqlite ]]; then
    echo "$tmp/$1.db"
  else
    local name="t$$_${RANDOM}_$1"
    psql -qAt -v ON_ERROR_STOP=1 "$pg_admin" -c "CREATE DATABASE $name" >/dev/null ||
      fail "cannot create database $name"
    echo "${pg_admin/\/postgres\?//$name?}"
  fi
}

# db_sql DB SQL: runs SQL on DB; rows come out one a line, columns separated
# by one space.
db_sql() {
  if [[ $1 == postgresql://* ]]; then
    psql -qAt -F ' ' -v ON_ERROR_STOP=1 "$1" -c "$2"
  else
    sqlite3 -separator ' ' "$1" "$2"
  fi
}

# db_copy DB NAME: a copy of DB (no node may be using it); prints its target.
db_copy() {
  if [[ $1 == postgresql://* ]]; then
    local src=${1#*://*/}
    src=${src%%\?*}
    local name="t$$_${RANDOM}_$2"
    psql -qAt -v ON_ERROR_STOP=1 "$pg_admin" -c "CREATE DATABASE $name TEMPLATE $src" \
      >/dev/null || fail "cannot copy database $src"
    echo "${pg_admin/\/postgres\?//$name?}"
  else
    cp "$1" "$tmp/$2.db"
    echo "$tmp/$2.db"
  fi
}

# re_escape TEXT: TEXT as an extended regular expression matching itself.
re_escape() {
  printf '%s' "$1" | sed 's/[][\.^$*+?(){}|/]/\\&/g'
}

# positions_off DB SUMMARY: the agents of a `--summary` file whose position
# differs from the signed sum of their fills in DB (one line each).
positions_off() {
  db_sql "$1" "SELECT o.agent, SUM(CASE o.side WHEN 'buy' THEN f.qty ELSE -f.qty END)
    FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id GROUP BY o.agent" |
    python3 -c '
import json, sys
fills = {}
for line in sys.stdin:
    agent, pos = line.split()
    fills[agent] = int(pos)
for a in json.load(open(sys.argv[1]))["agents"]:
    path, pos = a["path"], a["position"]
    want = fills.get(path, 0)
    if pos != want:
        print(f"{path}: summary {pos}, fills {want}")
' "$2"
}

# money_audit DB [SUMMARY]: `tfarm db check` clean (the ledger and the
# trading invariants: every fill settled once with the right amounts, no
# reservation closed before its order), no critical incident alert, and,
# given a run summary, every agent's position equal to its fills.
money_audit() {
  expect_exit 0 "$tfarm" db check --db "$1"
  expect_grep "^$(re_escape "$1"): clean$" "$tmp/out"
  local critical
  critical=$(db_sql "$1" "SELECT COUNT(*) FROM alerts WHERE severity = 'critical' AND
    rule LIKE 'incident:%'")
  ((critical == 0)) || fail "critical incidents: $(db_sql "$1" "SELECT message FROM alerts
    WHERE severity = 'critical' AND rule LIKE 'incident:%' LIMIT 5")"
  if [[ -n "${2:-}" ]]; then
    local off
    off=$(positions_off "$1" "$2")
    [[ -z "$off" ]] || fail "positions differ from fills: $off"
  fi
}

# fills_in DB: how many fills DB holds (0 while it cannot be read).
fills_in() {
  db_sql "$1" "SELECT COUNT(*) FROM fills" 2>/dev/null || echo 0
}

# wait_for_fills DB N SECONDS: waits until DB holds at least N fills.
wait_for_fills() {
  local deadline=$((SECONDS + $3))
  until (($(fills_in "$1") >= $2)); do
    ((SECONDS < deadline)) || fail "$1 has $(fills_in "$1") fills, not $2, after $3 s"
    sleep 0.2
  done
}

# backup_farm FILE DIR: a farm file with one heartbeat agent and backups
# every second into DIR, two kept.
backup_farm() {
  cat >"$1" <<TOML
[backup]
every = "1s"
dir = "$2"
keep = 2
[[user]]
name = "u"
  [[user.agent]]
  id = "a"
  kind = "heartbeat"
TOML
}
