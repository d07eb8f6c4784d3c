// A node with a store and the vault, for the vault's tests, once per
// backend (SQLite, PostgreSQL): requests go through the gateway like any
// client's, with finite timeouts; the ledger is read back with a separate
// connection.
#pragma once

#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <string>

#include <caf/event_based_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <gtest/gtest.h>

#include "actors/kinds.hpp"
#include "actors/vault/error.hpp"
#include "actors/vault/vault_interfaces.hpp"
#include "actors/vault/vault_names.hpp"
#include "actors/vault/vault_setup.hpp"
#include "config/loader.hpp"
#include "persistence/database.hpp"
#include "persistence/kinds.hpp"
#include "persistence/maintenance.hpp"
#include "persistence/store_actor.hpp"
#include "runtime/builtin_kinds.hpp"
#include "runtime/error_text.hpp"
#include "runtime/interfaces.hpp"
#include "runtime/kind_params.hpp"
#include "runtime/node.hpp"
#include "runtime/status_json.hpp"
#include "tests/unit/ask.hpp"
#include "tests/unit/persistence/temp_dir.hpp"
#include "tests/unit/test_database.hpp"
#include "tests/unit/wait.hpp"

namespace tfarm::test {

/// Time any one vault request may take in a test.
constexpr auto vault_test_timeout = ask_timeout;

/// Policies that let accounts fail often (tests inject many faults).
inline const char* vault_test_policies = R"(
[vault]
assets = ["USD", "BTC", "ETH"]
request_timeout = "5s"
idempotency_window = "WINDOW"
cached_operations = CACHED
reconcile_confirm = "CONFIRM"
[[supervisor]]
path = "/vault/accounts"
strategy = "one_for_one"
intensity = 1000
period = "1s"
shutdown = "parallel"
  [supervisor.backoff]
  min = "1ms"
  max = "5ms"
  jitter = 0.0
[[supervisor]]
path = "/vault"
strategy = "rest_for_one"
intensity = 100
period = "1s"
)";

class vault_fixture : public testing::TestWithParam<backend> {
protected:
  void SetUp() override { start(); }

  void TearDown() override { stop(); }

  /// Starts a node on the fixture's database (synchronous=off: the same
  /// commits, without waiting for the disk; durability has its own tests).
  void start(const std::string& extra = {}) {
    if (db_.empty()) // the first start: a new database of the test's backend
      db_ = fresh_database(GetParam(), dir_.path().string(), "vault.db");
    auto text = std::string{vault_test_policies} + extra;
    text.replace(text.find("WINDOW"), 6, window_);
    text.replace(text.find("CACHED"), 6, std::to_string(cached_));
    text.replace(text.find("CONFIRM"), 7, confirm_);
    auto farm = config::load_farm_text(text, "vault.toml");
    ASSERT_TRUE(farm.ok()) << (farm.diagnostics.empty() ? "" : to_string(farm.diagnostics[0]));
    farm.value->store.set_target(db_);
    farm.value->store.synchronous = "off";
    farm_ = *farm.value;
    persistence::open_options open;
    open.synchronous = "off";
    auto preload = persistence::prepare_database(db_, open);
    ASSERT_TRUE(preload) << runtime::to_text(preload.error());
    auto opts = actors::sqlite_node_options(farm_, std::move(*preload));
    opts.clock = clock_;
    auto n = runtime::node::start(std::move(opts));
    ASSERT_TRUE(n) << runtime::to_text(n.error());
    node_ = std::move(*n);
    self_ = std::make_unique<caf::scoped_actor>(node_->system());
    ASSERT_TRUE(eventually([&] { return static_cast<bool>(gateway()); }));
  }

  void stop() {
    self_.reset();
    if (node_) {
      auto report = node_->stop();
      EXPECT_TRUE(report.clean);
      node_.reset();
    }
  }

  void restart(const std::string& extra = {}) {
    stop();
    start(extra);
  }

  /// Moves the nodes' clock forward (it survives restarts): windows and
  /// timestamps see the time pass, without sleeping through it.
  void advance_clock(std::chrono::milliseconds d) { clock_->advance(d); }

  actors::vault_actor gateway() { return actors::find_gateway(node_->context()); }

