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
bash scripts/pg_private.sh start "$state" >/dev/null
admin=$(head -1 "$state")
psql -qAt -v ON_ERROR_STOP=1 "$admin" -c "CREATE DATABASE farm" >/dev/null
db=${admin/\/postgres\?//farm?}

"$tfarm" run --db "$db" --config examples/single_node/farm.toml --summary "$tmp/s.json" \
  >"$tmp/run.out" 2>"$tmp/run.err" &
pid=$!
wait_for_fills "$db" 10 40

bash scripts/pg_private.sh crash "$state"
wait_for_line "lost the database server" "$tmp/run.err" 20
wait_for_line "ALERT critical firing .*store_connection" "$tmp/run.err" 20
sleep 1 # trading goes on trying while the server is away
bash scripts/pg_private.sh resume "$state"
wait_for_line "reconnected after [0-9]+ ms down" "$tmp/run.err" 20
kill -0 "$pid" || fail "the node died with its database server: $(tail -5 "$tmp/run.err")"
fills=$(fills_in "$db")
wait_for_fills "$db" $((fills + 10)) 60

kill -INT "$pid"
wait "$pid" || fail "the node did not stop cleanly: $(tail -5 "$tmp/run.err")"
money_audit "$db" "$tmp/s.json"
echo ok
