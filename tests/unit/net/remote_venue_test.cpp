// The exchange role across nodes: a trading node's sessions reach venues
// on an exchange node by CAF remote messaging, receive fills and market
// data from there, and fail over to a local backup when the exchange node
// goes away.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "actors/exchange/error.hpp"
#include "actors/exchange/exchange_interfaces.hpp"
#include "actors/exchange/exchange_session.hpp"
#include "actors/vault/error.hpp"
#include "config/loader.hpp"
#include "config/logging.hpp"
#include "net/cert_authority.hpp"
#include "net/console_actor.hpp"
#include "net/error.hpp"
#include "net/kinds.hpp"
#include "net/tls_identity.hpp"
#include "net/type_ids.hpp"
#include "persistence/error.hpp"
#include "persistence/maintenance.hpp"
#include "runtime/error_text.hpp"
#include "runtime/node.hpp"
#include "tests/unit/ask.hpp"
#include "tests/unit/net/test_node.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {
namespace {

using actors::order_state;
using actors::side;

const char* exchange_node_config = R"(
[node]
name = "exchange-1"
[exchange]
listen = "127.0.0.1:0"
  [[exchange.venue]]
  name = "sim-a"
  symbols = ["BTC-USD"]
  taker_fee_bps = 10
    [exchange.venue.market_data]
    interval = "1h"
    depth = 0
)";

const char* trading_node_config = R"(
[node]
name = "trader-1"
[exchange]
request_timeout = "500ms"
retry_max = 2
backoff_min = "1ms"
backoff_max = "20ms"
failover_after = 2
probe_interval = "50ms"
  [[exchange.venue]]
  name = "sim-a"
  kind = "remote"
  endpoint = "127.0.0.1:PORT"
  backup = "local-b"
  [[exchange.venue]]
  name = "local-b"
  symbols = ["BTC-USD"]
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

class remote_venue_test : public testing::Test {
protected:
  static void SetUpTestSuite() {
    persistence::register_error_names();
    actors::register_exchange_error_names();
    actors::register_vault_error_names();
    net::register_net_error_names();
    std::string why;
    config::setup_logging(config::logging_options{"warn", {}}, why);
  }

  std::unique_ptr<runtime::node> start(const std::string& text, const std::string& db) {
    return start_test_node(text, db);
  }

  void TearDown() override {
    // The exchange node first: a trading node's connection attempt that the
    // exchange node never answers (CAF 0.17 waits for the peer's handshake
    // without a deadline) ends when the exchange node closes its side; the
    // other way round the trading node's actor system waits for it at
    // destruction (`tfarm run` has its shutdown watchdog for that).
    for (auto* n : {&exchange_, &trader_})
      if (*n) {
        (*n)->stop();
        n->reset();
      }
  }

  uint16_t directory_port() {
    uint16_t port = 0;
    eventually([&] {
      auto entry = exchange_->context().registry().find("/exchanges/directory");
      if (!entry)
        return false;
      auto j = nlohmann::json::parse(entry->snapshot().state_json, nullptr, false);
      port = j.is_object() ? j.value("port", uint16_t{0}) : uint16_t{0};
      return port != 0;
    });
    return port;
  }

  void start_both() {
    exchange_ = start(exchange_node_config, dir_.file("exchange.db"));
    ASSERT_TRUE(exchange_);
    auto port = directory_port();
    ASSERT_NE(port, 0);
    std::string text = trading_node_config;
    text.replace(text.find("PORT"), 4, std::to_string(port));
    trader_ = start(text, dir_.file("trader.db"));
    ASSERT_TRUE(trader_);
    ASSERT_TRUE(eventually([&] { return status("acct1").connected; }));
  }

  template <class Handle>
  static Handle find(runtime::node& n, const std::string& path) {
    auto entry = n.context().registry().find(path);
    return entry ? caf::actor_cast<Handle>(entry->handle()) : Handle{};
  }

  template <class T, class Dest, class... Ts>
  caf::expected<T> ask(runtime::node& n, const Dest& dest, Ts&&... xs) {
    return test::ask<T>(n.system(), dest, std::forward<Ts>(xs)...);
  }

  actors::exchange_session_actor session(const std::string& account) {
    return find<actors::exchange_session_actor>(*trader_, actors::session_path("sim-a", account));
  }

