# kill -9 of a trading node, then `db check` (clean; what the next start
# finishes is listed as pending) and a resume on the same database: every
# fill settled once, every agent's position equal to its fills. Runs on
# SQLite, and on PostgreSQL with TFARM_TEST_BACKEND=postgresql.
source "$(dirname "$0")/lib.sh"
db=$(db_new farm)
farm=examples/single_node/farm.toml

"$tfarm" run --db "$db" --config "$farm" >"$tmp/run.out" 2>"$tmp/run.err" &
pid=$!
wait_for_fills "$db" 15 40
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true

# Nothing acknowledged is lost: the ledger balances and every recorded fill
# has its settlement, or is listed for the next start to settle.
expect_exit 0 "$tfarm" db check --db "$db"
expect_grep "^$(re_escape "$db"): clean$" "$tmp/out"
fills=$(fills_in "$db")

expect_exit 0 "$tfarm" run --db "$db" --config "$farm" --for 5s --summary "$tmp/s.json"
(($(fills_in "$db") >= fills)) || fail "fills went from $fills to $(fills_in "$db")"
money_audit "$db" "$tmp/s.json"
# Nothing pending is left after the resume.
expect_exit 0 "$tfarm" db check --db "$db"
if grep -q "pending" "$tmp/out"; then
  cat "$tmp/out"
  fail "work left pending after a resume"
fi
echo ok
