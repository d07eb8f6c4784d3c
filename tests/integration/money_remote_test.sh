# Venues on an exchange node: the exchange node is killed with SIGKILL mid-run
# and started again, twice, while the demo users trade through it. Its venues
# come back with new epochs (fill ids never repeat), the trading node's
# sessions fail over, close the orders the venues lost and come back; every
# fill is recorded and settled once (db check clean, positions equal fills,
# no critical incident), and a fee above the agents' allowance for a remote
# venue is still paid. Before the end, `vault reconcile` through the
# console holds the exchange node's venue statements against the fills the
# trading node recorded. With "tls" as $2 every CAF port of both nodes
# (the exchange node's directory, the console) is mutual TLS of one CA,
# and the console proves an operator certificate.
source "$(dirname "$0")/lib.sh"
mode=${2:-plain}
root=$(pwd)
cd "$tmp"
db=$tmp/farm.db
console_tls=()
if [[ $mode == tls ]]; then
  expect_exit 0 "$tfarm" certs init --dir "$tmp/pki"
  for n in exchange-1 trader-1; do
    expect_exit 0 "$tfarm" certs issue --dir "$tmp/pki" --name "$n" --role node
  done
  expect_exit 0 "$tfarm" certs issue --dir "$tmp/pki" --name ops --role operator
  console_tls=(--ca "$tmp/pki/ca.crt" --cert "$tmp/pki/ops.crt" --key "$tmp/pki/ops.key")
fi
tls_block() {
  [[ $mode == tls ]] || return 0
  printf '\n[tls]\nca = "%s"\ncert = "%s"\nkey = "%s"\n' "$tmp/pki/ca.crt" "$tmp/pki/$1.crt" \
    "$tmp/pki/$1.key"
}

# The exchange node, on a port of its own that it takes again after a kill.
sed -e 's|interval = "100ms"|interval = "50ms"|' \
  -e 's|taker_fee_bps = 10|taker_fee_bps = 300|' \
  "$root/examples/exchange_node/farm.toml" >"$tmp/exchange.toml"
tls_block exchange-1 >>"$tmp/exchange.toml"
start_exchange() {
  "$tfarm" exchange-sim serve -c "$tmp/exchange.toml" --db "$tmp/exchange.db" \
    --listen "127.0.0.1:$xport" >>"$tmp/ex.out" 2>>"$tmp/ex.err" &
  xpid=$!
  wait_for_line "^Offering venues to other nodes on 127\.0\.0\.1:$xport\.$" "$tmp/ex.out" 20
}
for attempt in 1 2 3 4 5; do
  xport=$((20000 + RANDOM % 12000))
  : >"$tmp/ex.out"
  "$tfarm" exchange-sim serve -c "$tmp/exchange.toml" --db "$tmp/exchange.db" \
    --listen "127.0.0.1:$xport" >>"$tmp/ex.out" 2>>"$tmp/ex.err" &
  xpid=$!
  deadline=$((SECONDS + 20))
  until grep -qE "Offering venues|error" "$tmp/ex.out" "$tmp/ex.err" 2>/dev/null; do
    ((SECONDS < deadline)) || fail "the exchange node did not start: $(cat "$tmp/ex.err")"
    sleep 0.1
  done
  grep -q "127.0.0.1:$xport" "$tmp/ex.out" && break
  wait $xpid || true
  : >"$tmp/ex.err"
done
grep -q "127.0.0.1:$xport" "$tmp/ex.out" || fail "no free port for the exchange node"

# The demo farm with its venues on the exchange node (sim-b the backup).
python3 "$root/scripts/remote_demo_farm.py" "$root/examples/single_node/farm.toml" \
  "$tmp/farm.toml" "$xport" "$root/examples/policies/default.toml"
tls_block trader-1 >>"$tmp/farm.toml"
cport=$((20000 + RANDOM % 12000))
token=remote-soak-admin-token-1
TFARM_ADMIN_TOKEN=$token "$tfarm" run -c "$tmp/farm.toml" --db "$db" --summary "$tmp/s.json" \
  --console-port "$cport" >"$tmp/run.out" 2>"$tmp/run.err" &
pid=$!
wait_for_fills "$db" 15 60
for round in 1 2; do
  kill -9 "$xpid"
  wait "$xpid" 2>/dev/null || true
  sleep 1
  start_exchange
  wait_for_fills "$db" $(($(fills_in "$db") + 10)) 60
done
# The venues' statements (new epochs after each kill) against the record.
TFARM_ADMIN_TOKEN=$token expect_exit 0 "$tfarm" console --connect "127.0.0.1:$cport" \
  "${console_tls[@]}" -e "vault reconcile"
expect_grep '^reconciled: clean' "$tmp/out"
expect_grep '^venues: ([1-9][0-9]*) of \1 account statements agree' "$tmp/out"
if [[ $mode == tls ]]; then
  # Really TLS: the console says so, and a client without a certificate is
  # refused at the handshake.
  expect_grep 'console on 127\.0\.0\.1:[0-9]+ \([0-9]+ workers, mutual TLS\)' "$tmp/run.err"
  TFARM_ADMIN_TOKEN=$token expect_exit 2 "$tfarm" console --connect "127.0.0.1:$cport" \
    --retries 1 -e "vault status"
fi
kill -INT "$pid"
wait "$pid" || fail "the trading node did not stop cleanly: $(tail -5 "$tmp/run.err")"
kill -TERM "$xpid"
wait "$xpid" || true
money_audit "$db" "$tmp/s.json"
# Taker fees of 300 bps, above what a buy reserves for a remote venue's
# unknown fees (50 bps, and the market order's collar): the rest is taken
# from available funds, and every fee reached its venue's @fees:VENUE (db check).
(($(sqlite3 "$db" "SELECT COUNT(*) FROM vault_operations WHERE op = 'settle' AND
  detail LIKE '% from available: reservation % did not cover it'") > 0)) ||
  fail "no fee above the allowance was paid from available funds"
[[ $(sqlite3 "$db" "SELECT COUNT(*) FROM (SELECT 1 FROM fills GROUP BY venue, venue_fill_id
  HAVING COUNT(*) > 1)") == 0 ]] || fail "a venue's fill id repeats"
echo "ok: $(fills_in "$db") fills ($mode)"
