# tfarm db check proves the trading invariants: on a database a real farm
# wrote, each violation planted in a copy (a settlement deleted, a fill's
# quantity, fee or price changed, a fill deleted, a reservation released under a
# live order, an order's record never made final, a settlement after its
# release, a settlement of a fill that does not exist) makes it fail and
# name the kind and the ids; work the next start finishes is listed as
# pending and does not fail it. Runs on SQLite, and on PostgreSQL with
# TFARM_TEST_BACKEND=postgresql.
source "$(dirname "$0")/lib.sh"
db=$(db_new farm)
farm=examples/single_node/farm.toml

# Trade until there are settled fills of both kinds of order: fully settled
# reservations and released ones (a buy keeps its fee allowance's rest).
"$tfarm" run --db "$db" --config "$farm" --status-every 1s >"$tmp/run.out" 2>"$tmp/run.err" &
pid=$!
deadline=$((SECONDS + 40))
released_with_fills="SELECT COUNT(*) FROM vault_reservations r WHERE r.state = 'released' AND
  EXISTS (SELECT 1 FROM fills f WHERE f.client_order_id = r.id)"
until (($(db_sql "$db" "$released_with_fills" 2>/dev/null || echo 0) >= 2)) &&
  (($(fills_in "$db") >= 10)); do
  ((SECONDS < deadline)) || { cat "$tmp/run.err"; fail "not enough fills within 40 s"; }
  sleep 0.2
done
kill -INT "$pid"
wait "$pid" || fail "the node did not stop cleanly"
expect_exit 0 "$tfarm" db check --db "$db"
expect_grep "^$(re_escape "$db"): clean$" "$tmp/out"

# plant NAME SQL: a copy of the database with SQL applied, in $copy.
plant() {
  copy=$(db_copy "$db" "$1")
  db_sql "$copy" "$2" || fail "planting $1"
}

# expect_violation NAME KIND PATTERN: db check fails on $copy naming KIND
# with a line matching PATTERN.
expect_violation() {
  expect_exit 1 "$tfarm" db check --db "$copy"
  expect_grep "^$(re_escape "$copy"): $2: .*$3" "$tmp/out"
  expect_grep "^$(re_escape "$copy"): [0-9]+ problems?$" "$tmp/out"
}

# A settled fill of an order whose reservation is closed, and its key.
read -r fill_order fill_id fill_venue account <<<"$(db_sql "$db" "
  SELECT f.client_order_id, f.venue_fill_id, f.venue, o.account FROM fills f
  JOIN orders o USING (client_order_id) JOIN vault_reservations r
    ON r.account = o.account AND r.id = o.client_order_id
  WHERE r.state = 'released' ORDER BY f.rowid LIMIT 1")"
[[ -n "$fill_order" ]] || fail "no settled fill of a released reservation"
key="$account:settle:$fill_venue:$fill_order:$fill_id"
[[ $(db_sql "$db" "SELECT COUNT(*) FROM vault_operations WHERE key = '$key' AND
  outcome = 'applied'") == 1 ]] || fail "fill $fill_id has no settlement under $key"

plant no_settlement "DELETE FROM vault_operations WHERE key = '$key'"
expect_violation no_settlement fill_unsettled "fill $fill_venue/$fill_id of order $fill_order .* no applied settlement in $account; its reservation is released"

plant qty "UPDATE fills SET qty = qty + 1 WHERE venue_fill_id = '$fill_id' AND
  client_order_id = '$fill_order'"
expect_violation qty filled_mismatch "order $fill_order .* its recorded fills sum to"
expect_violation qty settlement_amount "the settlement of fill $fill_venue/$fill_id"

plant fee "UPDATE fills SET fee = fee + 7 WHERE venue_fill_id = '$fill_id' AND
  client_order_id = '$fill_order'"
expect_violation fee fees_mismatch "settled fills charged [0-9]+ USD in fees; @fees:$fill_venue received"
expect_violation fee settlement_amount "fill $fill_venue/$fill_id"
# A fee credited to another venue's fee account is a loss for both.
plant fee_elsewhere "UPDATE ledger_entries SET account = '@fees:elsewhere' WHERE
  account = '@fees:$fill_venue' AND txn_id = (SELECT txn_id FROM vault_operations WHERE
  key = '$key') AND amount > 0"
expect_violation fee_elsewhere fees_mismatch "@fees:elsewhere received [1-9]"
# A database from before per-venue fee accounts (every fee in @fees) is
# clean, and is still checked: a fee taken out of @fees is found.
plant legacy_fees "UPDATE ledger_entries SET account = '@fees' WHERE account LIKE '@fees:%';
  UPDATE balances SET account = '@fees' WHERE account LIKE '@fees:%'"
expect_exit 0 "$tfarm" db check --db "$copy"
expect_grep "^$(re_escape "$copy"): clean$" "$tmp/out"
db_sql "$copy" "UPDATE fills SET fee = fee + 7 WHERE venue_fill_id = '$fill_id' AND
  client_order_id = '$fill_order'" || fail "planting legacy_fees"
expect_violation legacy_fees fees_mismatch "settled fills charged [0-9]+ USD in fees; @fees received"

# A fill beyond its order's limit (a buy above it, a sell below it).
plant beyond "UPDATE fills SET price = (SELECT CASE o.side WHEN 'buy' THEN o.price + 1
    ELSE o.price - 1 END FROM orders o WHERE o.client_order_id = '$fill_order')
  WHERE venue_fill_id = '$fill_id' AND client_order_id = '$fill_order'"
expect_violation beyond fill_beyond_order "fill $fill_venue/$fill_id at [0-9]+ of order $fill_order \\((buy|sell) [0-9]+ at [0-9]+\\) is beyond what the order allows"

plant no_fill "DELETE FROM fills WHERE venue_fill_id = '$fill_id' AND client_order_id = '$fill_order'"
expect_violation no_fill settlement_without_fill "settlement $key .* books a fill of order $fill_order that the fills table does not have"

# A reservation released while its order still works: the order is put
# back to open, as a stale "unknown" once left it.
plant live "UPDATE orders SET status = 'open' WHERE client_order_id = '$fill_order'"
expect_violation live reservation_closed_order_live "order $fill_order is open .* its reservation is released"

# A settlement written after the release of its reservation.
plant late "UPDATE vault_operations SET txn_id = (SELECT MAX(id) FROM ledger_transactions)
  WHERE key = '$key'"
expect_violation late released_before_fill "reservation $fill_order was released .* before fill settlement $key"

# Pending work is listed, not failed: a final order's reservation still
# open (its agent releases it at its next start).
read -r open_order open_account <<<"$(db_sql "$db" "
  SELECT r.id, r.account FROM vault_reservations r JOIN orders o ON o.client_order_id = r.id
  WHERE r.state = 'released' AND o.filled = 0 LIMIT 1")"
if [[ -n "$open_order" ]]; then
  plant pending "UPDATE vault_reservations SET state = 'open', remaining = 0
    WHERE id = '$open_order' AND account = '$open_account'"
  expect_exit 0 "$tfarm" db check --db "$copy"
  expect_grep "^$(re_escape "$copy"): reservation_open_order_final: order $open_order is .* and its reservation is still open \(pending" "$tmp/out"
  expect_grep "^$(re_escape "$copy"): 1 pending" "$tmp/out"
  expect_grep "^$(re_escape "$copy"): clean$" "$tmp/out"
fi
echo ok
