# `tfarm console -e` against a running `tfarm run`: each kind of command,
# exit codes (0 ok, 1 refused or failed, 2 usage or connection), bad paths
# and tokens, kill then info showing the restart and the restored state,
# halt --farm reaching the agents, policy reload valid and invalid, --json,
# and the audit trail naming the operator.
source "$(dirname "$0")/lib.sh"
root=$(pwd)
tfarm=$(realpath "$tfarm")
export TFARM_ADMIN_TOKEN=integration-console-token-7
cd "$tmp"

# The demo farm with its policy file next to it (policy reload edits it).
sed "s|\.\./policies/default.toml|$tmp/policies.toml|" "$root/examples/single_node/farm.toml" \
  >"$tmp/farm.toml"
cp "$root/examples/policies/default.toml" "$tmp/policies.toml"

start_on_free_port --console-port "Console on " \
  "$tfarm" run -c "$tmp/farm.toml" --db "$tmp/farm.db" --for 120s
console=("$tfarm" console --connect "127.0.0.1:$port" --retries 2)

# Reading the farm.
expect_exit 0 "${console[@]}" -e "tree --depth 2"
expect_grep "^├── store +sqlite_store" "$tmp/out"
expect_grep "user +supervisor" "$tmp/out"
expect_exit 0 "${console[@]}" -e "ls /user/alice"
expect_grep "^mm-1 +trading_agent +up" "$tmp/out"
expect_exit 0 "${console[@]}" -e "nodes"
expect_grep "local \(this node\) +127.0.0.1:$port +up" "$tmp/out"
expect_exit 0 "${console[@]}" -e "top --by rate -n 3"
expect_grep "^PATH +KIND +MAILBOX +MSG/S" "$tmp/out"
expect_exit 0 "${console[@]}" -e "metrics tfarm_store_rows*"
expect_grep "^tfarm_store_rows_total [0-9]+" "$tmp/out"
expect_exit 0 "${console[@]}" -e "exchanges status"
expect_grep "alice-main +sim-a +connected" "$tmp/out"
expect_exit 0 "${console[@]}" -e "exchanges bob-main"
expect_grep "bob-main +sim-a +connected" "$tmp/out"
expect_exit 0 "${console[@]}" -e "vault status"
expect_grep "^vault: normal" "$tmp/out"
expect_exit 0 "${console[@]}" -e "alerts"
expect_exit 0 "${console[@]}" -e "policy show /user/alice"
expect_grep "one_for_one, at most 5 restarts in 30s" "$tmp/out"
expect_exit 0 "${console[@]}" -e "watch /store --count 2 --interval 100ms"
[[ $(grep -c "/store  up" "$tmp/out") -eq 2 ]] || { cat "$tmp/out"; fail "watch printed no 2 lines"; }
expect_exit 0 "${console[@]}" -e "help"
expect_grep "^  policy +supervision policies" "$tmp/out"

# --json: one document per command.
expect_exit 0 "${console[@]}" --json -e "info /user/alice/mm-1"
expect_grep '^\{.*"kind":"trading_agent"' "$tmp/out"
[[ $(wc -l <"$tmp/out") -eq 1 ]] || fail "--json printed more than one line"

# Bad input: the nearest suggestion, exit 1 for a path, 2 for usage.
expect_exit 1 "${console[@]}" -e "info /user/alice/mm1"
expect_grep "did you mean /user/alice/mm-1\?" "$tmp/err"
expect_exit 2 "${console[@]}" -e "infp /vault"
expect_grep "did you mean 'info'\?" "$tmp/err"
expect_exit 2 "${console[@]}" -e "kill"
expect_grep "usage: kill PATH" "$tmp/err"
expect_exit 2 "${console[@]}" -e "info 'unterminated"
expect_grep "unterminated ' quote" "$tmp/err"
expect_exit 2 "${console[@]}" -e ""
expect_grep "-e needs a command" "$tmp/err"
expect_exit 2 "${console[@]}" --json -e "infp /vault"
expect_grep '^\{"error":"unknown command' "$tmp/out"

