# The runbook's environment variables override the farm file; a bad value
# stops start-up with a clear message and exit code 2.
source "$(dirname "$0")/lib.sh"
ORDER_RATE_LIMIT=abc expect_exit 2 "$tfarm" run --db "$tmp/farm.db" --config examples/single_node/farm.toml --for 1s
expect_grep '^environment: error: ORDER_RATE_LIMIT="abc": expected a rate such as "20/min"' "$tmp/err"
expect_grep "nothing was started" "$tmp/err"
MAX_AGENTS_PER_USER=0 expect_exit 2 "$tfarm" run --db "$tmp/farm.db" --config examples/single_node/farm.toml --for 1s
expect_grep '^environment: error: MAX_AGENTS_PER_USER="0": must be between 1 and 10000, got 0$' "$tmp/err"
CACHE_DURATION=60 CONNECTION_POOL_SIZE=-1 expect_exit 2 "$tfarm" run --db "$tmp/farm.db" --config examples/single_node/farm.toml --for 1s
expect_grep 'CACHE_DURATION="60"' "$tmp/err"
expect_grep 'CONNECTION_POOL_SIZE="-1"' "$tmp/err"
# A valid override that is lower than the farm file's agent count refuses to
# start, as a usage error at the agent that is one too many; `config check`
# sees the environment too and says the same.
MAX_AGENTS_PER_USER=1 expect_exit 2 "$tfarm" run --db "$tmp/farm.db" --config examples/single_node/farm.toml --for 1s
expect_grep "^examples/single_node/farm.toml:[0-9]+:[0-9]+: error: user 'alice' lists 2 agents, more than max_agents_per_user \(1, set by MAX_AGENTS_PER_USER in the environment\)$" "$tmp/err"
MAX_AGENTS_PER_USER=1 expect_exit 1 "$tfarm" config check examples/single_node/farm.toml
expect_grep "^examples/single_node/farm.toml:[0-9]+:[0-9]+: error: user 'alice' lists 2 agents, more than max_agents_per_user \(1, set by MAX_AGENTS_PER_USER in the environment\)$" "$tmp/out"
ORDER_RATE_LIMIT=abc expect_exit 1 "$tfarm" config check examples/single_node/farm.toml
expect_grep '^environment: error: ORDER_RATE_LIMIT="abc"' "$tmp/out"
# Valid overrides start normally.
ORDER_RATE_LIMIT=20/min MAX_AGENTS_PER_USER=5 expect_exit 0 "$tfarm" run --db "$tmp/farm.db" --config examples/single_node/farm.toml --for 200ms
# An invalid farm file stops start-up with its FILE:LINE:COLUMN lines.
expect_exit 2 "$tfarm" run --db "$tmp/farm.db" --config tests/data/config/invalid/06_negative_intensity.toml --for 1s
expect_grep "06_negative_intensity.toml:3:13: error:" "$tmp/err"
echo ok
