// Cluster files (load_cluster_text, cluster_config.hpp): what a good one
// gives, and every problem of a bad one at its position.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include <gtest/gtest.h>

#include "config/loader.hpp"

using namespace std::chrono_literals;
using namespace tfarm::config;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> lines_of(const std::vector<diagnostic>& xs) {
  std::vector<std::string> result;
  for (auto& x : xs)
    result.push_back(to_string(x));
  return result;
}

// A folder with an (empty) farm file for the cluster file to name.
class cluster_loader_test : public testing::Test {
protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tfarm-cluster-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream{dir_ / "farm.toml"} << "[node]\nname = \"x\"\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  load_result<cluster_config> load(const std::string& text) {
    return load_cluster_text(text, "c.toml", dir_.string());
  }

  fs::path dir_;
};

} // namespace

TEST_F(cluster_loader_test, a_good_file_gives_members_exchanges_timing_and_tls) {
  auto r = load(R"([cluster]
name = "demo"
farm = "farm.toml"
store = "postgresql://tfarm@127.0.0.1:5432/tfarm"
renew_interval = "200ms"
lease_ttl = "1s"
margin = "200ms"

[tls]
ca = "tls/ca.crt"
cert = "tls/node.crt"
key = "tls/node.key"

[[member]]
name = "node-1"
host = "127.0.0.1"
port = 4301
http_port = 8081
console_port = 4241

[[member]]
name = "node-2"
host = "127.0.0.1"
port = 4302

[[exchange]]
name = "venues"
host = "127.0.0.1"
port = 7100
)");
  ASSERT_TRUE(r.ok()) << testing::PrintToString(lines_of(r.diagnostics));
  auto& c = *r.value;
  EXPECT_EQ(c.name, "demo");
  EXPECT_EQ(c.farm, (dir_ / "farm.toml").lexically_normal().string());
  EXPECT_EQ(c.store, "postgresql://tfarm@127.0.0.1:5432/tfarm");
  EXPECT_EQ(c.timing.renew_interval, 200ms);
  EXPECT_EQ(c.timing.lease_ttl, 1s);
  EXPECT_EQ(c.timing.margin, 200ms);
  EXPECT_TRUE(c.tls.enabled());
  EXPECT_EQ(c.tls.ca, (dir_ / "tls/ca.crt").lexically_normal().string());
  ASSERT_EQ(c.members.size(), 2u);
  EXPECT_EQ(c.members[0].port, 4301);
  EXPECT_EQ(c.members[0].http_port, 8081);
  EXPECT_EQ(c.members[1].console_port, 0) << "off unless given";
  ASSERT_NE(c.member("node-2"), nullptr);
  EXPECT_EQ(c.member("node-2")->position.first, 21u);
  EXPECT_EQ(c.member("node-9"), nullptr);
  ASSERT_EQ(c.exchanges.size(), 1u);
  EXPECT_EQ(c.exchanges[0].port, 7100);
}

TEST_F(cluster_loader_test, defaults_are_the_runbooks_timing) {
  auto r = load("[cluster]\nname = \"c\"\nfarm = \"farm.toml\"\n[[member]]\nname = \"a\"\n"
                "host = \"127.0.0.1\"\nport = 4301\n");
  ASSERT_TRUE(r.ok()) << testing::PrintToString(lines_of(r.diagnostics));
  EXPECT_EQ(r.value->timing.renew_interval, 250ms);
  EXPECT_EQ(r.value->timing.lease_ttl, 1500ms);
  EXPECT_EQ(r.value->timing.margin, 250ms);
  EXPECT_EQ(r.value->store, "") << "given with --db";
  EXPECT_FALSE(r.value->tls.enabled());
}

