# `tfarm run` trades: orders placed and filled, fills settled in the vault,
# every agent's position equal to the sum of its fills; a process killed
# with SIGKILL mid-run, restarted on its database, resumes with `db check`
# clean and nothing lost.
source "$(dirname "$0")/lib.sh"
db=$tmp/farm.db
farm=examples/single_node/farm.toml

# Every agent's position in a summary equals the sum of its fills in the
# database (prints the agents that differ).
positions_off() {
  sqlite3 "$db" "SELECT a.path || ': summary ' || a.pos || ', fills ' || (
      SELECT COALESCE(SUM(CASE o.side WHEN 'buy' THEN f.qty ELSE -f.qty END), 0)
      FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id WHERE o.agent = a.path)
    FROM (SELECT json_extract(value, '$.path') AS path, json_extract(value, '$.position') AS pos
          FROM json_each(readfile('$1'), '$.agents')) a
    WHERE a.pos != (
      SELECT COALESCE(SUM(CASE o.side WHEN 'buy' THEN f.qty ELSE -f.qty END), 0)
      FROM fills f JOIN orders o ON o.client_order_id = f.client_order_id WHERE o.agent = a.path)"
}

# Fills neither settled in the vault nor waiting on an open reservation
# (those are settled when their agent next starts): lost money.
unsettled() {
  sqlite3 "$db" "SELECT f.venue_fill_id FROM fills f JOIN orders o USING (client_order_id)
    WHERE NOT EXISTS (SELECT 1 FROM vault_operations v
                      WHERE v.key = o.account || ':settle:' || f.venue || ':' ||
                                    f.client_order_id || ':' || f.venue_fill_id)
      AND NOT EXISTS (SELECT 1 FROM vault_reservations r WHERE r.account = o.account
                      AND r.id = o.client_order_id AND r.state = 'open')"
}

expect_exit 0 "$tfarm" run --db "$db" --config "$farm" --for 4s --summary "$tmp/s1.json"
expect_grep '"fills": [1-9]' "$tmp/s1.json"
expect_grep '"/user/alice/mm-1"' "$tmp/s1.json"
expect_exit 0 "$tfarm" db check --db "$db"
[[ -z "$(positions_off "$tmp/s1.json")" ]] || fail "positions differ from fills: $(positions_off "$tmp/s1.json")"
[[ -z "$(unsettled)" ]] || fail "fills not settled: $(unsettled)"
fills1=$(sqlite3 "$db" "SELECT COUNT(*) FROM fills")
orders1=$(sqlite3 "$db" "SELECT COUNT(*) FROM orders")

# SIGKILL while trading: wait (with a deadline) for new fills, then kill.
"$tfarm" run --db "$db" --config "$farm" --status-every 200ms >"$tmp/out2" 2>"$tmp/err2" &
pid=$!
deadline=$((SECONDS + 30))
until (($(sqlite3 "$db" "SELECT COUNT(*) FROM fills" 2>/dev/null || echo 0) > fills1 + 5)); do
  ((SECONDS < deadline)) || { cat "$tmp/err2"; fail "no new fills within 30 s"; }
  sleep 0.1
done
kill -9 "$pid"
wait "$pid" 2>/dev/null || true
expect_exit 0 "$tfarm" db check --db "$db"

# Restarted on the same database: resumes (orders and fills continue), and
# the fills of the killed run are all settled or reconciled.
expect_exit 0 "$tfarm" run --db "$db" --config "$farm" --for 3s --summary "$tmp/s3.json"
expect_grep "epoch 3, position" "$tmp/err"
expect_exit 0 "$tfarm" db check --db "$db"
[[ -z "$(positions_off "$tmp/s3.json")" ]] || fail "positions differ from fills: $(positions_off "$tmp/s3.json")"
[[ -z "$(unsettled)" ]] || fail "fills not settled after the restart: $(unsettled)"
orders3=$(sqlite3 "$db" "SELECT COUNT(*) FROM orders")
((orders3 > orders1)) || fail "no new orders after the restart ($orders1 -> $orders3)"
# The summary's order counts continue from the database, not from zero.
total3=$(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/s3.json'), '$.totals.orders')")
((total3 == orders3)) || fail "summary counts $total3 orders, the database $orders3"
echo ok
