# The kill switch and the vault's modes of a cluster are the cluster's
# (docs/cluster.md, "Switches"): set on any member, they hold on every
# member within a refresh, and wherever a user runs next.
# - a user halted from a member that does not run it: its agents halt;
#   its member killed, the user comes back on a survivor still halted and
#   places no order until it is resumed (from a third member);
# - the farm halted: every member halts; a member that joins meanwhile
#   starts its users halted, and no member places an order until the farm
#   is resumed;
# - the vault's emergency mode set on one member refuses a transfer on
#   another, and is lifted from a third;
# - a lockdown on one member: every member halts, locks its vault, logs its
#   sessions off and takes the new admin token; unlocked from another;
# then the money audit.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"
root=$(pwd)
[[ $backend == postgresql ]] || fail "a cluster runs on PostgreSQL (TFARM_TEST_BACKEND)"
cd "$tmp"
db=$(db_new cluster_switches)

# orders_of USER: orders its agents placed; orders_all: every user's.
orders_of() { db_sql "$db" "SELECT COUNT(*) FROM orders WHERE agent LIKE '/user/$1/%'"; }
orders_all() { db_sql "$db" "SELECT COUNT(*) FROM orders"; }
# wait_orders USER|'' MORE_THAN SECONDS: waits until USER (every user: '')
# placed more than MORE_THAN orders.
wait_orders() {
  local deadline=$((SECONDS + $3)) n
  until n=$(if [[ -n $1 ]]; then orders_of "$1"; else orders_all; fi) && ((n > $2)); do
    ((SECONDS < deadline)) || fail "${1:-the farm} placed no order beyond $2 within $3 s"
    sleep 0.1
  done
}
# other_than NODE...: a member that is none of them.
other_than() {
  local n
  for n in node-1 node-2 node-3; do
    [[ " $* " == *" $n "* ]] || { echo "$n"; return; }
  done
}

cluster_start
cluster_up
check_placement

# -- a user halted from another member follows the user ---------------------------
u=alice # a market maker: it quotes all the time
agent=/user/$u/mm-1
status
owner=$(owner_of $u)
asker=$(other_than "$owner")
wait_orders $u 0 30
expect_exit 0 console "$asker" halt --user $u --reason switch-test
expect_grep "^user $u halted: no new orders.*the cluster's: every member of test applies it within 250 ms" "$tmp/out"
console_until "$owner" '"trading": "halted"' 2 info "$agent"
before=$(orders_of $u)
kill -9 "$(cat "$tmp/run/$owner.pid")"
deadline=$((SECONDS + 15))
until status && [[ $(owner_of $u) != "$owner" && $(owner_of $u) != None ]]; do
  ((SECONDS < deadline)) || fail "$u was not claimed by a survivor"
  sleep 0.1
done
survivor=$(owner_of $u)
console_until "$survivor" '"trading": "halted"' 10 info "$agent"
# The others trade on meanwhile; the halted user places nothing.
others=$(orders_all)
wait_orders "" $((others + 20)) 30
[[ $(orders_of $u) == "$before" ]] ||
  fail "$u placed $(($(orders_of $u) - before)) orders while halted, after moving to $survivor"
third=$(other_than "$owner" "$survivor")
expect_exit 0 console "$third" resume --user $u --reason switch-test-over
console_until "$survivor" '"trading": "active"' 2 info "$agent"
wait_orders $u "$before" 30
echo "user $u halted on $asker held on $survivor after $owner died; resumed on $third"

# -- the farm halted: a member joining meanwhile starts halted --------------------
cluster_up # $owner comes back and takes its share
check_placement
expect_exit 0 console node-2 halt --farm --reason switch-test
expect_grep "^the farm halted: .*the cluster's" "$tmp/out"
for n in node-1 node-2 node-3; do
  console_until $n '"farm": "halted"' 2 info /risk
