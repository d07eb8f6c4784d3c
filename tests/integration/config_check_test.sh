# `tfarm config check`: ok lines and exit 0 for valid files; for invalid ones
# exactly the corpus' expected lines (all problems) and exit 1.
source "$(dirname "$0")/lib.sh"
expect_exit 0 "$tfarm" config check examples/single_node/farm.toml examples/policies/*.toml
for f in examples/single_node/farm.toml examples/policies/*.toml; do
  expect_grep "^$f: ok$" "$tmp/out"
done
count=0
for f in tests/data/config/invalid/*.toml; do
  expect_exit 1 "$tfarm" config check "$f"
  diff -u "${f%.toml}.expected" "$tmp/out" || fail "output for $f differs from its .expected"
  count=$((count + 1))
done
((count >= 20)) || fail "only $count corpus files"
# Several files at once: each is reported, the exit code says whether any failed.
expect_exit 1 "$tfarm" config check examples/single_node/farm.toml tests/data/config/invalid/06_negative_intensity.toml
expect_grep "^examples/single_node/farm.toml: ok$" "$tmp/out"
expect_grep "06_negative_intensity.toml:3:13: error: 'intensity' must be between 0 and 1000000, got -1" "$tmp/out"
expect_exit 2 "$tfarm" config check
echo "ok ($count invalid files)"
