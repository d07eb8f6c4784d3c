# Ctrl-C (SIGINT) and SIGTERM stop `tfarm run` cleanly with exit code 0.
source "$(dirname "$0")/lib.sh"
for sig in INT TERM; do
  "$tfarm" run --db "$tmp/farm.db" --config examples/single_node/farm.toml >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  wait_for_line "^Running until Ctrl-C" "$tmp/out" 20
  expect_grep "^/ +supervisor +rest_for_one +up" "$tmp/out"
  expect_grep "mm-1 +trading_agent" "$tmp/out"
  kill -s "$sig" "$pid"
  code=0
  wait "$pid" || code=$?
  [[ $code -eq 0 ]] || { cat "$tmp/err"; fail "exit code $code after SIG$sig"; }
  expect_grep "^Stopped cleanly" "$tmp/out"
done
echo ok
