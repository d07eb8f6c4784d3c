// A node with a SQLite store, the vault and the exchange side: venues
// "sim-a" (backup "sim-b") and "sim-b", and sessions of accounts "acct1"
// and "acct2" on sim-a. Markets are quiet (no simulated participants, a
// generator step an hour apart) unless a test asks otherwise, so that
// every fill comes from the test's own orders.
#pragma once

#include <chrono>
#include <string>

#include <caf/scoped_actor.hpp>

#include "actors/exchange/error.hpp"
#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "tests/unit/actors/vault/vault_fixture.hpp"

namespace tfarm::test {

/// Exchange settings most tests use (a short timeout: lost answers are
/// injected on purpose).
inline const char* exchange_test_config = R"(
[exchange]
request_timeout = "200ms"
retry_max = 3
backoff_min = "1ms"
backoff_max = "10ms"
failover_after = 3
probe_interval = "20ms"
failback_probes = 2
  [[exchange.venue]]
  name = "sim-a"
  backup = "sim-b"
  symbols = ["BTC-USD"]
  taker_fee_bps = 10
  maker_fee_bps = 5
  rate_per_s = 100000
  burst = 100000
    [exchange.venue.market_data]
    interval = "1h"
    depth = 0
  [[exchange.venue]]
  name = "sim-b"
  symbols = ["BTC-USD"]
  rate_per_s = 100000
  burst = 100000
    [exchange.venue.market_data]
    interval = "1h"
    depth = 0
  [[exchange.session]]
  venue = "sim-a"
  account = "acct1"
  [[exchange.session]]
  venue = "sim-a"
  account = "acct2"
)";

/// The same without heartbeats during a test (an hour apart): for tests
/// that count a session's failures, which a heartbeat's ping would join.
inline std::string exchange_test_config_quiet() {
  std::string x = exchange_test_config;
  x.replace(x.find("probe_interval = \"20ms\""), 23, "probe_interval = \"1h\"");
  return x;
}

class exchange_fixture : public vault_fixture {
protected:
  void SetUp() override { start(exchange_test_config); }

  actors::exchange_session_actor session(const std::string& account,
                                         const std::string& venue = "sim-a") {
    auto entry = node_->context().registry().find(actors::session_path(venue, account));
    return entry ? caf::actor_cast<actors::exchange_session_actor>(entry->handle())
                 : actors::exchange_session_actor{};
  }

  actors::venue_actor venue(const std::string& name) {
    auto entry = node_->context().registry().find(actors::venue_path(name));
    return entry ? caf::actor_cast<actors::venue_actor>(entry->handle()) : actors::venue_actor{};
  }

  static actors::order_request limit(const std::string& id, actors::side s, int64_t price,
                                     int64_t qty) {
    actors::order_request r;
    r.client_order_id = id;
    r.agent = "test";
    r.symbol = "BTC-USD";
    r.s = s;
    r.type = actors::order_type::limit;
    r.price = price;
    r.qty = qty;
    return r;
  }

  /// Sends a request to `dest` and waits for its answer (finite timeout).
  template <class T, class Dest, class... Ts>
  caf::expected<T> ask_actor(const Dest& dest, Ts&&... xs) {
    if (!dest)
      return caf::error{actors::exchange_errc::disconnected, "no such actor"};
    return test::ask<T>(node_->system(), dest, std::forward<Ts>(xs)...);
  }

  caf::expected<actors::order_report> place(const std::string& account, actors::order_request r) {
    return ask_actor<actors::order_report>(session(account), std::move(r));
  }

  actors::exchange_status status(const std::string& account) {
    auto x = ask_actor<actors::exchange_status>(session(account), actors::session_status_atom_v);
    EXPECT_TRUE(x) << runtime::to_text(x.error());
    return x ? *x : actors::exchange_status{};
  }

  /// Waits until the session of `account` is logged on and connected: a
  /// fault injected before would be spent on its logon, not on what the
  /// test sends (a slower store makes the logon later).
  void wait_connected(const std::string& account) {
    ASSERT_TRUE(eventually([&] {
      auto st = status(account);
      return st.connected && st.state == "connected";
    })) << account
        << " did not connect";
  }

  void set_faults(const std::string& name, actors::venue_faults f) {
    auto x = ask_actor<actors::venue_faults>(venue(name), f);
    ASSERT_TRUE(x) << runtime::to_text(x.error());
  }

  /// What the venue itself says about an order (an error if it never saw it).
  caf::expected<actors::order_report> at_venue(const std::string& name, const std::string& account,
                                               const std::string& id) {
    return ask_actor<actors::order_report>(venue(name), actors::order_status_atom_v,
                                           std::string{account}, std::string{id});
  }

  std::string order_status_in_db(const std::string& id) {
    auto q_stmt = reader().prepare("SELECT status FROM orders WHERE client_order_id = ?");
    auto& q = *q_stmt;
    q.bind(1, id);
    return q.step() ? q.text(0) : std::string{"(none)"};
  }
};

} // namespace tfarm::test
