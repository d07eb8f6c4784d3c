# The demo farm, healthy, for SECONDS (2 minutes in the suite): the vault's
# success rate stays at 100 % (releasing a reservation its fills took is no
# failure), no alert fires, and the money audits clean.
#   demo_quiet_test.sh TFARM SECONDS
source "$(dirname "$0")/lib.sh"
seconds=$2
db=$tmp/farm.db
expect_exit 0 "$tfarm" run --db "$db" --for "${seconds}s" --summary "$tmp/s.json"
# The monitor's line every [node] monitor_interval (10 s in the demo).
grep -E "node local: .* vault success [0-9]+ bps" "$tmp/err" >"$tmp/samples" ||
  fail "no monitor line in the log"
(($(wc -l <"$tmp/samples") >= seconds / 10 - 1)) || fail "too few monitor lines: $(cat "$tmp/samples")"
if grep -vE "vault success 10000 bps" "$tmp/samples"; then
  fail "the vault's success rate dropped below 100 %"
fi
grep -vE " 0 open alerts$" "$tmp/samples" && fail "an alert was open during the run"
alerts=$(sqlite3 "$db" "SELECT COUNT(*) FROM alerts")
((alerts == 0)) || fail "$alerts alerts fired: $(sqlite3 "$db" "SELECT rule, message FROM alerts")"
(($(fills_in "$db") >= 20)) || fail "only $(fills_in "$db") fills in $seconds s"
money_audit "$db" "$tmp/s.json"
echo "ok: $(fills_in "$db") fills, $(wc -l <"$tmp/samples") samples at 100 %"
