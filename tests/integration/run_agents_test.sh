# `tfarm run` trades: orders placed and filled, fills settled in the vault,
# every agent's position equal to the sum of its fills; a process killed
# with SIGKILL mid-run, restarted on its database, resumes with `db check`
# clean and nothing lost. Runs on SQLite, and on PostgreSQL with
# TFARM_TEST_BACKEND=postgresql.
source "$(dirname "$0")/lib.sh"
db=$(db_new farm)
farm=examples/single_node/farm.toml

expect_exit 0 "$tfarm" run --db "$db" --config "$farm" --for 4s --summary "$tmp/s1.json"
expect_grep '"fills": [1-9]' "$tmp/s1.json"
expect_grep '"/user/alice/mm-1"' "$tmp/s1.json"
money_audit "$db" "$tmp/s1.json"
# A clean stop cancelled the working orders and released their money.
[[ $(db_sql "$db" "SELECT COUNT(*) FROM vault_reservations WHERE state = 'open'") == 0 ]] ||
  fail "reservations left open by a clean stop"
fills1=$(fills_in "$db")
orders1=$(db_sql "$db" "SELECT COUNT(*) FROM orders")

# SIGKILL while trading: wait (with a deadline) for new fills, then kill.
"$tfarm" run --db "$db" --config "$farm" --status-every 200ms >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
wait_for_fills "$db" $((fills1 + 5)) 30
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
# What the next start finishes (fills to settle, releases) is pending, not wrong.
expect_exit 0 "$tfarm" db check --db "$db"

# Restarted on the same database: resumes (orders and fills continue), and
# the fills of the killed run are all settled or reconciled.
expect_exit 0 "$tfarm" run --db "$db" --config "$farm" --for 3s --summary "$tmp/s3.json"
expect_grep "epoch 3, position" "$tmp/err"
money_audit "$db" "$tmp/s3.json"
expect_exit 0 "$tfarm" db check --db "$db"
expect_grep "^$(re_escape "$db"): clean$" "$tmp/out"
grep -q "pending" "$tmp/out" && fail "work left pending after a clean run: $(cat "$tmp/out")"
orders3=$(db_sql "$db" "SELECT COUNT(*) FROM orders")
((orders3 > orders1)) || fail "no new orders after the restart ($orders1 -> $orders3)"
# The summary's order counts continue from the database, not from zero.
total3=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["totals"]["orders"])' "$tmp/s3.json")
((total3 == orders3)) || fail "summary counts $total3 orders, the database $orders3"
echo ok