# Tokens: none and wrong are refused by the node (exit 1) and audited.
expect_exit 1 env -u TFARM_ADMIN_TOKEN "${console[@]}" -e "tree"
expect_grep "refused: no admin token given" "$tmp/err"
expect_exit 1 "${console[@]}" --token not-the-right-token-0 -e "halt --farm"
expect_grep "refused: the admin token is wrong" "$tmp/err"
# No node there: exit 2.
expect_exit 2 "$tfarm" console --connect 127.0.0.1:1 --retries 1 -e "tree"
expect_grep "cannot connect to the node's console at 127.0.0.1:1" "$tmp/err"

# Fault injection: the agent fails, its supervisor restarts it from its
# checkpoint (epoch 2, its counters carried on).
deadline=$((SECONDS + 30))
until "${console[@]}" --json -e "info /user/alice/mm-1" | grep -qE '"orders":[1-9]'; do
  ((SECONDS < deadline)) || fail "mm-1 placed no order"
  sleep 0.2
done
expect_exit 0 "${console[@]}" -e "kill /user/alice/mm-1 --reason 'integration drill'"
expect_grep "restarted by its supervisor" "$tmp/out"
expect_exit 0 "${console[@]}" -e "info /user/alice/mm-1"
expect_grep "restarts +1" "$tmp/out"
expect_grep "integration drill" "$tmp/out"
deadline=$((SECONDS + 30))
until "${console[@]}" --json -e "info /user/alice/mm-1" | grep -q '"epoch":2'; do
  ((SECONDS < deadline)) || fail "mm-1 did not come back as epoch 2"
  sleep 0.2
done
"${console[@]}" --json -e "info /user/alice/mm-1" | grep -qE '"orders":[1-9]' ||
  fail "mm-1 came back without its orders"

# The kill switch: every agent learns it.
expect_exit 0 "${console[@]}" -e "halt --farm --reason 'integration halt'"
deadline=$((SECONDS + 15))
for agent in /user/alice/mm-1 /user/alice/sma-1 /user/bob/mr-1; do
  until "${console[@]}" --json -e "info $agent" | grep -q '"trading":"halted"'; do
    ((SECONDS < deadline)) || fail "$agent did not halt"
    sleep 0.2
  done
done
expect_exit 0 "${console[@]}" -e "resume --farm"

# Policy reload: a valid change applies without restarts; an invalid file
# is refused with its position and changes nothing.
sed -i '0,/intensity = 5/s//intensity = 4/' "$tmp/policies.toml"
expect_exit 0 "${console[@]}" -e "policy reload"
expect_grep "supervisors changed \(/user/alice, /user/bob\).*no child was restarted" "$tmp/out"
expect_exit 0 "${console[@]}" -e "policy show /user/bob"
expect_grep "at most 4 restarts" "$tmp/out"
sed -i 's/strategy = "one_for_one"/strategy = "one_for_none"/' "$tmp/policies.toml"
expect_exit 1 "${console[@]}" -e "policy reload"
expect_grep "policies.toml:[0-9]+:[0-9]+: error: unknown strategy 'one_for_none'" "$tmp/err"
expect_exit 0 "${console[@]}" -e "policy show /user/bob"
expect_grep "at most 4 restarts" "$tmp/out"

# The audit trail: who did what.
expect_exit 0 "${console[@]}" -e "audit -n 200"
expect_grep "console +$(whoami)@[^ ]+ +console.kill +/user/alice/mm-1: integration drill" "$tmp/out"
expect_grep "risk.trading_state.halted" "$tmp/out"
expect_grep "console.policy.reload_refused" "$tmp/out"
expect_grep "console.refused +halt: the admin token is wrong" "$tmp/out"

kill -INT $pid
wait $pid || fail "the node did not stop cleanly"
echo "console: ok"