TEST_F(cluster_loader_test, every_problem_is_reported_at_its_position) {
  auto r = load(R"([cluster]
name = "c"
farm = "missing.toml"
store = "farm.db"
lease_ttl = "500ms"
colour = "blue"

[[member]]
name = "a"
host = "127.0.0.1"
port = 4301

[[member]]
name = "a"
host = "127.0.0.1"
port = 4301

[[member]]
name = "b c"
host = ""
port = 70000
http_port = 4301

[[exchange]]
name = "x"
port = 7100
)");
  ASSERT_FALSE(r.ok());
  auto lines = lines_of(r.diagnostics);
  std::vector<std::string> want{
      "c.toml:3:8: error: farm file 'missing.toml' not found (looked for " +
          (dir_ / "missing.toml").lexically_normal().string() + ")",
      "c.toml:4:9: error: store must be a postgresql:// URL: the members share it, and an "
      "SQLite file cannot be shared between nodes",
      "c.toml:5:13: error: lease_ttl (500 ms) must be at least 3 renew intervals (750 ms), so "
      "that one late renewal does not lose every lease",
  };
  for (auto& w : want)
    EXPECT_NE(std::find(lines.begin(), lines.end(), w), lines.end())
        << w << "\nnot in:\n"
        << testing::PrintToString(lines);
  auto has = [&](const std::string& part) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](auto& l) { return l.find(part) != std::string::npos; });
  };
  EXPECT_TRUE(has("c.toml:6:1: error: unknown key 'colour'")) << testing::PrintToString(lines);
  EXPECT_TRUE(has("c.toml:14:8: error: member 'a' is defined twice (first at line:column 9:8)"))
      << testing::PrintToString(lines);
  EXPECT_TRUE(has("'b c' must be 1 to 64 characters")) << testing::PrintToString(lines);
  EXPECT_TRUE(has("host must not be empty")) << testing::PrintToString(lines);
  EXPECT_TRUE(has("c.toml:21:8: error: ")) << "port 70000: " << testing::PrintToString(lines);
  EXPECT_TRUE(has("[[exchange]]")) << "its missing host: " << testing::PrintToString(lines);
}

TEST_F(cluster_loader_test, a_cluster_needs_its_table_and_a_member) {
  auto r = load("");
  auto lines = lines_of(r.diagnostics);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "c.toml:1:1: error: missing [cluster] (name, farm, and the store URL or "
                      "--db)"),
            lines.end())
      << testing::PrintToString(lines);
  EXPECT_NE(std::find(lines.begin(), lines.end(),
                      "c.toml:1:1: error: a cluster needs at least one [[member]]"),
            lines.end())
      << testing::PrintToString(lines);
}

TEST_F(cluster_loader_test, a_margin_that_outlasts_the_renewals_is_refused) {
  auto r = load("[cluster]\nname = \"c\"\nfarm = \"farm.toml\"\nlease_ttl = \"1s\"\n"
                "renew_interval = \"250ms\"\nmargin = \"800ms\"\n[[member]]\nname = \"a\"\n"
                "host = \"h\"\nport = 1\n");
  auto lines = lines_of(r.diagnostics);
  ASSERT_EQ(lines.size(), 1u) << testing::PrintToString(lines);
  EXPECT_EQ(lines[0], "c.toml:6:10: error: margin (800 ms) must be less than lease_ttl - "
                      "renew_interval (750 ms), or a member would stop its users between two "
                      "renewals");
}

TEST(cluster_example, loads_with_three_members_and_six_users_to_share) {
  auto file = std::string{TFARM_SOURCE_DIR} + "/examples/cluster/cluster.toml";
  auto r = load_cluster_file(file);
  ASSERT_TRUE(r.ok()) << testing::PrintToString(lines_of(r.diagnostics));
  EXPECT_EQ(r.value->members.size(), 3u);
  EXPECT_EQ(r.value->exchanges.size(), 1u);
  EXPECT_TRUE(r.value->tls.enabled()) << "every port between nodes is TLS";
  auto farm = load_farm_file(r.value->farm);
  ASSERT_TRUE(farm.ok()) << testing::PrintToString(lines_of(farm.diagnostics));
  EXPECT_GE(farm.value->users.size(), 6u);
  for (auto& u : farm.value->users)
    EXPECT_FALSE(u.agents.empty()) << u.name << " has no agent to move";
}
