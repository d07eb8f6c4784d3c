// The tree `tfarm run` starts: every child the modules add is a spec its
// kind accepts (a builder writing a key its kind's parameter struct does not
// know, or a value it cannot read, would stop the node at start).
#include <functional>
#include <string>

#include <gtest/gtest.h>

#include "config/loader.hpp"
#include "net/kinds.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node.hpp"

namespace tfarm::test {
namespace {

// Visits every spec of `x` with its path.
void walk(const runtime::child_spec& x, const std::string& path,
          const std::function<void(const runtime::child_spec&, const std::string&)>& f) {
  f(x, path);
  for (auto& c : x.children)
    walk(c, path == "/" ? "/" + c.id : path + "/" + c.id, f);
}

TEST(kinds, every_spec_of_the_example_farms_trees_passes_its_kind_s_parameter_check) {
  for (auto file : {"examples/single_node/farm.toml", "examples/exchange_node/farm.toml",
                    "examples/custom_strategy/farm.toml"}) {
    auto farm = config::load_farm_file(std::string{TFARM_SOURCE_DIR} + "/" + file);
    ASSERT_TRUE(farm.value) << file;
    auto opts = net::sqlite_node_options(*farm.value, {});
    auto tree = runtime::default_tree(opts.farm, opts.store);
    opts.extend_tree(opts.farm, tree);
    size_t checked = 0;
    walk(tree, "/", [&](const runtime::child_spec& spec, const std::string& path) {
      auto* kind = opts.kinds.find(spec.kind);
      if (kind == nullptr) {
        // A kind a plugin adds (the custom strategy's) is not in this build.
        EXPECT_EQ(spec.kind, "trading_agent") << file << " " << path;
        return;
      }
      if (!kind->check_params)
        return;
      ++checked;
      auto err = kind->check_params(spec.params);
      EXPECT_FALSE(err) << file << " " << path << ": " << runtime::to_text(err);
    });
    // The store, the monitor, supervisors, the vault's gateway, venues and
    // sessions at least.
    EXPECT_GE(checked, 8u) << file;
  }
}

} // namespace
} // namespace tfarm::test
