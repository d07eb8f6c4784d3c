# The runbook's security incident response, end to end on `tfarm run`:
# lockdown through the console client (kill switch, vault, credentials,
# sessions, a new admin token shown once), the old token refused by the
# console and the HTTP API, all of it still in force after a restart, unlock
# step by step through the HTTP API and the console, and reset-token for a
# lost token. The money stays whole: db check is clean at the end.
source "$(dirname "$0")/lib.sh"
root=$(pwd)
tfarm=$(realpath "$tfarm")
old=integration-admin-token-42
key=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
db=$(db_new farm)
command -v curl >/dev/null || fail "curl is missing (scripts/setup.sh --tests installs it)"
cd "$tmp"

# start: the node on random HTTP and console ports ($hport, $cport, $pid).
start() {
  local attempt deadline
  for attempt in 1 2 3 4 5; do
    hport=$((20000 + RANDOM % 6000))
    cport=$((26000 + RANDOM % 6000))
    # Emptied here, not by the background job's redirection, which may run
    # after the check below has read the previous start's "Running".
    : >"$tmp/run.out"
    : >"$tmp/run.err"
    TFARM_ADMIN_TOKEN=$old "$tfarm" run -c "$root/examples/single_node/farm.toml" --db "$db" \
      --for 120s --http-port "$hport" --console-port "$cport" >>"$tmp/run.out" 2>>"$tmp/run.err" &
    pid=$!
    deadline=$((SECONDS + 30))
    # Running, or exited (a port taken): an error logged by a running node
    # is neither.
    until grep -q "^Running" "$tmp/run.out" 2>/dev/null || ! kill -0 "$pid" 2>/dev/null; do
      ((SECONDS < deadline)) || { cat "$tmp/run.err"; fail "the node did not start"; }
      sleep 0.1
    done
    grep -q "^Running" "$tmp/run.out" && return 0
    wait $pid || true
  done
  cat "$tmp/run.err"
  fail "no free ports found"
}
stop() {
  kill -INT $pid
  wait $pid || fail "the node did not stop cleanly"
}
# http CODE METHOD PATH TOKEN [BODY]: the answer in $tmp/h.json, its code checked.
http() {
  local want=$1 method=$2 path=$3 token=$4 body=${5:-}
  local code
  code=$(curl -s -o "$tmp/h.json" -w '%{http_code}' -X "$method" \
    -H "Authorization: Bearer $token" -H "Content-Type: application/json" \
    ${body:+-d "$body"} "http://127.0.0.1:$hport$path")
  [[ $code == "$want" ]] || { cat "$tmp/h.json"; fail "$method $path answered $code, want $want"; }
}
console() {
  expect_exit "$1" env TFARM_ADMIN_TOKEN="$2" "$tfarm" security "${@:3}" --connect "127.0.0.1:$cport"
}

# A stored exchange credential, for the lockdown to revoke.
expect_exit 0 "$tfarm" run --db "$db" --config "$root/examples/single_node/farm.toml" --for 100ms
printf 'api-key:s3cr3t' | TFARM_MASTER_KEY=$key expect_exit 0 "$tfarm" credentials set --db "$db" \
  --venue sim --account alice-main --key-id k1

start
wait_for_fills "$db" 1 30
console 0 "$old" status
expect_grep '^no lockdown$' "$tmp/out"
# A lockdown needs a reason.
expect_exit 2 env TFARM_ADMIN_TOKEN=$old "$tfarm" security lockdown --connect "127.0.0.1:$cport"
expect_grep "^--reason is required" "$tmp/err"

