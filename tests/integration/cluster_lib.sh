# Helpers for the cluster tests: source it after lib.sh, with $root the
# project root and $db the cluster's database.
#
# cluster_start: a CA and a node certificate (and an operator's), the
# exchange node on a free port with mutual TLS, and $tmp/cluster.toml:
# three members on 127.0.0.1 running the example cluster farm, node-1 with
# its HTTP API on $hport and console on $cport. Sets $xport, $xcport (the
# exchange node's console), $xpid,
# $cluster and $run_dir (argument arrays) and $token (the admin token).

# Members run as processes of their own (cluster up): a test that ends,
# failed or not, leaves none behind (then lib.sh's cleanup). A pid is
# killed only while it is still a member of this test's cluster.
kill_members() {
  local f pid
  for f in "$tmp"/run/*.pid; do
    [[ -e $f ]] || continue
    pid=$(cat "$f")
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--cluster $tmp/cluster.toml" &&
      kill -9 "$pid" 2>/dev/null || true
  done
}
# members_said: the last warnings and errors of every member and of the
# exchange node, so that a failure in CI shows what the cluster saw.
members_said() {
  local f
  for f in "$tmp"/run/*.log "$tmp/ex.err"; do
    [[ -s $f ]] || continue
    echo "--- ${f#"$tmp"/}: its last warnings and errors" >&2
    grep -E '^[0-9-]+ [0-9:.]+ (warning|error|critical) ' "$f" | tail -n 12 >&2 || true
  done
}
trap 'rc=$?; ((rc == 0)) || members_said; kept_on_failure $rc; kill_members
  kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT

tls_block() {
  printf '\n[tls]\nca = "%s"\ncert = "%s"\nkey = "%s"\n' "$tmp/pki/ca.crt" "$tmp/pki/node.crt" \
    "$tmp/pki/node.key"
}

# fresh_port VAR: sets VAR to a random port in 20000..31999 that no other
# fresh_port call of this cluster file drew (ports of one file must differ).
fresh_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 12000))
    [[ " ${used_ports[*]} " == *" $p "* ]] || break
  done
  used_ports+=("$p")
  printf -v "$1" '%s' "$p"
}

cluster_start() {
  expect_exit 0 "$tfarm" certs init --dir "$tmp/pki"
  expect_exit 0 "$tfarm" certs issue --dir "$tmp/pki" --name node --role node
  expect_exit 0 "$tfarm" certs issue --dir "$tmp/pki" --name ops --role operator
  token=cluster-test-admin-token-1
  # The exchange node (fast market data so that every strategy trades soon).
  sed -e 's|interval = "100ms"|interval = "50ms"|' "$root/examples/exchange_node/farm.toml" \
    >"$tmp/exchange.toml"
  tls_block >>"$tmp/exchange.toml"
  local attempt deadline
  for attempt in 1 2 3 4 5; do
    used_ports=()
    fresh_port xport
    fresh_port xcport
    : >"$tmp/ex.out"
    TFARM_ADMIN_TOKEN=$token "$tfarm" exchange-sim serve -c "$tmp/exchange.toml" \
      --db "$tmp/exchange.db" --listen "127.0.0.1:$xport" --console-port "$xcport" \
      >>"$tmp/ex.out" 2>>"$tmp/ex.err" &
    xpid=$!
    deadline=$((SECONDS + 30))
    until grep -q "Offering venues to other nodes on 127.0.0.1:$xport" "$tmp/ex.out" ||
      ! kill -0 "$xpid" 2>/dev/null; do
      ((SECONDS < deadline)) || fail "the exchange node did not start: $(cat "$tmp/ex.err")"
      sleep 0.1
    done
    grep -q "127.0.0.1:$xport" "$tmp/ex.out" && break
    wait "$xpid" || true
  done
  grep -q "127.0.0.1:$xport" "$tmp/ex.out" || fail "no free port for the exchange node"
  # The cluster file: three members on free ports, the example farm with
  # its venues at this exchange node.
  sed -e "s|127.0.0.1:7100|127.0.0.1:$xport|" \
    -e "s|\"../policies/default.toml\"|\"$root/examples/policies/default.toml\"|" \
    "$root/examples/cluster/farm.toml" >"$tmp/farm.toml"
  fresh_port hport
  fresh_port cport
  local n member_port console_port
  {
    printf '[cluster]\nname = "test"\nfarm = "farm.toml"\nstore = "%s"\n' "$db"
    tls_block
    for n in 1 2 3; do
      fresh_port member_port
      printf '\n[[member]]\nname = "node-%s"\nhost = "127.0.0.1"\nport = %s\n' "$n" \
        "$member_port"
      # node-1 serves its HTTP API (any member answers for all); every
      # member its console (node-1's on $cport).
      [[ $n != 1 ]] || printf 'http_port = %s\n' "$hport"
      if ((n == 1)); then console_port=$cport; else fresh_port console_port; fi
      printf 'console_port = %s\n' "$console_port"
    done
    printf '\n[[exchange]]\nname = "exchange-1"\nhost = "127.0.0.1"\nport = %s\n' "$xport"
  } >"$tmp/cluster.toml"
  cluster=(--cluster "$tmp/cluster.toml")
  run_dir=(--run-dir "$tmp/run")
}

# cluster_up: `tfarm cluster up` (members with their own ports, not the
# environment's), which must succeed.
cluster_up() {
  expect_exit 0 env -u TFARM_HTTP_PORT -u TFARM_CONSOLE_PORT TFARM_ADMIN_TOKEN="$token" \
    "$tfarm" cluster up "${cluster[@]}" "${run_dir[@]}" --wait 60s
}

# status: `cluster status --json` into $tmp/status.json.
status() {
  expect_exit 0 "$tfarm" cluster status "${cluster[@]}" --json
  cp "$tmp/out" "$tmp/status.json"
}

# check_placement [DEAD]: every user owned by a member that is up (not DEAD).
check_placement() {
  status
  python3 - "$tmp/status.json" "${1:-}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
dead = sys.argv[2]
up = {m["name"] for m in s["members"] if m["state"] == "up"}
bad = [u for u, p in s["placement"].items() if p["node"] not in up or p["node"] == dead]
if len(s["placement"]) != 6 or bad:
    sys.exit("not placed: " + (", ".join(bad) or str(len(s["placement"])) + " users"))
PY
}

# running_owners [--at-most-one]: from the members' logs, which members run
# each user now (started and not stopped since); fails unless each runs on
# exactly one, the one the placement names (with --at-most-one: unless
# none runs on two, as during a handoff). The logs are read one after the
# other, so a handoff that completes meanwhile would show the old owner
# (read before its stop) and the new one (read after its start): only
# events up to a cut taken before reading count, a consistent snapshot.
running_owners() {
  status
  python3 - "$tmp/status.json" "${1:-}" "$tmp"/run/*.log <<'PY'
import datetime, json, re, sys, time
cut = time.time() * 1000 - 50  # every line stamped before this is written
s = json.load(open(sys.argv[1]))
at_most_one = sys.argv[2] == "--at-most-one"
running = {}
stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) ")
for log in sys.argv[3:]:
    member = log.rsplit("/", 1)[1][:-4]
    for line in open(log, errors="replace"):
        t = stamp.match(line)
        if t and datetime.datetime.strptime(t.group(1), "%Y-%m-%d %H:%M:%S.%f").timestamp() * 1000 > cut:
            break  # this member's later lines are after the cut
        m = re.search(r"cluster member (\S+): (started|stopped) user (\S+)", line)
        if m and m.group(1) == member:
            (running.setdefault(m.group(3), set()).add if m.group(2) == "started"
             else running.setdefault(m.group(3), set()).discard)(member)
        elif re.search(r"cluster member (\S+): joined as incarnation", line) or \
             re.search(r"^Trading Farm node '", line):
            # A new start of the process runs nothing yet.
            for users in running.values():
                users.discard(member)
bad = []
for user, p in s["placement"].items():
    if at_most_one:
        if len(running.get(user, set())) > 1:
            bad.append(f"{user}: running on {sorted(running[user])}")
    elif running.get(user, set()) != {p["node"]}:
        bad.append(f"{user}: placed on {p['node']}, running on {sorted(running.get(user, set()))}")
if bad:
    sys.exit("\n".join(bad))
PY
}

# settled SECONDS WHAT: waits until every user is placed on a member that
# is up and runs on exactly that one (check_placement and running_owners);
# fails naming WHAT after SECONDS.
settled() {
  local deadline=$((SECONDS + $1))
  until check_placement 2>/dev/null && running_owners 2>/dev/null; do
    ((SECONDS < deadline)) || { running_owners || true; fail "$2: not settled within $1 s"; }
    sleep 0.2
  done
}

# watch_owners SECONDS: samples running_owners --at-most-one until the
# placement is settled (check_placement and running_owners), for at most
# SECONDS; fails at the first sample that shows a user on two members.
watch_owners() {
  local deadline=$((SECONDS + $1)) samples=0
  until check_placement 2>/dev/null && running_owners 2>/dev/null; do
    running_owners --at-most-one || fail "a user ran on two members at once"
    samples=$((samples + 1))
    ((SECONDS < deadline)) || { running_owners || true; fail "the placement did not settle"; }
    sleep 0.05
  done
  echo "settled after $samples samples"
}

# owner_of USER: its node in the latest status; users_of NODE: its users.
owner_of() {
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["placement"][sys.argv[2]]["node"])' \
    "$tmp/status.json" "$1"
}
users_of() {
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1]));
print(" ".join(u for u, p in s["placement"].items() if p["node"] == sys.argv[2]))' \
    "$tmp/status.json" "$1"
}

# console_endpoint NODE: where NODE's console listens (host:port).
console_endpoint() {
  python3 - "$tmp/cluster.toml" "$1" <<'PY'
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
print(next(f'{m["host"]}:{m["console_port"]}' for m in c["member"] if m["name"] == sys.argv[2]))
PY
}

# console_at HOST:PORT ARGS...: one command on the console there as the
# operator (TLS, the admin token); the exit code is the command's.
console_at() {
  local at=$1
  shift
  TFARM_ADMIN_TOKEN=$token "$tfarm" console --connect "$at" --ca "$tmp/pki/ca.crt" \
    --cert "$tmp/pki/ops.crt" --key "$tmp/pki/ops.key" --timeout 10s -e "$*"
}

# console_until NODE PATTERN SECONDS ARGS...: runs the console command on
# NODE until its output has a line matching PATTERN (a deadline, not a sleep).
console_until() {
  local node=$1 pattern=$2 deadline=$((SECONDS + $3))
  shift 3
  until console "$node" "$@" >"$tmp/until.out" 2>&1 && grep -qE -- "$pattern" "$tmp/until.out"; do
    ((SECONDS < deadline)) || fail "console $node $*: no line matching '$pattern' within the deadline: $(cat "$tmp/until.out")"
    sleep 0.1
  done
}

# console NODE ARGS...: console_at on the member NODE.
console() {
  local at
  at=$(console_endpoint "$1")
  shift
  console_at "$at" "$@"
}

# no_duplicate_orders: no venue of the exchange node refused a client order
# id it had seen before: no order reached a venue twice.
no_duplicate_orders() {
  local v
  for v in sim-a sim-b; do
    expect_exit 0 console_at "127.0.0.1:$xcport" info "/exchanges/venues/$v"
    [[ $v != sim-a ]] || expect_grep '"submitted": [1-9]' "$tmp/out" # the primary traded
    expect_grep '"duplicates": 0,' "$tmp/out"
  done
}

# cluster_audit: after cluster down, the exchange node stopped and the money
# audited: db check clean, no critical incident, no order sent to a venue
# twice, no fill id recorded twice, no transfer pending, @transit empty.
cluster_audit() {
  no_duplicate_orders
  kill -TERM "$xpid"
  wait "$xpid" || true
  money_audit "$db"
  [[ $(db_sql "$db" "SELECT COUNT(*) FROM (SELECT 1 FROM fills GROUP BY venue, venue_fill_id
    HAVING COUNT(*) > 1) x") == 0 ]] || fail "a venue's fill id repeats"
  [[ $(db_sql "$db" "SELECT COUNT(*) FROM vault_operations WHERE outcome = 'pending'") == 0 ]] ||
    fail "a transfer is still pending"
  [[ $(db_sql "$db" "SELECT COALESCE(SUM(amount), 0) FROM ledger_entries
    WHERE account = '@transit'") == 0 ]] || fail "money left in @transit"
}
