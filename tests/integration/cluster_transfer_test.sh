# Transfers between users that run on different members of a cluster
# (docs/cluster.md, "Transfers between members"): the sender's member debits
# into @transit; the receiver's member finds the pending debit in the store
# and credits it; the sender reads the credit from the journal and posts.
# The store checks every credit against its pending debit.
# - a transfer across members, asked on the sender's member's console; the
#   same key again moves nothing; bad input is refused with its reason;
# - the receiver's member frozen (SIGSTOP): the money waits in @transit,
#   the receiver's user moves, and the credit lands once on its new member;
# - the sender's member killed (SIGKILL) with a transfer pending: the
#   receiver's member credits it and the sender's new member posts it, once;
# then the money audit: db check clean, @transit empty, one credit per
# transfer.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/cluster_lib.sh"
root=$(pwd)
[[ $backend == postgresql ]] || fail "a cluster runs on PostgreSQL (TFARM_TEST_BACKEND)"
cd "$tmp"
db=$(db_new cluster_transfer)

cluster_start
cluster_up
check_placement

# pick_pair: a user and the user of another member ($su on $sm, $ru on $rm;
# their accounts $sa and $ra).
pick_pair() {
  status
  read -r su sm ru rm < <(python3 - "$tmp/status.json" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))["placement"]
users = sorted(p)
for a in users:
    for b in users:
        if p[a]["node"] != p[b]["node"]:
            print(a, p[a]["node"], b, p[b]["node"])
            sys.exit(0)
sys.exit("every user runs on one member")
PY
  )
  sa=$su-main ra=$ru-main
}

# outcome KEY: the journal's outcome of the transfer KEY of $sa.
outcome() { db_sql "$db" "SELECT outcome FROM vault_operations WHERE key = '$sa:$1'"; }
# credits KEY: ledger transactions crediting the transfer KEY of $sa.
credits() {
  db_sql "$db" "SELECT COUNT(*) FROM ledger_transactions WHERE idempotency_key = '$sa:$1/credit'"
}
# wait_applied KEY SECONDS
wait_applied() {
  local deadline=$((SECONDS + $2))
  until [[ $(outcome "$1") == applied ]]; do
    ((SECONDS < deadline)) || fail "transfer $1 is '$(outcome "$1")' after $2 s"
    sleep 0.1
  done
  [[ $(credits "$1") == 1 ]] || fail "transfer $1 credited $(credits "$1") times"
}

# -- across members -------------------------------------------------------------
pick_pair
expect_exit 0 console "$sm" vault transfer "$sa" "$ra" 1000 USD --key t1
expect_grep "^transferred: 1000 USD from $sa to $ra \(ledger transaction [0-9]+\)" "$tmp/out"
wait_applied t1 1
expect_exit 0 console "$sm" vault transfer "$sa" "$ra" 1000 USD --key t1
expect_grep "^transfer already made: 1000 USD from $sa to $ra" "$tmp/out"
[[ $(credits t1) == 1 ]] || fail "a replayed key credited again"
# The receiver's balance on its own member; its gateway made the credit.
expect_exit 0 console "$rm" vault balance "$ra"
expect_grep "^account $ra of $ru:" "$tmp/out"
expect_exit 0 console "$rm" info /vault/gateway
expect_grep '"member_credits": [1-9]' "$tmp/out"
echo "transfer $sa ($sm) -> $ra ($rm): credited once"

# Bad input: refused with its reason, nothing moves.
expect_exit 2 console "$sm" vault transfer "$sa" "$ra" 1000 USD
expect_grep "vault transfer needs --key KEY" "$tmp/err"
expect_exit 2 console "$sm" vault transfer "$sa" "$ra" -5 USD --key t9
expect_grep "AMOUNT must be a whole number of minor units from 1" "$tmp/err"
expect_exit 1 console "$rm" vault transfer "$sa" "$ra" 1000 USD --key t9
expect_grep "account $sa runs on member $sm \(its user $su\): run the command on $sm's console" "$tmp/err"
expect_exit 1 console "$sm" vault transfer "$sa" no-such-account 1000 USD --key t9
expect_grep "no account 'no-such-account' to transfer to" "$tmp/err"
expect_exit 1 console "$sm" vault transfer "$sa" "$ra" 999999999999999 USD --key t9
expect_grep "insufficient funds in $sa" "$tmp/err"
[[ $(credits t9) == 0 ]] || fail "a refused transfer was credited"
# tree on a member: its actors, then where every user of the cluster runs.
expect_exit 0 console "$rm" tree
expect_grep "^Cluster test \(this is $rm; " "$tmp/out"
expect_grep "^$su +$sm +[0-9]+$" "$tmp/out"
# The vault's switches are the cluster's: frozen on one member, a transfer
# asked on another is refused; opened there, open everywhere.
expect_exit 0 console "$rm" vault freeze
expect_grep "^vault transfers frozen \(emergency off, transfers frozen\); the cluster's: every member of test applies it within 250 ms" "$tmp/out"
console_until "$sm" "^vault: transfers frozen" 2 vault status
expect_exit 1 console "$sm" vault transfer "$sa" "$ra" 1000 USD --key t8
expect_grep "transfers are frozen" "$tmp/err"
[[ -z $(outcome t8) ]] || fail "a transfer asked while frozen reached the journal: $(outcome t8)"
expect_exit 0 console "$sm" vault unfreeze
console_until "$rm" "^vault: normal" 2 vault status
# Another member's console is named, not relayed.
expect_exit 1 console "$rm" vault status --node "$sm"
expect_grep "node $sm is another member of cluster test: connect to its console: tfarm console --connect 127\.0\.0\.1:[0-9]+" "$tmp/err"

