#include "net/security_follower.hpp"

#include <chrono>

#include <spdlog/logger.h>

#include "config/limits.hpp"
#include "net/logger.hpp"
#include "net/security_control.hpp"
#include "persistence/database.hpp"
#include "persistence/security_state.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::net {

security_follower::security_follower(std::shared_ptr<security_control> control, std::string db)
    : control_(std::move(control)), db_(std::move(db)) {
  thread_ = std::thread{[this] { run(); }};
}

security_follower::~security_follower() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

void security_follower::run() {
  bool failing = false;
  std::unique_ptr<persistence::sql_connection> conn;
  for (;;) {
    // One connection kept open (a new one only after it broke).
    caf::expected<persistence::security_state> st{persistence::security_state{}};
    if (!conn || conn->broken()) {
      auto opened = persistence::open_database(db_);
      if (opened)
        conn = std::move(*opened);
      else
        st = opened.error();
    }
    if (conn && !conn->broken())
      st = persistence::load_security_state(*conn);
    if (!st) {
      if (!failing)
        log().error("security: cannot read the cluster's security state ({}); a lockdown on "
                    "another member is not followed here until it can",
                    runtime::to_text(st.error()));
      failing = true;
    } else {
      if (failing)
        log().info("security: the cluster's security state is readable again");
      failing = false;
      control_->follow(*st);
    }
    std::unique_lock<std::mutex> guard{mtx_};
    if (cv_.wait_for(guard, std::chrono::milliseconds{config::security_follow_interval_ms},
                     [&] { return quit_; }))
      return;
  }
}

} // namespace tfarm::net
