# tfarm_bench lists its scenarios and prints one well-formed JSON line per
# scenario (tiny sizes: this checks the harness, it measures nothing).
source "$(dirname "$0")/lib.sh"
bench=$2
expect_exit 0 "$bench" --list
expect_grep "^message_overhead " "$tmp/out"
expect_grep "^restart_latency " "$tmp/out"
expect_grep "^checkpoint_durable " "$tmp/out"
expect_grep "^checkpoint_durable_pg " "$tmp/out"
expect_grep "^vault_transfers_pg " "$tmp/out"
expect_grep "^order_pipeline_pg " "$tmp/out"
expect_grep "^cold_restore " "$tmp/out"
expect_grep "^vault_transfers " "$tmp/out"
expect_grep "^matching_engine " "$tmp/out"
expect_grep "^session_roundtrip " "$tmp/out"
expect_grep "^order_pipeline " "$tmp/out"
expect_grep "^order_latency " "$tmp/out"
expect_grep "^farm_scale " "$tmp/out"
expect_grep "^console_command " "$tmp/out"
expect_grep "^console_command_tls " "$tmp/out"
expect_grep "^remote_throughput " "$tmp/out"
expect_grep "^failover_time " "$tmp/out"
expect_grep "^handoff_pause " "$tmp/out"
expect_exit 0 "$bench" --scale 0.002 --dir "$tmp" all
[[ $(wc -l <"$tmp/out") -eq 24 ]] || { cut -c1-100 "$tmp/out" >&2; fail "expected 24 JSON lines (order_latency gives four, farm_scale three)"; }
expect_grep '^\{"fills":[0-9]+,"orders":[0-9]+,"rejected":[0-9]+,"scenario":"matching_engine","target":1000000,"value":[0-9]+\}$' "$tmp/out"
expect_grep '^\{"baseline":[0-9]+,.*"ratio":[0-9.]+,.*"scenario":"message_overhead","value":[0-9]+\}$' "$tmp/out"
expect_grep '^\{"baseline_p50_us":[0-9.]+,"baseline_p99_us":[0-9.]+,.*"p50_us":[0-9.]+,"p99_us":[0-9.]+,"scenario":"restart_latency".*\}$' "$tmp/out"
expect_grep '^\{"avg_batch":[0-9]+,"baseline":[0-9]+,.*"p99_ack_us":[0-9.]+,"ratio":[0-9.]+,"scenario":"checkpoint_durable".*\}$' "$tmp/out"
expect_grep '^\{"actors":[0-9]+,"baseline":[0-9.]+,"baseline_kind":"raw SQLiteCpp read of the rows, one raw CAF actor per row decoding its blob","ratio":[0-9.]+,"rss_mb":[0-9.]+,"scenario":"cold_restore","seconds":[0-9.]+,.*"stopped_cleanly":true\}$' "$tmp/out"
expect_grep '^\{"accounts":[0-9]+,.*"failed":0,.*"p99_us":[0-9.]+,"ratio":[0-9.]+,"rows_per_transfer":13,"scenario":"vault_transfers",.*"value":[0-9]+\}$' "$tmp/out"
expect_grep '^\{"baseline":[0-9]+,"baseline_p50_us":[0-9.]+,"baseline_p99_us":[0-9.]+,"failed":0,.*"p50_us":[0-9.]+,"p99_us":[0-9.]+,"ratio":[0-9.]+,"scenario":"session_roundtrip",.*"value":[0-9]+\}$' "$tmp/out"
expect_grep '^\{"agents":8,.*"baseline":[0-9]+,.*"p50_us":[0-9.]+,"p99_us":[0-9.]+,"ratio":[0-9.]+,.*"scenario":"order_pipeline",.*"value":[0-9]+\}$' "$tmp/out"
for load in 500 1000 2000 4000; do
  expect_grep '^\{"agents":8,"baseline":[0-9]+,"baseline_kind":"two raw SQLiteCpp commits \(p50\), synchronous=FULL",.*"offered_per_s":'$load',"p50_us":[0-9]+,"p99_us":[0-9]+,.*"ratio":[0-9.]+,.*"scenario":"order_latency",.*"shed":[0-9]+,.*"value":[0-9]+\}$' "$tmp/out"
done
# At these sizes the memory deltas (and so the ratio) can be negative.
[[ $(grep -cE '^\{"agents":[0-9]+,"baseline":-?[0-9]+,"baseline_kind":"resident bytes of one raw CAF actor with a small state",.*"ratio":-?[0-9.]+,.*"running":[0-9]+,.*"scenario":"farm_scale",.*"stopped_cleanly":true,.*"tick_to_decision_p99_us":[0-9]+,.*"value":-?[0-9]+\}$' "$tmp/out") -eq 3 ]] ||
  { grep farm_scale "$tmp/out" >&2; fail "expected three farm_scale lines"; }
[[ $(grep -cE '^\{"agents":([0-9]+),.*"running":\1,.*"scenario":"farm_scale"' "$tmp/out") -eq 3 ]] ||
  { grep farm_scale "$tmp/out" >&2; fail "farm_scale: every agent must be running"; }
expect_grep '^\{"baseline":[0-9]+,.*"clients":32,"failed":0,.*"p99_us":[0-9]+,"ratio":[0-9.]+,"scenario":"http_health","value":[0-9]+\}$' "$tmp/out"
expect_grep '^\{"baseline":[0-9]+,"baseline_p50_us":[0-9.]+,"baseline_p99_us":[0-9.]+,"commands":[0-9]+,"p50_us":[0-9.]+,"p99_us":[0-9.]+,"ratio":[0-9.]+,"reply_bytes":[0-9]+,"scenario":"console_command","value":[0-9]+\}$' "$tmp/out"
expect_grep '^\{"baseline":[0-9]+,"baseline_p50_us":[0-9.]+,"baseline_p99_us":[0-9.]+,"commands":[0-9]+,"p50_us":[0-9.]+,"p99_us":[0-9.]+,"ratio":[0-9.]+,"scenario":"console_command_tls","value":[0-9]+\}$' "$tmp/out"
for s in checkpoint_durable_pg vault_transfers_pg order_pipeline_pg; do
  expect_grep "^\{.*\"baseline\":[0-9]+,.*\"baseline_kind\":\"raw libpq, pipeline mode, one transaction per batch\".*\"ratio\":[0-9.]+,.*\"scenario\":\"$s\"" "$tmp/out"
done
expect_grep '^\{"baseline":[0-9]+,"baseline_kind":"raw CAF remote request/response to the venue, same TLS connection",.*"failed":0,.*"ratio":[0-9.]+,"scenario":"remote_throughput",.*"tls":true,' "$tmp/out"
expect_grep '^\{"baseline":1500,.*"p50_ms":[0-9.]+,"p99_ms":[0-9.]+,"ratio":[0-9.]+,"scenario":"failover_time","sigstop_p50_ms":[0-9.]+,"sigstop_p99_ms":[0-9.]+,.*"trials":1,' "$tmp/out"
expect_grep '^\{"baseline":250,.*"handoffs":[1-9][0-9]*,.*"p99_ms":[0-9.]+,"ratio":[0-9.]+,"scenario":"handoff_pause",' "$tmp/out"
[[ -z $(ls "$tmp" | grep -E 'tfarm-bench|tfarm-failover') ]] || fail "the bench left its files behind"
expect_exit 2 "$bench" no_such_scenario
expect_grep "unknown scenario 'no_such_scenario'" "$tmp/err"
echo ok