console 0 "$old" lockdown --reason "API keys seen on a paste site"
expect_grep '^LOCKDOWN in force by .*: API keys seen on a paste site$' "$tmp/out"
expect_grep '^trading +ok +the farm is HALTED' "$tmp/out"
expect_grep '^vault +ok +emergency mode on, transfers frozen$' "$tmp/out"
expect_grep '^store +ok +1 exchange credentials revoked' "$tmp/out"
expect_grep '^logon +ok +3 of 3 sessions logged off' "$tmp/out"
expect_grep '^token +ok +a new admin token is in force; the old one is refused$' "$tmp/out"
new=$(grep -oE '^  tfarm_[0-9a-f]{64}$' "$tmp/out" | tr -d ' ')
[[ -n $new ]] || fail "no new token was shown"

# The old token is refused everywhere from now on; the new one works.
console 1 "$old" status
expect_grep 'the admin token is wrong' "$tmp/err"
http 403 GET /api/security/status "$old"
http 200 GET /api/security/status "$new"
expect_grep '"locked_down":true' "$tmp/h.json"
expect_grep '"pending":\["trading","vault","logon"\]' "$tmp/h.json"
expect_grep '"admin_token":"rotated"' "$tmp/h.json"
! grep -q "$new" "$tmp/h.json" || fail "the status shows the token"
http 200 GET /api/vault/health "$new"
expect_grep '"status":"emergency"' "$tmp/h.json"
expect_exit 0 "$tfarm" credentials list --db "$db"
expect_grep $'^sim\talice-main\tk1\t.*\trevoked ' "$tmp/out"
# The sessions refuse orders and say why.
http 200 GET /api/exchanges/status "$new"
expect_grep '"last_error":"session alice-main: logged off: security lockdown: API keys seen on a paste site"' "$tmp/h.json"
expect_grep '"state":"logged_off"' "$tmp/h.json"

# A restart keeps all of it: the old token is still refused.
stop
start
expect_grep '^SECURITY LOCKDOWN in force since .* \(pending: trading, vault, logon; tfarm security unlock\)\.$' \
  "$tmp/run.out"
http 403 GET /api/security/status "$old"
console 0 "$new" status
expect_grep '^LOCKDOWN since .*: API keys seen on a paste site$' "$tmp/out"

# Unlock, step by step: the vault through the HTTP API, the rest through
# the console. A step that is not one is refused.
http 400 POST /api/security/unlock "$new" '{"steps":["everything"]}'
http 200 POST /api/security/unlock "$new" '{"steps":["vault"],"reason":"ledger reconciled"}'
expect_grep '"locked_down":true' "$tmp/h.json"
expect_grep '"pending":\["trading","logon"\]' "$tmp/h.json"
http 200 GET /api/vault/health "$new"
expect_grep '"status":"ok"' "$tmp/h.json"
console 0 "$new" unlock logon trading --reason "keys rotated at the venue"
expect_grep '^The lockdown is over\.$' "$tmp/out"
fills=$(fills_in "$db")
wait_for_fills "$db" $((fills + 1)) 30
stop

# A lost token: reset-token on the stopped node's database.
expect_exit 0 "$tfarm" security reset-token --db "$db"
reset=$(grep -oE '^  tfarm_[0-9a-f]{64}$' "$tmp/out" | tr -d ' ')
[[ -n $reset && $reset != "$new" ]] || fail "reset-token showed no new token"
start
http 403 GET /api/security/status "$new"
http 200 GET /api/security/status "$reset"
expect_grep '"locked_down":false' "$tmp/h.json"
stop

# Every step is in the audit log (never the token), and no money was lost.
expect_exit 0 "$tfarm" audit --db "$db" --days 1
expect_grep 'security\.lockdown +API keys seen on a paste site \(1 credentials revoked, admin token rotated\)' "$tmp/out"
expect_grep 'security\.unlock +vault: ledger reconciled \(still pending: trading,logon\)' "$tmp/out"
expect_grep 'security\.unlocked +logon,trading: keys rotated at the venue' "$tmp/out"
expect_grep 'security\.token_reset' "$tmp/out"
! grep -qE "$new|$reset" "$tmp/out" || fail "a token is in the audit log"
money_audit "$db"
echo ok