  actors::exchange_status status(const std::string& account) {
    auto x =
        ask<actors::exchange_status>(*trader_, session(account), actors::session_status_atom_v);
    return x ? *x : actors::exchange_status{};
  }

  static actors::order_request limit(const std::string& id, side s, int64_t price, int64_t qty) {
    actors::order_request r;
    r.client_order_id = id;
    r.symbol = "BTC-USD";
    r.s = s;
    r.price = price;
    r.qty = qty;
    return r;
  }

  temp_dir dir_;
  std::unique_ptr<runtime::node> exchange_;
  std::unique_ptr<runtime::node> trader_;
};

TEST_F(remote_venue_test, orders_fills_and_market_data_cross_nodes) {
  start_both();
  caf::scoped_actor owner{trader_->system()};
  // acct1 rests an order on the exchange node, placed by `owner`.
  caf::expected<actors::order_report> maker{caf::error{}};
  owner->request(session("acct1"), std::chrono::seconds{10}, limit("x1", side::sell, 700, 4))
      .receive([&](actors::order_report& r) { maker = r; }, [&](caf::error& err) { maker = err; });
  ASSERT_TRUE(maker) << runtime::to_text(maker.error());
  EXPECT_EQ(maker->venue, "sim-a");
  EXPECT_EQ(maker->state, order_state::open);
  // The exchange node's venue holds it.
  auto there = ask<actors::order_report>(
      *exchange_, find<actors::venue_actor>(*exchange_, "/exchanges/venues/sim-a"),
      actors::order_status_atom_v, std::string{"acct1"}, std::string{"x1"});
  ASSERT_TRUE(there) << runtime::to_text(there.error());
  EXPECT_EQ(there->qty, 4);
  // Market data crosses too.
  caf::scoped_actor md{trader_->system()};
  md->request(session("acct2"), std::chrono::seconds{10}, actors::md_subscribe_atom_v,
              std::vector<std::string>{"BTC-USD"}, caf::actor_cast<caf::actor>(md))
      .receive([](std::vector<actors::book_top>& tops) { EXPECT_EQ(tops.size(), 1u); },
               [](caf::error& err) { FAIL() << to_string(err); });
  // acct2 takes 3: acct1's owner hears of its fill across the nodes.
  auto taker =
      ask<actors::order_report>(*trader_, session("acct2"), limit("x2", side::buy, 700, 3));
  ASSERT_TRUE(taker) << runtime::to_text(taker.error());
  EXPECT_EQ(taker->state, order_state::filled);
  ASSERT_EQ(taker->fills.size(), 1u);
  EXPECT_EQ(taker->fills[0].fee, 3); // ceil(2,100 * 10 bps)
  bool heard = false;
  owner->receive(
      [&](actors::order_update_atom, actors::order_report& r) {
        heard = true;
        EXPECT_EQ(r.client_order_id, "x1");
        EXPECT_EQ(r.state, order_state::partially_filled);
        EXPECT_EQ(r.filled, 3);
      },
      caf::after(std::chrono::seconds{10}) >> [] {});
  EXPECT_TRUE(heard);
  bool trade_seen = false;
  for (int k = 0; k < 10 && !trade_seen; ++k)
    md->receive([&](actors::trade_tick& t) { trade_seen = t.price == 700 && t.qty == 3; },
                [](actors::book_top&) {}, caf::after(std::chrono::seconds{5}) >> [] {});
  EXPECT_TRUE(trade_seen);
}

TEST_F(remote_venue_test, recover_answers_once_the_remote_venue_is_reached_again) {
  start_both();
  ASSERT_TRUE(
      ask<actors::exchange_status>(*trader_, session("acct1"), actors::session_test_atom_v));
  // Recover drops the connection and looks the venue up again: its answer
  // waits for that, so it says connected (not the moment in between).
  auto r = ask<actors::exchange_status>(*trader_, session("acct1"), actors::session_recover_atom_v);
  ASSERT_TRUE(r) << runtime::to_text(r.error());
  EXPECT_TRUE(r->connected);
  EXPECT_EQ(r->state, "connected");
}