# Console clients came and went (they close TCP without a TLS
# close_notify), and a client without a certificate fails its handshake:
# the members' other connections stay up (OpenSSL's error queue,
# net/detail/ssl_error_queue.hpp).
(sleep 1) | timeout 10 openssl s_client -connect "$(console_endpoint "$sm")" \
  -CAfile "$tmp/pki/ca.crt" -ign_eof >/dev/null 2>&1 || true
expect_exit 0 console "$sm" vault status
if grep -h "lost the exchange node" "$tmp"/run/*.log; then
  fail "a member lost its exchange node while nothing failed"
fi

# -- the receiver's member frozen -----------------------------------------------
# The credit cannot land while its member is stopped; once the receiver's
# user runs elsewhere, its new member credits it.
rpid=$(cat "$tmp/run/$rm.pid")
kill -STOP "$rpid"
console "$sm" vault transfer "$sa" "$ra" 2000 USD --key t2 >/dev/null 2>&1 || true
wait_applied t2 30
kill -CONT "$rpid"
expect_exit 0 console "$sm" vault transfer "$sa" "$ra" 2000 USD --key t2
expect_grep "^transfer already made: 2000 USD from $sa to $ra" "$tmp/out"
cluster_up
check_placement
echo "receiver's member $rm frozen: the credit landed once after $ru moved"

# -- the sender's member killed with the transfer pending ----------------------
# The debit must still be pending when its sender's member dies: the
# receiver's member is frozen meanwhile. The transfer goes through a console
# already connected to the sender's member, so that it leaves as soon as the
# receiver's member is frozen (a console's own start can take longer than a
# lease TTL on a loaded machine). If the receiver's user moves and the credit
# lands first all the same, that transfer is simply made, and the scenario is
# tried again with another key.
mkfifo "$tmp/commands"
caught=
for key in t3 t4 t5; do
  pick_pair
  rpid=$(cat "$tmp/run/$rm.pid")
  TFARM_ADMIN_TOKEN=$token "$tfarm" console --connect "$(console_endpoint "$sm")" \
    --ca "$tmp/pki/ca.crt" --cert "$tmp/pki/ops.crt" --key "$tmp/pki/ops.key" --timeout 10s \
    <"$tmp/commands" >"$tmp/session.out" 2>&1 &
  session=$!
  exec 7>"$tmp/commands"
  echo "vault status" >&7
  deadline=$((SECONDS + 20))
  until grep -q "^vault: " "$tmp/session.out"; do
    ((SECONDS < deadline)) || fail "the console on $sm did not answer: $(cat "$tmp/session.out")"
    sleep 0.05
  done
  kill -STOP "$rpid"
  echo "vault transfer $sa $ra 3000 USD --key $key" >&7
  deadline=$((SECONDS + 10))
  until [[ $(outcome $key) == pending || $(outcome $key) == applied ]]; do
    ((SECONDS < deadline)) || { kill -CONT "$rpid"; fail "transfer $key is '$(outcome $key)', not pending"; }
    sleep 0.05
  done
  if [[ $(outcome $key) == pending ]]; then
    kill -9 "$(cat "$tmp/run/$sm.pid")"
    caught=$key
  fi
  kill -CONT "$rpid"
  exec 7>&-
  wait "$session" || true
  wait_applied $key 30
  cluster_up
  check_placement
  [[ -z $caught ]] || break
  echo "transfer $key was credited before its sender's member could be killed: again"
done
[[ -n $caught ]] || fail "no transfer was still pending when its sender's member was killed"
echo "sender's member $sm killed with $caught pending: credited once, posted by its new member"

# -- down and the audit ----------------------------------------------------------
expect_exit 0 "$tfarm" cluster down "${cluster[@]}" "${run_dir[@]}" --wait 60s
cluster_audit
echo "ok: every transfer across members credited once"
