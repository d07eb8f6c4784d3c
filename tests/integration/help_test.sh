# `tfarm --help`, `--version` and per-subcommand help; usage errors exit 2.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$tfarm" --help
expect_grep "run" "$tmp/out"
expect_grep "config" "$tmp/out"
expect_exit 0 "$tfarm" --version
expect_grep "^tfarm [0-9]+\.[0-9]+\.[0-9]+ \(CAF 0\.17" "$tmp/out"
expect_exit 0 "$tfarm" run --db "$tmp/farm.db" --help
expect_grep "--for" "$tmp/out"
expect_exit 0 "$tfarm" config check --help
expect_grep "FILE:LINE:COLUMN" "$tmp/out"
expect_exit 2 "$tfarm"
expect_exit 2 "$tfarm" frobnicate
expect_exit 2 "$tfarm" run --db "$tmp/farm.db" --no-such-flag
expect_exit 2 "$tfarm" run --db "$tmp/farm.db" --for 3parsecs
expect_grep "expected a duration" "$tmp/err"
expect_exit 2 "$tfarm" --log-level loud run --for 1s
expect_grep "unknown log level 'loud'" "$tmp/err"
expect_exit 0 "$tfarm" run --db "$tmp/farm.db" --for 200ms --log-level warn
expect_exit 0 "$tfarm" run --db "$tmp/farm.db" --for 200ms --log-format json --log-level info
expect_grep '^\{"ts":"[^"]+","level":"info","logger":"runtime",.*"msg":"node local: started' "$tmp/err"
echo ok
