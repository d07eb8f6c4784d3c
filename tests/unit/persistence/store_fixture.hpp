// A real actor system with one sqlite_store on a temporary database, and
// helpers to ask it things with deadlines (the store runs detached, on its
// own thread, so these tests use real threads, never sleeps).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "persistence/kinds.hpp"
#include "persistence/sqlite_store.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node_context.hpp"
#include "temp_dir.hpp"
#include "test_data.hpp"

namespace tfarm::test {

constexpr auto store_test_timeout = std::chrono::seconds{20};

inline std::unique_ptr<caf::actor_system_config> store_test_config() {
  auto cfg = std::make_unique<caf::actor_system_config>();
  persistence::configure(*cfg);
  cfg->set("scheduler.max-threads", size_t{2});
  return cfg;
}

class store_fixture : public testing::Test {
protected:
  store_fixture() : cfg_(store_test_config()), sys_(*cfg_) {
    auto kinds = runtime::builtin_kinds();
    persistence::add_kinds(kinds);
    ctx_ = std::make_shared<runtime::node_context>("test", std::move(kinds), config::policy_set{},
                                                   config::runbook_limits{}, 7);
  }

  ~store_fixture() override {
    stop_store();
    ctx_->set_store({});
  }

  /// Starts a store on `file` with extra child params.
  persistence::store_actor start_store(const std::string& file,
                                       std::map<std::string, std::string> params = {}) {
    runtime::child_spec spec;
    spec.id = "store";
    spec.kind = "sqlite_store";
    spec.params = std::move(params);
    spec.params["db"] = file;
    auto kind = ctx_->kinds().find("sqlite_store");
    auto h =
        kind->spawn(sys_, nullptr,
                    runtime::spawn_context{
                        "/store", spec, ctx_, ctx_->registry().add("/store", "sqlite_store"), {}});
    EXPECT_TRUE(h);
    store_ = caf::actor_cast<persistence::store_actor>(*h);
    return store_;
  }

  /// Stops the store and waits until it is gone (its last batch committed).
  void stop_store() {
    if (!store_)
      return;
    caf::scoped_actor self{sys_};
    self->monitor(store_);
    self->send_exit(store_, caf::exit_reason::user_shutdown);
    self->receive([](caf::down_msg&) {}, caf::after(store_test_timeout) >>
                                             [] { ADD_FAILURE() << "the store did not stop"; });
    store_ = nullptr;
  }

  /// Asks the store; returns the answer or the error.
  template <class T, class... Ts>
  caf::expected<T> ask(Ts&&... xs) {
    caf::scoped_actor self{sys_};
    caf::expected<T> result{caf::error{}};
    self->request(store_, store_test_timeout, std::forward<Ts>(xs)...)
        .receive([&](T& x) { result = std::move(x); },
                 [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  std::string describe() {
    auto entry = ctx_->registry().find("/store");
    return entry ? entry->snapshot().state_json : "";
  }

  temp_dir dir_;
  std::unique_ptr<caf::actor_system_config> cfg_;
  caf::actor_system sys_;
  std::shared_ptr<runtime::node_context> ctx_;
  persistence::store_actor store_;
};

} // namespace tfarm::test
