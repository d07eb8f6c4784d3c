// A deterministic fixture for supervision tests: CAF's test coordinator (one
// thread, simulated clock), a node context with the test kinds, and helpers
// to build trees and to ask actors for answers.
#pragma once

// dsl.hpp first: it uses the name FAIL, which gtest.h defines as a macro.
#include <caf/test/dsl.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "probe.hpp"
#include "runtime/error_text.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/memory_checkpoint_store.hpp"
#include "runtime/node_context.hpp"
#include "runtime/supervisor.hpp"
#include "runtime/type_ids.hpp"

namespace tfarm::test {

struct runtime_test_config : caf::actor_system_config {
  runtime_test_config() {
    add_message_types<caf::id_block::tfarm_runtime>();
    runtime::add_error_renderers(*this);
  }
};

class runtime_fixture : public testing::Test, public test_coordinator_fixture<runtime_test_config> {
public:
  runtime_fixture() { probe_events().clear(); }

  ~runtime_fixture() override {
    // Stop whatever a test left running so that the system can shut down.
    for (auto& h : roots_)
      caf::anon_send_exit(h, caf::exit_reason::kill);
    run();
  }

  /// A node context with `policies`; also starts an in-memory store.
  void make_context(config::policy_set policies = {}, config::checkpoint_settings cps = {}) {
    ctx_ = std::make_shared<runtime::node_context>("test", test_kinds(), std::move(policies),
                                                   config::runbook_limits{}, 42, std::move(cps));
    ctx_->set_incident_sink([this](const runtime::incident& x) { incidents_.push_back(x); });
    runtime::spawn_context sc{"/store",
                              spec("store", "memory_store"),
                              ctx_,
                              ctx_->registry().add("/store", "memory_store"),
                              {}};
    store_ =
        caf::actor_cast<caf::actor>(sys.spawn<runtime::memory_checkpoint_store>(std::move(sc)));
    roots_.push_back(store_);
    settle();
  }

  static runtime::child_spec spec(std::string id, std::string kind,
                                  std::vector<runtime::child_spec> children = {}) {
    runtime::child_spec x;
    x.id = std::move(id);
    x.kind = std::move(kind);
    x.children = std::move(children);
    return x;
  }

  static config::supervisor_policy policy(std::string path, config::restart_strategy strategy,
                                          int32_t intensity = 10) {
    config::supervisor_policy p;
    p.path = std::move(path);
    p.strategy = strategy;
    p.intensity = intensity;
    p.period = std::chrono::seconds{5};
    p.backoff.min = std::chrono::milliseconds{0};
    p.backoff.max = std::chrono::milliseconds{0};
    p.backoff.jitter_ppm = 0;
    p.child_shutdown_timeout = std::chrono::milliseconds{1000};
    return p;
  }

  /// Handles every message, but fires no timer: simulated time stands still,
  /// so restart windows and backoff delays are exactly what a test makes them.
  /// (Timers that guard against hangs, such as request timeouts, never fire.)
  void settle() { consume_messages(); }

  /// Spawns a supervisor at `path` with `children`; monitors it from self.
  runtime::supervisor_actor start_supervisor(const std::string& path,
                                             std::vector<runtime::child_spec> children) {
    auto root_spec = spec(path.substr(path.rfind('/') + 1), "supervisor", std::move(children));
    runtime::spawn_context sc{path, root_spec, ctx_, ctx_->registry().add(path, "supervisor"), {}};
    auto h = sys.spawn<runtime::supervisor>(std::move(sc));
    self->monitor(h);
    roots_.push_back(caf::actor_cast<caf::actor>(h));
    settle();
    return h;
  }

  /// Sends a request, runs the system, returns the answer or the error.
  template <class T, class Handle, class... Ts>
  caf::expected<T> ask(const Handle& h, Ts&&... xs) {
    auto rh = self->request(h, caf::infinite, std::forward<Ts>(xs)...);
    settle();
    if (self->mailbox().empty())
      return caf::error{runtime::runtime_errc::timeout, "no answer"};
    caf::expected<T> result{caf::error{}};
    rh.receive([&](T& x) { result = std::move(x); },
               [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// The running instance at `path` (invalid if none).
  caf::actor handle_of(const std::string& path) {
    auto entry = ctx_->registry().find(path);
    return entry ? entry->handle() : caf::actor{};
  }

  /// Makes the actor at `path` fail and lets the system react.
  void crash(const std::string& path, std::string reason = "test") {
    auto h = handle_of(path);
    ASSERT_TRUE(h) << "no running actor at " << path;
    self->send(h, runtime::crash_request{std::move(reason)});
    settle();
  }

  runtime::actor_info info(const std::string& path) {
    auto entry = ctx_->registry().find(path);
    return entry ? entry->snapshot() : runtime::actor_info{};
  }

  /// Waits (in simulated time) for the down message of a monitored root.
  caf::error down_reason_of(const caf::actor_addr& addr) {
    caf::error result{runtime::runtime_errc::timeout, "no down message"};
    while (!self->mailbox().empty()) {
      self->receive([&](caf::down_msg& msg) {
        if (msg.source == addr)
          result = std::move(msg.reason);
      });
    }
    return result;
  }

  std::string render(const caf::error& err) { return runtime::to_text(err); }

  std::shared_ptr<runtime::node_context> ctx_;
  std::vector<runtime::incident> incidents_;
  caf::actor store_;
  std::vector<caf::actor> roots_;
};

} // namespace tfarm::test
