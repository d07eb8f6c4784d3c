# `tfarm run --for 1s` stops within the node's shutdown timeout and exits 0
# even when an actor ignores exit requests (it is killed after its own
# shutdown timeout).
source "$(dirname "$0")/lib.sh"
cat >"$tmp/farm.toml" <<'TOML'
[node]
shutdown_timeout = "4s"
[[user]]
name = "eve"
  [[user.agent]]
  id = "stubborn"
  kind = "stubborn"
  [[user.agent]]
  id = "hb"
  kind = "heartbeat"
  params = { interval = "50ms" }
[[supervisor]]
path = "/user/*"
  [supervisor.child_defaults]
  shutdown_timeout = "1s"
TOML
start=$(date +%s%N)
expect_exit 0 "$tfarm" run --db "$tmp/farm.db" --config "$tmp/farm.toml" --for 1s
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
expect_grep "^Stopped cleanly in [0-9]+ ms\.$" "$tmp/out"
expect_grep "stubborn: did not stop within 1s; killing it" "$tmp/err"
expect_grep "── stubborn +stubborn +up" "$tmp/out"
# 1 s of running + 1 s shutdown timeout of the stubborn actor + start/exit.
((elapsed_ms < 1000 + 4000)) || fail "took $elapsed_ms ms, more than --for plus the node's shutdown timeout"
((elapsed_ms >= 2000)) || fail "took only $elapsed_ms ms: the stubborn actor was not waited for"
echo "ok (${elapsed_ms} ms)"
