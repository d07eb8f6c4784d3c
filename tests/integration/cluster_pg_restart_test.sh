# The PostgreSQL server of a running cluster crashes and comes back after
# longer than the lease TTL (docs/cluster.md): every member stops its users
# before its leases could run out (it cannot renew), reconnects, joins
# again, and the cluster places every user again -- on exactly one member
# each, the one the placement names -- and trades on; afterwards db check
# is clean and no fill was recorded twice. The test runs its own server
# (it crashes it).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"
root=$(pwd)
state=$tmp/pg.state
trap 'kill $(jobs -p) 2>/dev/null || true;
  [[ -n "${cluster[*]:-}" ]] && "$tfarm" cluster down "${cluster[@]}" "${run_dir[@]}" --wait 20s \
    >/dev/null 2>&1; kill_members; wait 2>/dev/null || true;
  bash "$root/scripts/pg_private.sh" stop "$state" >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
bash scripts/pg_private.sh start "$state" --owner $$ >/dev/null
admin=$(head -1 "$state")
psql -qAt -v ON_ERROR_STOP=1 "$admin" -c "CREATE DATABASE cluster" >/dev/null
db=${admin/\/postgres\?//cluster?}
cd "$tmp"

cluster_start
cluster_up
wait_for_fills "$db" 10 90
running_owners || fail "before the crash: a user is not running where it is placed"

bash "$root/scripts/pg_private.sh" crash "$state"
sleep 2 # longer than the lease TTL (1.5 s): every lease runs out meanwhile
bash "$root/scripts/pg_private.sh" resume "$state"

# Every member rejoins (a new incarnation: its renewal came too late; its
# users stopped first, each stop bounded by the request timeout while the
# store reconnects) and the users are placed again, each running on one
# member only.
deadline=$((SECONDS + 30))
for n in 1 2 3; do
  log=$tmp/run/node-$n.log
  until (($(grep -c "cluster member node-$n: joined as incarnation" "$log") >= 2)); do
    kill -0 "$(cat "$tmp/run/node-$n.pid")" ||
      fail "node-$n died with the server: $(tail -5 "$log")"
    ((SECONDS < deadline)) ||
      fail "node-$n did not join again: $(grep "cluster member" "$log" | tail -5)"
    sleep 0.2
  done
done
cluster_up # every member up again, every user placed where the cluster gives it
expect_grep "^Cluster test is up: 3 local members" "$tmp/out"
running_owners || fail "after the crash: a user does not run on exactly its one member"
fills=$(fills_in "$db")
wait_for_fills "$db" $((fills + 10)) 60

expect_exit 0 "$tfarm" cluster down "${cluster[@]}" "${run_dir[@]}" --wait 60s
cluster_audit
echo "ok: $(fills_in "$db") fills"
