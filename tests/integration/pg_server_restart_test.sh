# The PostgreSQL server crashes under a trading farm and comes back: the
# store refuses writes while it is down (nothing acknowledged that did not
# commit), raises the store_connection alert at once, reconnects by itself,
# and the farm trades on; afterwards every fill is settled once and every
# position equals its fills. The test runs its own server (it crashes it).
source "$(dirname "$0")/lib.sh"
root=$(pwd)
state=$tmp/pg.state
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true;
  bash "$root/scripts/pg_private.sh" stop "$state" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
bash scripts/pg_private.sh start "$state" --owner $$ >/dev/null
admin=$(head -1 "$state")
psql -qAt -v ON_ERROR_STOP=1 "$admin" -c "CREATE DATABASE farm" >/dev/null
db=${admin/\/postgres\?//farm?}

command -v curl >/dev/null || fail "curl is missing (scripts/setup.sh --tests installs it)"
start_on_free_port --http-port "HTTP API on http://" \
  "$tfarm" run --db "$db" --config examples/single_node/farm.toml --summary "$tmp/s.json"
health() { curl -s -o "$tmp/health" -w '%{http_code}' "http://127.0.0.1:$port/api/health"; }
wait_for_fills "$db" 10 40
[[ $(health) == 200 ]] || fail "not healthy before the crash: $(cat "$tmp/health")"

bash scripts/pg_private.sh crash "$state"
wait_for_line "lost the database server" "$tmp/run.err" 20
wait_for_line "ALERT critical firing .*store_connection" "$tmp/run.err" 20
# What a load balancer sees: down, and why.
[[ $(health) == 503 ]] || fail "health is not 503 while the database is away: $(cat "$tmp/health")"
expect_grep '"database_connected":false' "$tmp/health"
expect_grep "the store cannot reach its database" "$tmp/health"
sleep 1 # trading goes on trying while the server is away
bash scripts/pg_private.sh resume "$state"
wait_for_line "reconnected after [0-9]+ ms down" "$tmp/run.err" 20
kill -0 "$pid" || fail "the node died with its database server: $(tail -5 "$tmp/run.err")"
deadline=$((SECONDS + 20))
until [[ $(health) == 200 ]]; do
  ((SECONDS < deadline)) || fail "not healthy again after the reconnect: $(cat "$tmp/health")"
  sleep 0.2
done
fills=$(fills_in "$db")
wait_for_fills "$db" $((fills + 10)) 60

kill -INT "$pid"
wait "$pid" || fail "the node did not stop cleanly: $(tail -5 "$tmp/run.err")"
money_audit "$db" "$tmp/s.json"
echo ok
