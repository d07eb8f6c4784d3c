# `tfarm exchange-sim serve` runs an exchange node; a `tfarm run` node whose
# farm file names its venues as remote reaches them; a bad endpoint is a
# config error with its position.
source "$(dirname "$0")/lib.sh"
"$tfarm" exchange-sim serve --db "$tmp/exchange.db" --listen 127.0.0.1:0 \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
serve=$!
wait_for_line "^Offering venues to other nodes on 127\.0\.0\.1:[0-9]+\.$" "$tmp/serve.out" 20
port=$(grep -oE "127\.0\.0\.1:[0-9]+" "$tmp/serve.out" | head -1 | cut -d: -f2)
cat >"$tmp/trader.toml" <<TOML
[vault]
assets = ["USD", "BTC", "ETH"]
[exchange]
  [[exchange.venue]]
  name = "sim-a"
  kind = "remote"
  endpoint = "127.0.0.1:$port"
  [[exchange.session]]
  venue = "sim-a"
  account = "acct1"
TOML
expect_exit 0 "$tfarm" run --config "$tmp/trader.toml" --db "$tmp/trader.db" --for 1s
expect_grep "connected to remote venue sim-a" "$tmp/err"
expect_grep "remote +venue_connector" "$tmp/out"
kill -s TERM "$serve"
code=0
wait "$serve" || code=$?
[[ $code -eq 0 ]] || { cat "$tmp/serve.err"; fail "serve exit code $code"; }
expect_grep "^Stopped cleanly" "$tmp/serve.out"
# A malformed endpoint is named with its position.
sed -i "s/127.0.0.1:$port/localhost/" "$tmp/trader.toml"
expect_exit 1 "$tfarm" config check "$tmp/trader.toml"
expect_grep "trader.toml:7:14: error: endpoint 'localhost' must be HOST:PORT" "$tmp/out"
echo ok