done
# A member restarted while the farm is halted reads the halt before it
# starts its users: their agents come up halted and place nothing (an
# order of theirs would be stamped after the kill; one of another member
# in flight at the halt is stamped before it).
t_kill=$(date +%s%3N)
kill -9 "$(cat "$tmp/run/node-3.pid")"
status
cluster_up
check_placement
console_until node-3 '"farm": "halted"' 2 info /risk
status
rejoined=$(users_of node-3)
[[ -n $rejoined ]] || fail "node-3 runs no user after it joined again"
for user in $rejoined; do
  path=$(db_sql "$db" "SELECT DISTINCT agent FROM orders WHERE agent LIKE '/user/$user/%' LIMIT 1")
  [[ -z $path ]] || console_until node-3 '"state": "halted"' 10 info "$path"
done
late=$(db_sql "$db" "SELECT COUNT(*) FROM orders WHERE created_at > $t_kill")
[[ $late == 0 ]] || fail "$late orders placed while the farm was halted"
before=$(orders_all)
expect_exit 0 console node-3 resume --farm --reason switch-test-over
wait_orders "" "$before" 30
echo "farm halted on node-2: every member halted, node-3 rejoined halted; resumed on node-3"

# -- the vault's emergency mode ---------------------------------------------------
expect_exit 0 console node-1 vault emergency on --reason switch-test
expect_grep "^vault emergency mode ON: withdrawals and transfers stop .*the cluster's" "$tmp/out"
status
sa=$(users_of node-2 | cut -d' ' -f1)-main
ra=$(users_of node-3 | cut -d' ' -f1)-main
console_until node-2 "^vault: EMERGENCY" 2 vault status
expect_exit 1 console node-2 vault transfer "$sa" "$ra" 100 USD --key sw1
expect_grep "emergency" "$tmp/err"
[[ $(db_sql "$db" "SELECT COUNT(*) FROM vault_operations WHERE key LIKE '%:sw1%'") == 0 ]] ||
  fail "a transfer asked in emergency mode reached the journal"
expect_exit 0 console node-3 vault emergency off --reason switch-test-over
console_until node-1 "^vault: normal" 2 vault status
console_until node-2 "^vault: normal" 2 vault status
expect_exit 0 console node-2 vault transfer "$sa" "$ra" 100 USD --key sw1
echo "vault emergency on node-1 refused a transfer on node-2; lifted on node-3"

# -- a lockdown on one member is the cluster's ------------------------------------
# Trading and the vault stop through the switches; every member's sessions
# log off and the new admin token is in force on every member (each follows
# the store's security state within a second).
expect_exit 0 console node-1 lockdown --reason incident-42
expect_grep '^token +ok +a new admin token is in force' "$tmp/out"
new=$(grep -oE '^  tfarm_[0-9a-f]{64}$' "$tmp/out" | tr -d ' ')
[[ -n $new ]] || fail "no new token was shown"
deadline=$((SECONDS + 5))
until ! console node-2 security >"$tmp/out" 2>"$tmp/err" && grep -q "the admin token is wrong" "$tmp/err"; do
  ((SECONDS < deadline)) || fail "node-2 still takes the old admin token after the lockdown on node-1"
  sleep 0.1
done
old=$token token=$new
status
u2=$(users_of node-2 | cut -d' ' -f1)
[[ -n $u2 ]] || fail "node-2 runs no user"
console_until node-2 '"state": "logged_off"' 5 info "/exchanges/sessions/sim-a/$u2-main"
console_until node-3 '"farm": "halted"' 2 info /risk
console_until node-2 "^vault: EMERGENCY" 2 vault status
before=$(orders_all)
expect_exit 0 console node-3 unlock --all --reason incident-42-over
console_until node-2 '"state": "connected"' 10 info "/exchanges/sessions/sim-a/$u2-main"
wait_orders "" "$before" 30
token=$old # from here on: the exchange node's, which is no member
expect_exit 1 console node-3 security
expect_grep "the admin token is wrong" "$tmp/err"
echo "lockdown on node-1: node-2 took the new token and logged off; unlocked on node-3"

# Every change is audited once, by the operator, on the member asked.
[[ $(db_sql "$db" "SELECT COUNT(*) FROM audit_logs WHERE action LIKE 'risk.trading_state.%'") == 6 ]] ||
  fail "trading state changes audited: $(db_sql "$db" "SELECT action, detail FROM audit_logs WHERE action LIKE 'risk.%'")"

expect_exit 0 "$tfarm" cluster down "${cluster[@]}" "${run_dir[@]}" --wait 60s
cluster_audit
echo "ok: the cluster's switches held on every member"
