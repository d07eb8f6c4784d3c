// The alert webhook against a local receiver (an http_server): delivery,
// retries with backoff until the receiver recovers, giving up, the bounded
// queue, and routing by severity through alert_router.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/monitor/alert_router.hpp"
#include "actors/monitor/webhook_sender.hpp"
#include "config/farm_config.hpp"
#include "net/http_server.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

// Answers 500 to the first `fail_first` POSTs, then 200; keeps the bodies.
class receiver {
public:
  explicit receiver(int fail_first = 0) : fail_first_(fail_first) {
    auto s = net::http_server::start({}, [this](const net::http_request& req) {
      std::lock_guard<std::mutex> guard{mtx_};
      net::http_response r;
      if (req.method != "POST" || req.content_type != "application/json") {
        r.status = 400;
        return r;
      }
      if (attempts_++ < fail_first_) {
        r.status = 500;
        return r;
      }
      bodies_.push_back(req.body);
      return r;
    });
    EXPECT_TRUE(s);
    server_ = std::move(*s);
  }

  actors::webhook_options options() const {
    actors::webhook_options o;
    o.url.host = "127.0.0.1";
    o.url.port = server_->port();
    o.url.target = "/hook";
    o.backoff_min = std::chrono::milliseconds{10};
    o.backoff_max = std::chrono::milliseconds{40};
    o.timeout = std::chrono::milliseconds{2'000};
    return o;
  }

  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> guard{mtx_};
    return bodies_;
  }

  int attempts() {
    std::lock_guard<std::mutex> guard{mtx_};
    return attempts_;
  }

private:
  int fail_first_;
  std::mutex mtx_;
  int attempts_ = 0;
  std::vector<std::string> bodies_;
  std::unique_ptr<net::http_server> server_;
};

TEST(webhook_sender, delivers_a_json_post) {
  receiver rx;
  actors::webhook_sender hook{rx.options()};
  hook.post(R"({"rule":"cpu"})");
  ASSERT_TRUE(eventually([&] { return hook.stats().delivered == 1; }));
  EXPECT_EQ(rx.bodies(), std::vector<std::string>{R"({"rule":"cpu"})"});
  EXPECT_EQ(hook.stats().retries, 0u);
}

TEST(webhook_sender, retries_with_backoff_until_the_receiver_recovers) {
  receiver rx{3};
  actors::webhook_sender hook{rx.options()};
  hook.post(R"({"n":1})");
  ASSERT_TRUE(eventually([&] { return hook.stats().delivered == 1; }));
  auto s = hook.stats();
  EXPECT_EQ(s.retries, 3u);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(rx.attempts(), 4);
  EXPECT_EQ(rx.bodies().size(), 1u); // delivered once, not four times
}

TEST(webhook_sender, gives_up_after_the_last_attempt_and_goes_on_with_the_next) {
  receiver rx{3};
  auto o = rx.options();
  o.attempts = 2;
  actors::webhook_sender hook{o};
  hook.post(R"({"n":1})"); // fails twice: given up
  hook.post(R"({"n":2})"); // third attempt fails, fourth succeeds
  ASSERT_TRUE(eventually([&] { return hook.stats().delivered == 1; }));
  auto s = hook.stats();
  EXPECT_EQ(s.failed, 1u);
  EXPECT_EQ(s.last_error, "answered 500");
  EXPECT_EQ(rx.bodies(), std::vector<std::string>{R"({"n":2})"});
}

TEST(webhook_sender, an_unreachable_receiver_is_retried_and_counted_not_waited_on) {
  actors::webhook_options o;
  o.url.host = "127.0.0.1";
  o.url.port = 1; // nothing listens there
  o.attempts = 3;
  o.backoff_min = std::chrono::milliseconds{5};
  o.timeout = std::chrono::milliseconds{500};
  actors::webhook_sender hook{o};
  auto began = std::chrono::steady_clock::now();
  hook.post("{}");
  EXPECT_LT(std::chrono::steady_clock::now() - began, std::chrono::milliseconds{100});
  ASSERT_TRUE(eventually([&] { return hook.stats().failed == 1; }));
  EXPECT_EQ(hook.stats().retries, 2u);
  EXPECT_NE(hook.stats().last_error.find("connect"), std::string::npos) << hook.stats().last_error;
}

TEST(webhook_sender, a_full_queue_drops_the_oldest_and_counts_it) {
  actors::webhook_options o;
  o.url.host = "127.0.0.1";
  o.url.port = 1;
  o.attempts = 1'000; // the first alert keeps the sender busy
  o.backoff_min = o.backoff_max = std::chrono::milliseconds{50};
  o.queue_max = 2;
  actors::webhook_sender hook{o};
  for (int i = 0; i < 5; ++i)
    hook.post("{}");
  auto s = hook.stats();
  EXPECT_EQ(s.queued, 2u);
  EXPECT_EQ(s.dropped, 3u);
  // The destructor does not wait for the retries: it abandons the queue.
}

TEST(alert_router, routes_by_severity_as_the_runbook_says) {
  receiver rx;
  temp_dir dir;
  auto file = dir.file("alerts.jsonl");
  config::monitor_settings defaults;
  actors::alert_router router{defaults.routing, file, rx.options()};
  auto notice = [](const std::string& severity) {
    actors::alert_notice n;
    n.id = 7;
    n.rule = "r-" + severity;
    n.severity = severity;
    n.state = "firing";
    n.message = "m";
    return n;
  };
  using v = std::vector<std::string>;
  EXPECT_EQ(router.route(notice("critical")), (v{"log", "file", "webhook", "dashboard"}));
  EXPECT_EQ(router.route(notice("error")), (v{"webhook", "dashboard"}));
  EXPECT_EQ(router.route(notice("warning")), (v{"dashboard"}));
  EXPECT_EQ(router.route(notice("info")), (v{"log"}));
  // The file has the critical one only; the webhook critical and error.
  std::ifstream in{file};
  std::string line;
  std::vector<std::string> rules;
  while (std::getline(in, line))
    rules.push_back(nlohmann::json::parse(line)["rule"].get<std::string>());
  EXPECT_EQ(rules, v{"r-critical"});
  ASSERT_TRUE(eventually([&] { return rx.bodies().size() == 2; }));
  EXPECT_EQ(nlohmann::json::parse(rx.bodies()[0])["rule"], "r-critical");
  EXPECT_EQ(nlohmann::json::parse(rx.bodies()[1])["rule"], "r-error");
  EXPECT_EQ(nlohmann::json::parse(rx.bodies()[1])["id"], 7);
}

TEST(alert_router, skips_channels_that_are_not_configured) {
  actors::alert_router router{
      {{"critical", {"log", "file", "webhook", "dashboard"}}}, "", std::nullopt};
  actors::alert_notice n;
  n.severity = "critical";
  EXPECT_EQ(router.route(n), (std::vector<std::string>{"log", "dashboard"}));
  EXPECT_FALSE(router.webhook_stats());
}

} // namespace
} // namespace tfarm::test
