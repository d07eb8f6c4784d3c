# A store that stalls every member at once (docs/cluster.md, "Timing"):
# longer than a member may go without a renewal, shorter than its leases.
# Each member's watch stops its users in time; the renewal that was waiting
# then succeeds, and in the same round the members claim the users of a
# member frozen since before the stall, whose leases ran out meanwhile.
# Those claims stand: a member gives up only the users its watch stopped
# (they are claimed afresh), so no member starts a user again under a newer
# epoch without stopping it first, and in the end every user runs on
# exactly its one member; then the money audit.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"
root=$(pwd)
[[ $backend == postgresql ]] || fail "a cluster runs on PostgreSQL (TFARM_TEST_BACKEND)"
cd "$tmp"
db=$(db_new stall)
cluster_start
# Wider than the defaults, so that the steps below have room on a loaded
# machine: the watch fires 2 s after a member's last renewal, its leases
# run out after 4 s.
sed -i 's/^store = .*/&\nlease_ttl = "4s"\nmargin = "2s"/' "$tmp/cluster.toml"
cluster_up
check_placement
wait_for_fills "$db" 5 90

victim=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]));
print(max(s["members"], key=lambda m: len(m["users"]))["name"])' "$tmp/status.json")
[[ -n $(users_of "$victim") ]] || fail "$victim owns no user"

# The victim freezes; once its last renewal is 1.5 s old, the database
# server stops answering every member's heart (its server processes, the
# sessions that hold the members' advisory locks, are stopped) for 3 s: a
# renewal sent meanwhile waits, and is answered late. By then the victim's
# leases have run out (4 s) and the others' have not (3.25 s at most):
# their late round renews and claims the victim's users.
vpid=$(cat "$tmp/run/$victim.pid")
kill -STOP "$vpid"
now_ms="CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)"
deadline=$((SECONDS + 10))
until (($(db_sql "$db" "SELECT $now_ms - renewed_at FROM cluster_members
  WHERE name = '$victim'") >= 1500)); do
  ((SECONDS < deadline)) || { kill -CONT "$vpid"; fail "$victim still renews while frozen"; }
  sleep 0.05
done
# The members' sessions: the advisory locks of class 'tfmb' (0x74666d62,
# persistence/cluster_store.cpp) in this test's database.
hearts=$(db_sql "$db" "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND
  classid::bigint = 1952869730 AND database = (SELECT oid FROM pg_database
  WHERE datname = current_database())")
(($(wc -w <<<"$hearts") == 3)) || { kill -CONT "$vpid"; fail "not 3 member sessions: $hearts"; }
stalled_at=$(date '+%Y-%m-%d %H:%M:%S.%3N')
kill -STOP $hearts
sleep 3 # the stall
kill -CONT $hearts

# The watch fired (else this test showed nothing), and every user is
# placed on a survivor.
grep -h "the store has not answered for" "$tmp"/run/*.log >/dev/null ||
  fail "no member's watch fired: the stall was too short for this machine"
deadline=$((SECONDS + 30))
until check_placement "$victim" 2>/dev/null; do
  ((SECONDS < deadline)) || { kill -CONT "$vpid"; fail "the users did not move: $(cat "$tmp/status.json")"; }
  sleep 0.2
done
kill -CONT "$vpid"

# From each survivor's log after the stall: a user started again under a
# newer epoch must have been stopped (or given up) in between.
for f in "$tmp"/run/*.log; do
  member=$(basename "$f" .log)
  [[ $member != "$victim" ]] || continue
  python3 - "$f" "$member" "$stalled_at" <<'PY' || fail "$member started a user twice"
import re, sys
log, member, since = sys.argv[1:]
running = {}
bad = []
for line in open(log, errors="replace"):
    if line[:23] < since:
        continue
    if re.search(r"cluster member \S+: joined as incarnation", line):
        running.clear()
    m = re.search(r"cluster member \S+: started user (\S+) \(epoch (\d+)\)", line)
    if m:
        user, epoch = m.group(1), int(m.group(2))
        if user in running:
            bad.append(f"{user}: started under epoch {epoch} while running under {running[user]}")
        running[user] = epoch
        continue
    m = re.search(r"cluster member \S+: (?:stopped user (\S+)|starting (\S+?): )", line)
    if m:
        running.pop(m.group(1) or m.group(2), None)
if bad:
    sys.exit(f"{member}: " + "; ".join(bad))
PY
done
echo "the store stalled 3 s with $victim frozen: each member gave up only what its watch stopped"

# The frozen member finds itself out and joins again; each user on
# exactly its one member.
cluster_up
settled 30 "after the stall"
expect_exit 0 "$tfarm" cluster down "${cluster[@]}" "${run_dir[@]}" --wait 60s
cluster_audit
echo "ok: the store stalled every member at once; nothing lost, no user started twice"
