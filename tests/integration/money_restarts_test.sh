# Every fill recorded and settled once across what restarts a farm: a venue
# actor killed mid-run, /store killed three times while trading (the root
# restarts everything after it), an agent started from the console and then
# its user's supervisor killed, and a node restart after at least 100 fills.
# After each: `db check` clean (ledger and trading invariants), positions
# equal fills, no critical incident. Runs on SQLite, and on PostgreSQL with
# TFARM_TEST_BACKEND=postgresql.
source "$(dirname "$0")/lib.sh"
root=$(pwd)
tfarm=$(realpath "$tfarm")
export TFARM_ADMIN_TOKEN=integration-money-token-7
cd "$tmp"
db=$(db_new farm)

# The demo farm, trading faster (a 20 ms market, a busier market maker).
sed -e "s|\.\./policies/default.toml|$root/examples/policies/default.toml|" \
  -e 's|interval = "100ms"|interval = "20ms"|' \
  -e 's|requote_bps = 10, order_rate = "300/min"|requote_bps = 4, order_rate = "1200/min"|' \
  "$root/examples/single_node/farm.toml" >"$tmp/farm.toml"

start_on_free_port --console-port "Console on " \
  "$tfarm" run -c "$tmp/farm.toml" --db "$db" --summary "$tmp/s1.json"
console=("$tfarm" console --connect "127.0.0.1:$port" --retries 3)
wait_for_fills "$db" 20 60

# A venue actor killed mid-run: it comes back with a new epoch; the orders
# it lost are closed, the sessions fail over and back.
expect_exit 0 "${console[@]}" -e "kill /exchanges/venues/sim-a --reason test"
wait_for_fills "$db" $(($(fills_in "$db") + 10)) 60

# /store killed three times while trading.
for i in 1 2 3; do
  expect_exit 0 "${console[@]}" -e "kill /store --reason test-$i"
  expect_grep "restarted by its supervisor" "$tmp/out"
  wait_for_fills "$db" $(($(fills_in "$db") + 5)) 60
done

# An agent started from the console survives its user's supervisor.
expect_exit 0 "${console[@]}" -e "agent start bob market_maker --id mm-b --param venue=sim-a \
  --param account=bob-main --param symbol=BTC-USD --param qty=1 --param spread_bps=10"
expect_exit 0 "${console[@]}" -e "kill /user/bob --reason test"
deadline=$((SECONDS + 30))
until "${console[@]}" -e "info /user/bob/mm-b" >"$tmp/info" 2>&1 && grep -q "running" "$tmp/info"; do
  ((SECONDS < deadline)) || { cat "$tmp/info"; fail "mm-b did not come back"; }
  sleep 0.2
done
wait_for_fills "$db" 100 90

kill -INT "$pid"
wait "$pid" || fail "the node did not stop cleanly: $(tail -5 "$tmp/run.err")"
money_audit "$db" "$tmp/s1.json"
fills1=$(fills_in "$db")

# The node restarts on its database: it resumes, mm-b comes back (durable),
# and every fill stays recorded and settled once.
expect_exit 0 "$tfarm" run -c "$tmp/farm.toml" --db "$db" --for 6s --summary "$tmp/s2.json"
expect_grep '"/user/bob/mm-b"' "$tmp/s2.json"
(($(fills_in "$db") > fills1)) || fail "no fills after the restart"
money_audit "$db" "$tmp/s2.json"
# Fill ids never repeat: every venue epoch numbers its own trades.
[[ $(db_sql "$db" "SELECT COUNT(*) FROM (SELECT 1 FROM fills GROUP BY venue, venue_fill_id
  HAVING COUNT(*) > 1) AS repeated") == 0 ]] || fail "a venue's fill id repeats"
echo ok
