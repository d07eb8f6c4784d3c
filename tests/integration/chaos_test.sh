# The chaos harness (docs/reliability.md): `tfarm chaos` on a cluster file of
# three members and an exchange node on free ports, with a PostgreSQL server
# of its own, seed $2 with $3 faults over $4 (one at a time or overlapping:
# kills, pauses, members cut off from the server or the exchange node, server restarts, venue
# faults, operator switches, transfers throughout). It must exit 0 with a report in which every fault was
# injected and healed, every member's users came back, and every invariant
# holds; and it must leave nothing running. A shape that cannot hold its
# faults is refused before anything starts.
source "$(dirname "$0")/lib.sh"
root=$(pwd)
seed=${2:-12}
faults=${3:-20}
duration=${4:-60s}
cd "$tmp"
xport=$((20000 + RANDOM % 12000))
sed -e 's|interval = "100ms"|interval = "50ms"|' "$root/examples/exchange_node/farm.toml" \
  >exchange.toml
sed -e "s|127.0.0.1:7100|127.0.0.1:$xport|" \
  -e "s|\"../policies/default.toml\"|\"$root/examples/policies/default.toml\"|" \
  "$root/examples/cluster/farm.toml" >farm.toml
{
  printf '[cluster]\nname = "chaos-test"\nfarm = "farm.toml"\n'
  for n in 1 2 3; do
    printf '\n[[member]]\nname = "node-%s"\nhost = "127.0.0.1"\nport = %s\nconsole_port = %s\n' \
      "$n" $((20000 + RANDOM % 12000)) $((20000 + RANDOM % 12000))
  done
  printf '\n[[exchange]]\nname = "exchange-1"\nhost = "127.0.0.1"\nport = %s\n' "$xport"
} >cluster.toml

# Refused before anything starts.
expect_exit 1 "$tfarm" chaos --cluster cluster.toml --exchange exchange.toml --faults 50 \
  --duration 20s --run-dir "$tmp/crowded"
expect_grep "50 faults need a fault phase of 50 s or more \(--duration\)" "$tmp/err"
[[ ! -e "$tmp/crowded/cluster.toml" ]] || fail "a refused run started something"

expect_exit 0 "$tfarm" chaos --cluster cluster.toml --exchange exchange.toml --seed "$seed" \
  --faults "$faults" --duration "$duration" --run-dir "$tmp/run"
expect_grep "^PASSED$" "$tmp/out"
python3 - "$tmp/run/report.json" "$faults" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
want = int(sys.argv[2])
problems = []
if not r["passed"]:
    problems.append("not passed")
if len(r["faults"]) != want:
    problems.append(f'{len(r["faults"])} faults, not {want}')
for f in r["faults"]:
    if f["injected_ms"] < 0 or f["healed_ms"] < 0 or f["error"]:
        problems.append(f'fault {f["id"]} {f["kind"]}: not injected and healed: {f["error"]}')
    if f["kind"] in ("member_kill", "member_pause", "member_partition") and \
            f["recovered_after_ms"] < 0:
        problems.append(f'fault {f["id"]} {f["kind"]} {f["target"]}: its users never came back')
names = {i["name"]: i for i in r["invariants"]}
for n in ("cluster_recovered", "agents_running", "vault_reconcile", "partition_stops_first",
          "no_order_twice",
          "ledger_and_trading", "fill_once", "no_negative_balance", "nothing_in_flight",
          "no_critical_incident", "transfer_once", "fence_per_write", "faults_injected"):
    if n not in names:
        problems.append("no invariant " + n)
    elif not names[n]["holds"]:
        problems.append(f'{n}: {names[n]["details"]}')
if names.get("fill_once", {}).get("checked", 0) < 1:
    problems.append("nothing traded")
if names.get("fence_per_write", {}).get("checked", 0) < 1:
    problems.append("no fenced write noted in user_writes")
if r["transfers"] < 1:
    problems.append("no transfer")
if problems:
    sys.exit("\n".join(problems))
PY
# Nothing left behind: no member, no exchange node (read from /proc: no
# procps needed).
for f in /proc/[0-9]*/cmdline; do
  args=$(tr '\0' ' ' <"$f" 2>/dev/null || true)
  [[ $args != *"--cluster $tmp/run/cluster.toml"* ]] || fail "a member still runs: $args"
  [[ $args != *"-c $tmp/run/exchange.toml"* ]] || fail "the exchange node still runs: $args"
done
echo "ok: $(grep -E '^[0-9]+ orders' "$tmp/out")"
