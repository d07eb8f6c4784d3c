# The HTTP API of `tfarm run` from the outside: health, token rules, the
# vault's emergency switch, /metrics through promtool, and the dashboard
# rendered by headless Chromium (the supervision tree and a chart drawn).
source "$(dirname "$0")/lib.sh"
root=$(pwd)
tfarm=$(realpath "$tfarm")
token=integration-admin-token-42
for tool in curl promtool chromium; do
  command -v $tool >/dev/null || fail "$tool is missing (scripts/setup.sh --tests installs it)"
done

# A free port: try a few random ones (the node refuses a port in use).
cd "$tmp"
start_on_free_port --http-port "HTTP API on http://" \
  env TFARM_ADMIN_TOKEN=$token "$tfarm" run -c "$root/examples/single_node/farm.toml" \
  --db "$tmp/farm.db" --for 120s
base=http://127.0.0.1:$port

# Public health: "degraded" while agents start, then "ok".
code=$(curl -s -o "$tmp/health.json" -w '%{http_code}' "$base/api/health")
[[ $code == 200 ]] || fail "/api/health answered $code"
deadline=$((SECONDS + 30))
until curl -s "$base/api/health" | grep -q '"status":"ok"'; do
  ((SECONDS < deadline)) || { curl -s "$base/api/health"; fail "health did not become ok"; }
  sleep 0.2
done

# Admin: 401 without a token, 403 with a wrong one, 200 with it.
code=$(curl -s -o "$tmp/a.json" -w '%{http_code}' "$base/api/admin/status")
[[ $code == 401 ]] || fail "admin/status without a token answered $code"
code=$(curl -s -o "$tmp/a.json" -w '%{http_code}' -H "Authorization: Bearer wrong-token-123456" \
  "$base/api/admin/status")
[[ $code == 403 ]] || fail "admin/status with a wrong token answered $code"
code=$(curl -s -o "$tmp/a.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
  "$base/api/admin/status")
[[ $code == 200 ]] || fail "admin/status with the token answered $code"
expect_grep '"path":"/user/alice/mm-1"' "$tmp/a.json"

# The runbook's emergency procedure, and back.
auth=(-H "Authorization: Bearer $token" -H "Content-Type: application/json")
code=$(curl -s -o "$tmp/e.json" -w '%{http_code}' -X POST "${auth[@]}" \
  -d '{"operator":"it","reason":"integration test"}' "$base/api/vault/emergency-mode/enable")
[[ $code == 200 ]] || { cat "$tmp/e.json"; fail "emergency-mode/enable answered $code"; }
expect_grep '"emergency":true' "$tmp/e.json"
curl -s "${auth[@]}" "$base/api/vault/health" >"$tmp/v.json"
expect_grep '"status":"emergency"' "$tmp/v.json"
code=$(curl -s -o "$tmp/e.json" -w '%{http_code}' -X POST "${auth[@]}" \
  "$base/api/vault/emergency-mode/disable")
[[ $code == 200 ]] || fail "emergency-mode/disable answered $code"
code=$(curl -s -o "$tmp/bad.json" -w '%{http_code}' -X POST "${auth[@]}" -d '{oops' \
  "$base/api/vault/reconcile")
[[ $code == 400 ]] || fail "a malformed body answered $code"
code=$(curl -s -o "$tmp/nf.json" -w '%{http_code}' "$base/api/nothing")
[[ $code == 404 ]] || fail "an unknown path answered $code"
expect_grep '"error":"not_found"' "$tmp/nf.json"

# /metrics passes promtool's checks (format and naming).
curl -s "$base/metrics" >"$tmp/metrics.txt"
promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1 ||
  { cat "$tmp/promtool.out"; fail "promtool check metrics failed"; }
expect_grep '^tfarm_agent_orders_total\{agent="/user/alice/mm-1"\}' "$tmp/metrics.txt"

# The dashboard, once the monitor has a few samples to chart.
deadline=$((SECONDS + 30))
until curl -s "${auth[@]}" "$base/api/monitoring" | grep -qE '"at_ms":\[[0-9]+,[0-9]+,[0-9]+'; do
  ((SECONDS < deadline)) || fail "the monitor has no history"
  sleep 0.2
done
chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
  --user-data-dir="$tmp/chrome" --virtual-time-budget=5000 --dump-dom \
  "$base/dashboard/monitoring#token=$token" >"$tmp/dom.html" 2>"$tmp/chrome.err" ||
  { tail -20 "$tmp/chrome.err"; fail "chromium failed"; }
expect_grep 'data-path="/user/alice/mm-1" data-alive="true"' "$tmp/dom.html"
expect_grep 'data-path="/vault/gateway"' "$tmp/dom.html"
expect_grep 'id="c-agent_health_pct" data-metric="agent_health_pct" data-points="([2-9]|[1-9][0-9]+)"' \
  "$tmp/dom.html"
expect_grep 'data-status="ok"' "$tmp/dom.html"
expect_grep '<td>alice/mm-1</td>' "$tmp/dom.html"
# A single node is no cluster member: the cluster panel stays hidden.
expect_grep 'id="cluster" style="display: ?none;?"' "$tmp/dom.html"

kill -INT $pid
wait $pid || fail "tfarm run exited with $?"
echo "ok"
