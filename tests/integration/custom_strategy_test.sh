# The custom strategy example: compiled into tfarm, validated by config
# check (its own parameter messages, at their positions), and run.
source "$(dirname "$0")/lib.sh"
farm=examples/custom_strategy/farm.toml
expect_exit 0 "$tfarm" config check "$farm"
expect_grep "^$farm: ok$" "$tmp/out"
sed 's/window = 30, qty = 2/window = 1, qty = 2/' "$farm" >"$tmp/bad.toml"
expect_exit 1 "$tfarm" config check "$tmp/bad.toml"
expect_grep "bad.toml:37:46: error: agent 'breakout-1' of user 'carol': parameter 'window' must be an integer from 2 to 10000, got '1'" "$tmp/out"
expect_exit 0 "$tfarm" run --config "$farm" --db "$tmp/farm.db" --for 1s --summary "$tmp/s.json"
expect_grep '"strategy": "breakout"' "$tmp/s.json"
expect_grep '"path": "/user/carol/breakout-1"' "$tmp/s.json"
expect_exit 0 "$tfarm" db check --db "$tmp/farm.db"
echo ok
