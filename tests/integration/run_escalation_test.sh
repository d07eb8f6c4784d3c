# When failures escalate to the root, `tfarm run` says why and exits 1
# instead of running on without its tree.
source "$(dirname "$0")/lib.sh"
cat >"$tmp/farm.toml" <<'TOML'
[[user]]
name = "u"
  [[user.agent]]
  id = "flaky"
  kind = "heartbeat"
  params = { interval = "10ms", fail_every = 3 }
[[supervisor]]
path = "/"
intensity = 0
[[supervisor]]
path = "/user"
intensity = 0
[[supervisor]]
path = "/user/*"
intensity = 1
  [supervisor.backoff]
  min = "0ms"
  max = "0ms"
TOML
expect_exit 1 "$tfarm" run --db "$tmp/farm.db" --config "$tmp/farm.toml" --for 20s
expect_grep "^tfarm run: error: the root supervisor stopped: restart_intensity_exceeded: /: 1 restarts within 5s exceed intensity 0" "$tmp/err"
expect_grep "/user/u/flaky: failed \(crash_injected: fail_every: beat 3\)" "$tmp/err"
echo ok
