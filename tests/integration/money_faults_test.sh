# Seeded fault runs: the demo farm trades for SECONDS under one kind of
# fault, then the money is audited: the vault's reconciliation is clean
# while it runs, `db check` (ledger and trading invariants) is clean after
# it, every position equals its fills, and no critical incident was raised.
#   money_faults_test.sh TFARM SCENARIO SECONDS SEED
# Scenarios: latency_errors (answers 0-750 ms late, 30 % refused, no backup
# venue), drops (lost answers and rate-limit replies), disconnects (windows
# of 2 s every 8 s, with a backup venue), emergency (vault emergency mode and
# the transfer freeze switched during trading), console_kills (sessions,
# agents, a venue and a user's supervisor killed from the console). Runs on
# SQLite, and on PostgreSQL with TFARM_TEST_BACKEND=postgresql.
source "$(dirname "$0")/lib.sh"
scenario=$2
seconds=$3
RANDOM=$4
root=$(pwd)
tfarm=$(realpath "$tfarm")
export TFARM_ADMIN_TOKEN=integration-faults-token-7
cd "$tmp"
db=$(db_new farm)

# faults TOML: the [exchange.venue.faults] of sim-a.
with_faults() {
  python3 - "$tmp/farm.toml" "$1" "${2:-}" <<'PY'
import sys
path, faults, nobackup = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(path).read()
anchor = '    volatility_bps = 5\n'
assert anchor in s
s = s.replace(anchor, anchor + '    [exchange.venue.faults]\n' + faults + '\n', 1)
if nobackup:
    s = s.replace('  backup = "sim-b"\n', '', 1)
open(path, 'w').write(s)
PY
}

sed -e "s|\.\./policies/default.toml|$root/examples/policies/default.toml|" \
  -e 's|interval = "100ms"|interval = "50ms"|' \
  "$root/examples/single_node/farm.toml" >"$tmp/farm.toml"
case $scenario in
latency_errors)
  with_faults $'latency = "400ms"\nlatency_jitter = "350ms"\nerror_rate = 0.3' nobackup ;;
drops) with_faults $'drop_rate = 0.1\nrate_limit_rate = 0.2' ;;
disconnects) with_faults $'disconnect_every = "8s"\ndisconnect_for = "2s"' ;;
emergency | console_kills) ;;
*) fail "unknown scenario $scenario" ;;
esac

# The node runs until the checks below stop it (--for only bounds a test
# that fails half way): a node that stops on its own clock could be gone
# before a reconciliation slowed by a loaded machine has answered.
start_on_free_port --console-port "Console on " \
  "$tfarm" run -c "$tmp/farm.toml" --db "$db" --for "$((seconds + 120))s" \
  --summary "$tmp/s.json"
console=("$tfarm" console --connect "127.0.0.1:$port" --retries 3)
# c COMMAND: a console command that must succeed.
c() {
  expect_exit 0 "${console[@]}" -e "$1"
  echo "$(date +%T) $1" >>"$tmp/actions"
}

end=$((SECONDS + seconds))
emergency=0
frozen=0
while ((SECONDS < end)); do
  sleep "$((2 + RANDOM % 4)).$((RANDOM % 10))"
  case $scenario in
  emergency)
    if ((RANDOM % 2)); then
      ((emergency)) && c "vault emergency off" || c "vault emergency on --reason soak"
      emergency=$((1 - emergency))
    else
      ((frozen)) && c "vault unfreeze" || c "vault freeze --reason soak"
      frozen=$((1 - frozen))
    fi ;;
  console_kills)
    case $((RANDOM % 6)) in
    0) c "kill /user/alice/mm-1 --reason soak" ;;
    1) c "kill /user/bob/mr-1 --reason soak" ;;
    2) c "kill /exchanges/sessions/sim-a/alice-main --reason soak" ;;
    3) c "kill /exchanges/sessions/sim-a/bob-main --reason soak" ;;
    4) c "kill /exchanges/venues/sim-a --reason soak" ;;
    5) c "kill /user/alice --reason soak" ;;
    esac ;;
  esac
done
((emergency)) && c "vault emergency off"
((frozen)) && c "vault unfreeze"
# The vault's reconciliation, live: the ledger and the trading record.
c "vault reconcile"
expect_grep "^reconciled: clean" "$tmp/out"
kill -TERM "$pid"
wait "$pid" || fail "the node did not stop cleanly: $(tail -5 "$tmp/run.err")"
(($(fills_in "$db") >= 10)) || fail "only $(fills_in "$db") fills in $seconds s"
money_audit "$db" "$tmp/s.json"
echo "ok: $(fills_in "$db") fills, $(wc -l <"$tmp/actions") console actions"