TEST_F(remote_venue_test, losing_the_exchange_node_fails_over_to_the_local_backup) {
  start_both();
  ASSERT_TRUE(
      ask<actors::order_report>(*trader_, session("acct1"), limit("y1", side::buy, 500, 1)));
  exchange_->stop();
  exchange_.reset();
  // The connection drops: the session's venue goes down, it fails over.
  ASSERT_TRUE(eventually([&] { return status("acct1").on_backup; }));
  auto s = status("acct1");
  EXPECT_EQ(s.active, "local-b");
  EXPECT_EQ(s.failovers, 1u);
  auto y2 = ask<actors::order_report>(*trader_, session("acct1"), limit("y2", side::buy, 500, 1));
  ASSERT_TRUE(y2) << runtime::to_text(y2.error());
  EXPECT_EQ(y2->venue, "local-b");
  // y1 lives on the lost node: its status says so instead of guessing.
  auto y1 = ask<actors::order_report>(*trader_, session("acct1"), actors::order_status_atom_v,
                                      std::string{"y1"});
  ASSERT_FALSE(y1);
}

TEST_F(remote_venue_test, an_unreachable_exchange_node_is_reported_and_the_backup_used) {
  // Nothing listens on the endpoint.
  std::string text = trading_node_config;
  text.replace(text.find("PORT"), 4, "1");
  trader_ = start(text, dir_.file("trader.db"));
  ASSERT_TRUE(trader_);
  auto x = ask<actors::order_report>(*trader_, session("acct1"), limit("z1", side::buy, 500, 1));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->venue, "local-b");
  auto s = status("acct1");
  EXPECT_TRUE(s.on_backup);
  EXPECT_NE(s.last_error.find("cannot reach remote venue sim-a"), std::string::npos)
      << s.last_error;
}

TEST_F(remote_venue_test, without_a_backup_orders_wait_then_are_refused_unsent) {
  std::string text = trading_node_config;
  text.replace(text.find("PORT"), 4, "1");
  text.replace(text.find("  backup = \"local-b\"\n"), 21, "");
  trader_ = start(text, dir_.file("trader.db"));
  ASSERT_TRUE(trader_);
  auto t0 = std::chrono::steady_clock::now();
  auto x = ask<actors::order_report>(*trader_, session("acct1"), limit("w1", side::buy, 500, 1));
  ASSERT_FALSE(x);
  EXPECT_EQ(actors::exchange_reason(x.error()), actors::exchange_errc::disconnected);
  EXPECT_NE(runtime::to_text(x.error()).find("order w1 not sent: venue sim-a was not usable for "
                                             "1500 ms"),
            std::string::npos)
      << runtime::to_text(x.error());
  // request_timeout (500 ms) x (retry_max (2) + 1).
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds{1'500});
}

// The trading node's farm without sessions on the remote venue: nothing
// but the console reaches the exchange node.
std::string console_only_config(const std::string& endpoint) {
  std::string text = trading_node_config;
  text.replace(text.find("127.0.0.1:PORT"), 14, endpoint);
  text.erase(text.find("  [[exchange.session]]"));
  text += "  [[exchange.session]]\n  venue = \"local-b\"\n  account = \"acct1\"\n";
  return text;
}

// A TCP socket listening on a free loopback port ("127.0.0.1:PORT" in
// `endpoint`), or -1.
int loopback_listener(int backlog, std::string& endpoint) {
  auto fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0)
    return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(fd, backlog) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  endpoint = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  return fd;
}

net::venue_connector_actor connector(runtime::node& n) {
  for (auto& a : n.context().registry().query("/"))
    if (a.kind == "venue_connector")
      if (auto e = n.context().registry().find(a.path))
        return caf::actor_cast<net::venue_connector_actor>(e->handle());
  return {};
}

// The connector's status as it published it last.
nlohmann::json connector_status(runtime::node& n) {
  for (auto& a : n.context().registry().query("/"))
    if (a.kind == "venue_connector")
      if (auto e = n.context().registry().find(a.path))
        return nlohmann::json::parse(e->snapshot().state_json, nullptr, false);
  return {};
}

