# Money soak of a cluster (docs/cluster.md): three members trade the example
# cluster farm for ROUNDS rounds ($2, default 6); each round does one fault
# to a random member -- SIGKILL (then started again), SIGSTOP past its lease
# (then SIGCONT), or SIGTERM (a leave, then a join) -- and waits for the
# users to be placed and trading again. Just before each fault, the faulted
# member is asked for a transfer from one of its users to a user on another
# member (cut off anywhere: before, amid or after its debit); once settled,
# the operator asks again with the same key on the sender's member now.
# At the end: every user runs on exactly its one member, `cluster down`
# hands everything off, and the money audit holds (db check clean: the
# ledger sums to zero, every fill settled exactly once, no reservation
# closed before its order; no fill recorded twice; no order reached a venue
# twice; no critical incident;
# each transfer made once, nothing pending, @transit empty). The seed ($3)
# makes the schedule repeatable.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"
root=$(pwd)
rounds=${2:-6}
RANDOM=${3:-7}
[[ $backend == postgresql ]] || fail "a cluster runs on PostgreSQL (TFARM_TEST_BACKEND)"
cd "$tmp"
db=$(db_new soak)
cluster_start
cluster_up
wait_for_fills "$db" 10 90

faults=(kill stop term)
transfers=()
for ((round = 1; round <= rounds; round++)); do
  member=node-$((RANDOM % 3 + 1))
  fault=${faults[RANDOM % 3]}
  pid=$(cat "$tmp/run/$member.pid")
  status
  read -r from to < <(python3 - "$tmp/status.json" "$member" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["placement"]
mine = sorted(u for u in p if p[u]["node"] == sys.argv[2])
others = sorted(u for u in p if p[u]["node"] != sys.argv[2])
print(mine[0] if mine else "-", others[0] if others else "-")
PY
  )
  if [[ $from != - && $to != - ]]; then
    transfers+=("$from-main $to-main $round")
    console "$member" vault transfer "$from-main" "$to-main" $((100 + round)) USD \
      --key "soak-$round" >/dev/null 2>&1 &
    sleep 0.$((RANDOM % 4)) # the fault lands before, amid or after the debit
  fi
  case $fault in
    kill) kill -9 "$pid" ;;
    stop)
      kill -STOP "$pid"
      sleep 3 # past its lease
      kill -CONT "$pid"
      ;;
    term)
      kill -TERM "$pid"
      wait_for_line "left the cluster" "$tmp/run/$member.log" 20
      ;; # cluster up starts it again once it has exited
  esac
  # Everything comes back: a killed or departed member is started again,
  # a frozen one joins again by itself (up waits for it).
  cluster_up
  # Settled: every user on exactly the member the placement names.
  settled 30 "round $round"
  if [[ $from != - && $to != - ]]; then
    # The operator asks again, on the member that runs the sender now. On a
    # loaded machine a member can lose its leases to a store that did not
    # answer in time, even after the cluster settled: the member asked then
    # says the account runs elsewhere, and the operator looks again.
    deadline=$((SECONDS + 30))
    until status && owner=$(owner_of "$from") && [[ $owner != None ]] &&
      console "$owner" vault transfer "$from-main" "$to-main" $((100 + round)) USD \
        --key "soak-$round" >"$tmp/out" 2>"$tmp/err"; do
      [[ $owner == None ]] || grep -qE "is not on this member|runs on member" "$tmp/err" ||
        { cat "$tmp/out" "$tmp/err"; fail "round $round: the transfer asked again failed"; }
      ((SECONDS < deadline)) || fail "round $round: $from has no member to ask within 30 s"
      sleep 0.2
    done
    expect_grep "^(transferred|transfer already made): $((100 + round)) USD" "$tmp/out"
  fi
  fills=$(fills_in "$db")
  wait_for_fills "$db" $((fills + 5)) 60
  echo "round $round: $fault $member; $(fills_in "$db") fills"
done

running_owners || fail "at the end: a user does not run on exactly its one member"
expect_exit 0 "$tfarm" cluster down "${cluster[@]}" "${run_dir[@]}" --wait 60s
cluster_audit
for t in "${transfers[@]}"; do
  read -r from to round <<<"$t"
  [[ $(db_sql "$db" "SELECT outcome FROM vault_operations WHERE key = '$from:soak-$round'") == applied ]] ||
    fail "transfer soak-$round from $from is not applied"
  [[ $(db_sql "$db" "SELECT COUNT(*) FROM ledger_transactions WHERE
    idempotency_key = '$from:soak-$round/credit'") == 1 ]] || fail "transfer soak-$round not credited once"
done
echo "ok: $rounds rounds, ${#transfers[@]} transfers, $(fills_in "$db") fills, $(db_sql "$db" "SELECT COUNT(*) FROM orders") orders"
