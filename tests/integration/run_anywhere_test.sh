# `tfarm run` without -c finds the example farm wherever it is started from:
# the source tree it was built from, and after `cmake --install` the prefix
# it is installed under (before the source tree). Without any example it
# says where it looked and exits 2.
source "$(dirname "$0")/lib.sh"
build=$2
root=$PWD
cd "$tmp"
expect_exit 0 "$tfarm" run --for 1s --db "$tmp/a.db"
expect_grep "\(farm file $root/examples/single_node/farm.toml, " "$tmp/out"
expect_grep "^Stopped cleanly" "$tmp/out"
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null || fail "cmake --install failed"
[[ -x $tmp/prefix/bin/tfarm && -f $tmp/prefix/share/tfarm/examples/single_node/farm.toml ]] ||
  fail "the install lacks the binary or the examples"
[[ -f $tmp/prefix/share/doc/tfarm/architecture.md ]] || fail "the install lacks the docs"
expect_exit 0 "$tmp/prefix/bin/tfarm" run --for 1s --db "$tmp/b.db"
expect_grep "\(farm file $tmp/prefix/share/tfarm/examples/single_node/farm.toml, " "$tmp/out"
expect_exit 0 "$tmp/prefix/bin/tfarm" exchange-sim serve --for 1s --db "$tmp/c.db" --listen 127.0.0.1:0
expect_grep "farm file $tmp/prefix/share/tfarm/examples/exchange_node/farm.toml" "$tmp/out"
# A copy of the binary with no examples near it (a copy outside the build
# tree does not use the source tree): it names every place it looked.
mkdir -p "$tmp/lonely/bin"
cp "$tmp/prefix/bin/tfarm" "$tmp/lonely/bin/"
expect_exit 2 "$tmp/lonely/bin/tfarm" run --for 1s --db "$tmp/d.db"
expect_grep "no farm file given \(-c FILE\) and the example single_node/farm.toml is in none of: examples/single_node/farm.toml $tmp/lonely/share/tfarm/examples/single_node/farm.toml; nothing was started" "$tmp/err"
echo ok