  /// Starts `spec` under /vault (any supervisor will do): a second instance
  /// of a node's actor, as another cluster member runs it on the same
  /// store. An invalid handle (and a test failure) if it does not start.
  template <class Handle>
  Handle start_beside(const runtime::child_spec& spec) {
    auto e = node_->context().registry().find("/vault");
    EXPECT_TRUE(e);
    if (!e)
      return {};
    auto x = test::ask<caf::actor>(node_->system(),
                                   caf::actor_cast<runtime::supervisor_actor>(e->handle()),
                                   runtime::start_child_atom_v, spec);
    EXPECT_TRUE(x) << (x ? "" : runtime::to_text(x.error()));
    return x ? caf::actor_cast<Handle>(*x) : Handle{};
  }

  /// The running instance of an account, or an invalid handle.
  actors::vault_account_actor account_actor(const std::string& id) {
    auto entry = node_->context().registry().find(runtime::child_path(actors::accounts_path, id));
    return entry ? caf::actor_cast<actors::vault_account_actor>(entry->handle())
                 : actors::vault_account_actor{};
  }

  /// The idempotency keys the running account remembers (its status);
  /// max() while it has published none.
  uint64_t remembered_keys(const std::string& id) {
    auto entry = node_->context().registry().find(runtime::child_path(actors::accounts_path, id));
    if (!entry)
      return std::numeric_limits<uint64_t>::max();
    auto st = runtime::read_status<actors::vault_account_status>(entry->snapshot());
    return st ? st->remembered_keys : std::numeric_limits<uint64_t>::max();
  }

  uint64_t restarts(const std::string& id) {
    auto entry = node_->context().registry().find(runtime::child_path(actors::accounts_path, id));
    return entry ? entry->restarts() : 0;
  }

  caf::expected<actors::vault_reply> ask(actors::vault_request r) {
    return test::ask<actors::vault_reply>(node_->system(), gateway(), std::move(r));
  }

  /// Asks and expects success.
  actors::vault_reply ok(actors::vault_request r) {
    auto what = actors::to_string(r.op) + " " + r.key;
    auto x = ask(std::move(r));
    EXPECT_TRUE(x) << what << ": " << runtime::to_text(x.error());
    return x ? *x : actors::vault_reply{};
  }

  /// Asks and expects a refusal; returns it as "reason: message".
  std::string refused(actors::vault_request r) {
    auto x = ask(std::move(r));
    EXPECT_FALSE(x) << "expected a refusal";
    return x ? std::string{} : runtime::to_text(x.error());
  }

  template <class T, class... Ts>
  T call(Ts&&... xs) {
    auto x = test::ask<T>(node_->system(), gateway(), std::forward<Ts>(xs)...);
    if (!x)
      ADD_FAILURE() << runtime::to_text(x.error());
    return x ? std::move(*x) : T{};
  }

