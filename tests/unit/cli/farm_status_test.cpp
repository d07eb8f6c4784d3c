// What `tfarm run` shows: the monitor's own alerts (not a second set
// computed by the screen), and a status that cannot be read shown as such,
// never as zeros.
#include <gtest/gtest.h>

#include "cli/farm_status.hpp"
#include "tests/unit/net/test_node.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

const char* farm_text = R"(
[node]
name = "screen-1"
[vault]
assets = ["USD", "BTC"]
[monitor]
interval = "50ms"
[[user]]
name = "alice"
  [[user.account]]
  id = "alice-main"
  opening_balance = { USD = 1000 }
)";

class farm_status_test : public testing::Test {
protected:
  static void SetUpTestSuite() {
    std::string why;
    config::setup_logging(config::logging_options{"error", {}}, why);
  }

  void SetUp() override {
    node_ = start_test_node(farm_text, dir_.file("screen.db"));
    ASSERT_TRUE(node_);
  }

  void TearDown() override {
    if (node_)
      node_->stop();
  }

  temp_dir dir_;
  std::unique_ptr<runtime::node> node_;
};

TEST_F(farm_status_test, the_screen_shows_the_monitor_s_open_alerts) {
  auto x = cli::take_snapshot(*node_);
  ASSERT_TRUE(eventually([&] {
    x = cli::take_snapshot(*node_);
    return x.alerts_error.empty();
  }));
  EXPECT_TRUE(x.alerts.empty());
  EXPECT_NE(cli::render_screen(x, x, "t").find("ALERTS (the monitor's)\n  none"),
            std::string::npos);
  node_->context().report(runtime::incident{"/user/alice", "test.incident", "planted", "error"});
  ASSERT_TRUE(eventually([&] {
    x = cli::take_snapshot(*node_);
    return x.alerts.size() == 1;
  }));
  EXPECT_EQ(x.alerts[0].severity, "error");
  auto screen = cli::render_screen(x, x, "t");
  EXPECT_NE(screen.find("planted"), std::string::npos) << screen;
  EXPECT_NE(cli::render_line(x, x).find("alerts 1"), std::string::npos);
}

TEST_F(farm_status_test, an_agent_whose_status_cannot_be_read_is_shown_so_not_as_zeros) {
  auto entry = node_->context().registry().add("/user/alice/broken", "trading_agent");
  entry->set_description(R"({"state":"running","orders":5})");
  auto x = cli::take_snapshot(*node_);
  ASSERT_EQ(x.agents.size(), 1u);
  EXPECT_FALSE(x.agents[0].status);
  EXPECT_NE(x.agents[0].error.find("/user/alice/broken: its status cannot be read"),
            std::string::npos)
      << x.agents[0].error;
  EXPECT_EQ(x.health_pct, 0);
  auto screen = cli::render_screen(x, x, "t");
  EXPECT_NE(screen.find("alice/broken           unreadable"), std::string::npos) << screen;
  EXPECT_NE(screen.find("STATUS PROBLEMS"), std::string::npos) << screen;
  EXPECT_NE(cli::render_line(x, x).find("1 unreadable"), std::string::npos);
  auto summary = cli::summary_json(x, 1);
  EXPECT_EQ(summary["agents"][0]["state"], "unreadable");
  EXPECT_FALSE(summary["agents"][0].contains("orders"));
}

} // namespace
} // namespace tfarm::test