TEST_F(remote_venue_test, the_console_reaches_an_exchange_node_no_session_has_used) {
  exchange_ = start(exchange_node_config, dir_.file("exchange.db"));
  ASSERT_TRUE(exchange_);
  auto endpoint = "127.0.0.1:" + std::to_string(directory_port());
  trader_ = start(console_only_config(endpoint), dir_.file("trader.db"));
  ASSERT_TRUE(trader_);
  auto c = connector(*trader_);
  ASSERT_TRUE(c);
  // The exchange node answers for itself: here, that its console is off.
  auto x = ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, endpoint);
  ASSERT_FALSE(x);
  EXPECT_NE(runtime::to_text(x.error()).find("node exchange-1 has its console off"),
            std::string::npos)
      << runtime::to_text(x.error());
  auto other = ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, "127.0.0.1:1");
  ASSERT_FALSE(other);
  EXPECT_NE(runtime::to_text(other.error()).find("no exchange node of this farm listens on"),
            std::string::npos);
}

TEST_F(remote_venue_test, an_exchange_node_that_never_answers_fails_lookups_in_time) {
  // Accepts connections (the kernel's backlog) and never says a word.
  std::string endpoint;
  auto fd = loopback_listener(8, endpoint);
  ASSERT_GE(fd, 0);
  trader_ = start(console_only_config(endpoint), dir_.file("trader.db"));
  ASSERT_TRUE(trader_);
  auto c = connector(*trader_);
  ASSERT_TRUE(c);
  caf::scoped_actor self{trader_->system()};
  auto t0 = std::chrono::steady_clock::now();
  std::optional<caf::error> hung;
  self->request(c, std::chrono::seconds{10}, net::console_lookup_atom_v, endpoint)
      .receive([&](caf::actor&) { hung = caf::error{}; }, [&](caf::error& e) { hung = e; });
  ASSERT_TRUE(hung);
  // request_timeout is 500 ms.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds{3});
  EXPECT_NE(runtime::to_text(*hung).find("cannot connect to the exchange node at " + endpoint +
                                         ": no answer within 500 ms"),
            std::string::npos)
      << runtime::to_text(*hung);
  // While one connection attempt hangs, the connector answers others.
  auto again = ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, endpoint);
  ASSERT_FALSE(again);
  // ... and asks the middleman nothing more while it has not answered the
  // first attempt: the peer holds one connection, not one per lookup. (The
  // second lookup hears the first attempt's end: CAF's heartbeat closes
  // the silent connection at its first tick, connection_timeout.)
  auto st = connector_status(*trader_);
  EXPECT_EQ(st.value("connects", 0), 1) << st.dump();
  ASSERT_EQ(::fcntl(fd, F_SETFL, O_NONBLOCK), 0);
  std::vector<int> held;
  for (int x; (x = ::accept(fd, nullptr, nullptr)) >= 0;)
    held.push_back(x);
  EXPECT_EQ(held.size(), 1u) << "connections the lookups opened at the peer";
  for (auto x : held)
    ::close(x);
  auto other = ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, "127.0.0.1:1");
  ASSERT_FALSE(other);
  EXPECT_EQ(net::net_errc::bad_endpoint, static_cast<net::net_errc>(other.error().code()));
  ::close(fd);
}

} // namespace
} // namespace tfarm::test

namespace tfarm::test {
namespace {

// Nodes of one CA trade across nodes over mutual TLS; a node without TLS,
// or with a certificate of another CA, cannot reach the exchange node and
// its sessions use the local backup.
class remote_venue_tls_test : public remote_venue_test {
protected:
  std::string tls_block(const std::string& pki, const std::string& name) {
    return "[tls]\nca = \"" + pki + "/ca.crt\"\ncert = \"" + pki + "/" + name + ".crt\"\nkey = \"" +
           pki + "/" + name + ".key\"\n";
  }

  /// Starts a TLS trading node (CA "pki") whose remote venue is at
  /// `endpoint`; its venue connector, or an invalid handle.
  net::venue_connector_actor tls_trader_at(const std::string& endpoint) {
    auto ours = pki("pki", {"trader-1"});
    trader_ =
        start(console_only_config(endpoint) + tls_block(ours, "trader-1"), dir_.file("trader.db"));
    return trader_ ? connector(*trader_) : net::venue_connector_actor{};
  }