  /// The accounts most tests start from: alice's a1 holding 1,000 USD
  /// (deposited under key "d1") and bob's empty b1.
  void open_alice_and_bob() {
    ok(open("alice", "a1"));
    ok(open("bob", "b1"));
    ok(op(actors::vault_op::deposit, "alice", "a1", "d1", "USD", 1'000));
  }

  // -- request builders ----------------------------------------------------------

  static actors::vault_request open(const std::string& user, const std::string& account) {
    actors::vault_request r;
    r.op = actors::vault_op::open;
    r.user = user;
    r.account = account;
    return r;
  }

  static actors::vault_request op(actors::vault_op kind, const std::string& user,
                                  const std::string& account, const std::string& key,
                                  const std::string& asset, int64_t amount) {
    actors::vault_request r;
    r.op = kind;
    r.user = user;
    r.account = account;
    r.key = key;
    r.asset = asset;
    r.amount = amount;
    return r;
  }

  static actors::vault_request transfer(const std::string& user, const std::string& from,
                                        const std::string& to, const std::string& key,
                                        const std::string& asset, int64_t amount) {
    auto r = op(actors::vault_op::transfer, user, from, key, asset, amount);
    r.to_account = to;
    return r;
  }

  /// A reservation for an order: by default a buy of up to 1,000 BTC at up
  /// to 1,000 USD when it holds USD (a sell at 1 or more otherwise).
  static actors::vault_request reserve(const std::string& user, const std::string& account,
                                       const std::string& key, const std::string& id,
                                       const std::string& asset, int64_t amount,
                                       persistence::reservation_terms terms = {}) {
    auto r = op(actors::vault_op::reserve, user, account, key, asset, amount);
    r.reservation = id;
    if (terms.side.empty())
      terms = asset == "USD" ? persistence::reservation_terms{"buy", 1'000, 1'000, "BTC"}
                             : persistence::reservation_terms{"sell", 1, amount, "USD"};
    r.terms = std::move(terms);
    return r;
  }

  static actors::vault_request settle(const std::string& user, const std::string& account,
                                      const std::string& key, const std::string& id, int64_t debit,
                                      const std::string& credit_asset, int64_t credit,
                                      int64_t fee) {
    auto r = op(actors::vault_op::settle, user, account, key, "", debit);
    r.reservation = id;
    r.credit_asset = credit_asset;
    r.credit_amount = credit;
    r.fee = fee;
    r.venue = "sim";
    return r;
  }

  static actors::vault_request release(const std::string& user, const std::string& account,
                                       const std::string& key, const std::string& id) {
    auto r = op(actors::vault_op::release, user, account, key, "", 0);
    r.reservation = id;
    return r;
  }

  /// Writes the record of a limit buy of `qty` BTC-USD at `price`, as a
  /// session does before the order leaves (status pending, not sent yet);
  /// true once the store has it.
  bool record_pending_order(const std::string& id, const std::string& account,
                            const std::string& venue, int64_t price, int64_t qty,
                            int64_t created_at_ms = 0) {
    persistence::order_record rec;
    rec.client_order_id = id;
    rec.agent = "test";
    rec.account = account;
    rec.venue = venue;
    rec.symbol = "BTC-USD";
    rec.side = "buy";
    rec.type = "limit";
    rec.price = price;
    rec.qty = qty;
    rec.status = "pending";
    rec.created_at_ms = created_at_ms;
    auto stored = test::ask<bool>(
        node_->system(), caf::actor_cast<persistence::store_actor>(node_->context().store()),
        persistence::record_order_atom_v, rec);
    return stored && *stored;
  }

  /// Available and reserved of an account's asset, as its actor holds them.
  std::pair<int64_t, int64_t> balance(const std::string& user, const std::string& account,
                                      const std::string& asset) {
    auto r = op(actors::vault_op::balance, user, account, "", asset, 0);
    auto x = ok(r);
    if (x.balances.size() != 1)
      return {-1, -1};
    return {x.balances[0].available, x.balances[0].reserved};
  }

  // -- the ledger as the database has it ----------------------------------------------------

  persistence::sql_connection& reader() {
    if (!reader_) {
      auto db = persistence::open_database(db_, persistence::read_only_options());
      if (!db)
        throw std::runtime_error(runtime::to_text(db.error()));
      reader_ = std::move(*db);
    }
    return *reader_;
  }

  /// Runs `sql` on the database directly (the node stopped): planted
  /// damage.
  void write_directly(const std::string& sql) {
    auto db = persistence::open_database(db_);
    ASSERT_TRUE(db) << runtime::to_text(db.error());
    (*db)->exec(sql);
  }

  /// Sum of ledger entries of an account's asset (both buckets when empty).
  int64_t ledger_sum(const std::string& account, const std::string& asset,
                     const std::string& bucket = {}) {
    auto q = reader().prepare("SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE "
                              "account = ? AND asset = ? AND (? = '' OR bucket = ?)");
    q->bind(1, account);
    q->bind(2, asset);
    q->bind(3, bucket);
    q->bind(4, bucket);
    return q->step() ? q->int64(0) : 0;
  }

  /// Transactions whose legs do not sum to zero per asset.
  int64_t unbalanced_transactions() {
    return persistence::query_int64(reader(),
                                    "SELECT COUNT(*) FROM (SELECT txn_id FROM ledger_entries "
                                    "GROUP BY txn_id, asset HAVING SUM(amount) <> 0) AS t");
  }

  int64_t count_rows(const std::string& sql) { return persistence::query_int64(reader(), sql); }

  /// The first column of the first row as text (empty when no row).
  std::string text_of(const std::string& sql) {
    auto q = reader().prepare(sql);
    return q->step() ? q->text(0) : std::string{};
  }

  temp_dir dir_;
  /// The clock of every node the fixture starts.
  std::shared_ptr<runtime::clock> clock_ = std::make_shared<runtime::clock>();
  /// The vault's idempotency window for the next start().
  std::string window_ = "24h";
  /// [vault] cached_operations.
  int64_t cached_ = 1'000;
  /// The reconciliation's second look for the next start() (none: the
  /// tests that need it set it).
  std::string confirm_ = "0s";
  std::string db_;
  config::farm_config farm_;
  std::unique_ptr<runtime::node> node_;
  std::unique_ptr<caf::scoped_actor> self_;
  std::unique_ptr<persistence::sql_connection> reader_;
};

} // namespace tfarm::test