  std::string pki(const std::string& dir, std::initializer_list<const char*> nodes) {
    auto path = dir_.file(dir);
    EXPECT_TRUE(net::cert_authority::init(path, 30));
    for (auto n : nodes)
      EXPECT_TRUE(net::cert_authority::issue({path, n, net::node_role, 30, ""}));
    return path;
  }

  std::unique_ptr<runtime::node> trader(const std::string& tls, uint16_t port,
                                        const std::string& db) {
    std::string text = trading_node_config;
    text.replace(text.find("PORT"), 4, std::to_string(port));
    return start(text + tls, dir_.file(db));
  }

  /// A trading node with `tls` (empty: plain) against an exchange node of
  /// the CA "pki": the handshake fails, its orders go to the local backup,
  /// and the exchange node's venue never sees them.
  void expect_refused(const std::string& tls) {
    auto ours = pki("pki", {"exchange-1"});
    exchange_ = start(std::string{exchange_node_config} + tls_block(ours, "exchange-1"),
                      dir_.file("exchange.db"));
    ASSERT_TRUE(exchange_);
    auto port = directory_port();
    ASSERT_NE(port, 0);
    trader_ = trader(tls, port, "trader.db");
    ASSERT_TRUE(trader_);
    auto y = ask<actors::order_report>(*trader_, session("acct1"), limit("u1", side::buy, 500, 1));
    ASSERT_TRUE(y) << runtime::to_text(y.error());
    EXPECT_EQ(y->venue, "local-b");
    EXPECT_NE(status("acct1").last_error.find("cannot reach remote venue sim-a"), std::string::npos)
        << status("acct1").last_error;
    auto there = ask<actors::order_report>(
        *exchange_, find<actors::venue_actor>(*exchange_, "/exchanges/venues/sim-a"),
        actors::order_status_atom_v, std::string{"acct1"}, std::string{"u1"});
    EXPECT_FALSE(there);
  }
};

TEST_F(remote_venue_tls_test, nodes_of_one_ca_trade_across_nodes) {
  auto ours = pki("pki", {"exchange-1", "trader-1"});
  exchange_ = start(std::string{exchange_node_config} + tls_block(ours, "exchange-1"),
                    dir_.file("exchange.db"));
  ASSERT_TRUE(exchange_);
  ASSERT_TRUE(net::uses_tls(exchange_->system()));
  auto port = directory_port();
  ASSERT_NE(port, 0);
  trader_ = trader(tls_block(ours, "trader-1"), port, "trader.db");
  ASSERT_TRUE(trader_);
  ASSERT_TRUE(eventually([&] { return status("acct1").connected; }));
  auto x = ask<actors::order_report>(*trader_, session("acct1"), limit("t1", side::sell, 700, 2));
  ASSERT_TRUE(x) << runtime::to_text(x.error());
  EXPECT_EQ(x->venue, "sim-a") << "the order went to the exchange node, over TLS";
}

// Open descriptors of this process.
size_t open_descriptors() {
  size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator{"/proc/self/fd"})
    ++n;
  return n;
}

// A peer that takes every connection and resets it at once (a proxy whose
// backend is down): CAF 0.17.6's TLS connect leaks the socket of each such
// attempt, so a node that kept trying would run out of descriptors.
TEST_F(remote_venue_tls_test, a_peer_that_drops_every_connection_costs_no_descriptors) {
  std::string endpoint;
  auto fd = loopback_listener(64, endpoint);
  ASSERT_GE(fd, 0);
  std::atomic<bool> stop{false};
  std::atomic<int> dropped{0};
  std::thread resetter{[&] {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      auto c = ::accept(fd, nullptr, nullptr);
      if (c < 0)
        continue;
      linger hard{1, 0}; // close with a reset
      ::setsockopt(c, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
      ::close(c);
      ++dropped;
    }
  }};
  auto c = tls_trader_at(endpoint);
  ASSERT_TRUE(c);
  auto first = ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, endpoint);
  ASSERT_FALSE(first);
  EXPECT_NE(runtime::to_text(first.error())
                .find("cannot connect to the exchange node at " + endpoint +
                      ": the peer accepted the connection and"),
            std::string::npos)
      << runtime::to_text(first.error());
  // The node opens a few files of its own in its first moments.
  constexpr int warm_up = 5;
  constexpr int attempts = 40;
  size_t before = 0;
  for (int i = 0; i < warm_up + attempts; ++i) {
    if (i == warm_up)
      before = open_descriptors();
    EXPECT_FALSE(ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, endpoint));
  }
  // A lookup gives up at its deadline while the attempt's probe may still
  // hold its connection (a loaded machine): counted once every attempt
  // ended. Without the probe each attempt leaks one (36-40 of 40). With
  // it none does while the resetter answers within the probe's 20 ms; on a
  // loaded machine the resetter thread can be later than that, the probe
  // then passes and CAF's own connection leaks (the residual case of
  // docs/reliability.md): 6 of 40 were seen in a full suite run.
  constexpr size_t leaks_tolerated = attempts / 4;
  ASSERT_TRUE(eventually([&] { return connector_status(*trader_)["connecting"].empty(); }));
  size_t after = 0;
  EXPECT_TRUE(eventually([&] { return (after = open_descriptors()) <= before + leaks_tolerated; }))
      << "descriptors leaked by " << attempts << " attempts: " << after << " open, " << before
      << " before";
  stop = true;
  resetter.join();
  ::close(fd);
  EXPECT_GE(dropped.load(), attempts);
  EXPECT_GE(connector_status(*trader_).value("connects", 0), attempts);
}

// A peer whose socket takes connections and whose process never answers
// (stopped, hung: the kernel's backlog accepts for it). CAF 0.17.6 never
// frees a TLS connection its heartbeat closed with the handshake unfinished:
// each attempt would hold a descriptor and a session for ever, and its
// multiplexer would poll them all (a chaos run whose exchange node was
// slowed by a profiler: 300 such connections a member, a core each).
TEST_F(remote_venue_tls_test, a_peer_that_never_answers_holds_no_connection) {
  std::string endpoint;
  auto fd = loopback_listener(64, endpoint);
  ASSERT_GE(fd, 0);
  std::atomic<bool> stop{false};
  std::mutex mtx;
  std::vector<int> held; // accepted, never read: a process that does not run
  std::thread taker{[&] {
    while (!stop) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      if (auto c = ::accept(fd, nullptr, nullptr); c >= 0) {
        std::lock_guard<std::mutex> guard{mtx};
        held.push_back(c);
      }
    }
  }};
  auto c = tls_trader_at(endpoint);
  ASSERT_TRUE(c);
  auto first = ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, endpoint);
  ASSERT_FALSE(first);
  constexpr int attempts = 4;
  for (int i = 1; i < attempts; ++i) {
    ASSERT_TRUE(eventually([&] { return connector_status(*trader_)["connecting"].empty(); }))
        << "the attempt before ended";
    EXPECT_FALSE(ask<caf::actor>(*trader_, c, net::console_lookup_atom_v, endpoint));
  }
  ASSERT_TRUE(eventually([&] { return connector_status(*trader_)["connecting"].empty(); }));
  EXPECT_GE(connector_status(*trader_).value("connects", 0), attempts);
  // Every connection the node opened at the peer is closed by the node,
  // within the heartbeat's connection timeout (5 s) and a margin.
  auto closed_by_node = [](int x) {
    char buf[4096];
    for (;;) {
      auto n = ::recv(x, buf, sizeof(buf), MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
        return true;
      if (n < 0)
        return false;
    }
  };
  auto open_at_peer = [&] {
    std::lock_guard<std::mutex> guard{mtx};
    return std::count_if(held.begin(), held.end(), [&](int x) { return !closed_by_node(x); });
  };
  EXPECT_TRUE(eventually([&] { return open_at_peer() == 0; }, std::chrono::seconds{8}))
      << open_at_peer() << " connections left open by the node";
  stop = true;
  taker.join();
  EXPECT_GE(held.size(), static_cast<size_t>(attempts));
  for (auto x : held)
    ::close(x);
  ::close(fd);
}

TEST_F(remote_venue_tls_test, a_plain_node_cannot_reach_a_tls_exchange_node) {
  expect_refused(std::string{});
}

TEST_F(remote_venue_tls_test, a_node_of_another_ca_cannot_reach_the_exchange_node) {
  expect_refused(tls_block(pki("other", {"trader-1"}), "trader-1"));
}

} // namespace
} // namespace tfarm::test
