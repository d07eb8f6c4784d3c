// A seeded randomized model test: 100,000 random vault operations on SQLite,
// 25,000 on PostgreSQL (every kind, invalid ones, replays, key reuse, mode
// switches) over 100 accounts,
// each compared with a simple in-memory model as it happens. After every
// step: the answer (reason or balances) equals the model's; per asset the
// accounts hold exactly what flowed in minus what flowed out; every ledger
// transaction written so far sums to zero. Every 5,000 steps, and at the
// end, all balances are compared with the ledger and reconciled.
//
// TFARM_MODEL_SEED and TFARM_MODEL_STEPS override the seed and step count.
#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/unit/actors/vault/vault_fixture.hpp"

using namespace tfarm;
using actors::vault_errc;
using actors::vault_op;
using actors::vault_request;

namespace {

constexpr int accounts_n = 100;
constexpr int users_n = 20;
// The account's logic is the same on both stores; PostgreSQL answers one
// request at a time at about 1.3 ms (SQLite 0.7 ms), so its run is shorter
// to keep the suite within CI's time: each kind of answer still comes
// thousands of times.
constexpr int64_t steps_sqlite = 100'000;
constexpr int64_t steps_postgresql = 25'000;
constexpr int64_t full_check_every = 5'000;
// Every transaction written since the last check is checked, in batches: a
// query per step was a third of the PostgreSQL run's time.
constexpr int64_t ledger_check_every = 100;

const std::vector<std::string> assets{"USD", "BTC", "ETH"};

struct holding {
  int64_t available = 0;
  int64_t reserved = 0;
};

struct reservation {
  std::string asset;
  int64_t remaining = 0;
  std::string state = "open";
  persistence::reservation_terms terms;
  int64_t filled = 0;
};

// The vault's rule, written again: a settlement draws on a reservation only
// if its order can explain it (the credit asset, a whole price within the
// limit, a quantity within what is left).
bool explained(const reservation& res, const vault_request& r) {
  auto& t = res.terms;
  auto buy = t.side == "buy";
  auto qty = buy ? r.credit_amount : r.amount;
  auto value = buy ? r.amount : r.credit_amount;
  return r.credit_asset == t.credit_asset && qty > 0 && value > 0 && value % qty == 0 &&
         (buy ? value / qty <= t.limit : value / qty >= t.limit) && qty <= t.qty - res.filled;
}

/// An answer: a reason (none for success) and the balance after.
struct outcome {
  vault_errc code = vault_errc::none;
  std::string asset;
  holding after;
  /// What the key was used for (op, ref, amount, asset).
  std::string fingerprint;
};

/// The vault as a few maps; the reference the actors are held to.
class model {
public:
  std::map<std::string, std::string> owner; // account -> user
  std::map<std::string, std::map<std::string, holding>> holdings;
  std::map<std::string, std::map<std::string, reservation>> reservations;
  std::map<std::string, outcome> results;    // scoped key -> first outcome
  std::map<std::string, int64_t> net_inflow; // per asset
  bool emergency = false;
  bool frozen = false;

  outcome apply(const vault_request& r) {
    auto refuse = [](vault_errc c) { return outcome{c, {}, {}, {}}; };
    if (owner.count(r.account) == 0)
      return refuse(vault_errc::unknown_account);
    if (r.op == vault_op::transfer && owner.count(r.to_account) == 0)
      return refuse(vault_errc::unknown_account);
    // Validation: not recorded under the key.
    if (owner[r.account] != r.user)
      return refuse(vault_errc::wrong_user);
    bool asset_ok = std::find(assets.begin(), assets.end(), r.asset) != assets.end();
    switch (r.op) {
    case vault_op::deposit:
    case vault_op::withdraw:
    case vault_op::transfer:
    case vault_op::reserve:
      if (!asset_ok)
        return refuse(vault_errc::unknown_asset);
      if (r.amount <= 0)
        return refuse(vault_errc::invalid_amount);
      if (r.op == vault_op::transfer && r.to_account == r.account)
        return refuse(vault_errc::invalid_request);
      if (r.op == vault_op::reserve) {
        auto& t = r.terms;
        if ((t.side != "buy" && t.side != "sell") || t.limit <= 0 || t.qty <= 0)
          return refuse(vault_errc::invalid_request);
        if (std::find(assets.begin(), assets.end(), t.credit_asset) == assets.end())
          return refuse(vault_errc::unknown_asset);
        if (t.credit_asset == r.asset)
          return refuse(vault_errc::invalid_request);
      }
      break;
    case vault_op::settle:
      if (r.amount < 0 || r.credit_amount < 0 || r.fee < 0 ||
          (r.amount == 0 && r.credit_amount == 0) || r.fee > r.credit_amount)
        return refuse(vault_errc::invalid_amount);
      break;
    default:
      break;
    }
    auto key = r.account + ":" + r.key;
    auto fp = fingerprint(r);
    if (auto i = results.find(key); i != results.end()) {
      if (i->second.fingerprint != fp)
        return refuse(vault_errc::key_reused);
      return i->second;
    }
    // A mode stops new business only: a key already answered is answered
    // as it was, whatever the mode now.
    if (emergency && r.op != vault_op::release && r.op != vault_op::settle)
      return refuse(vault_errc::emergency_mode);
    if (frozen && (r.op == vault_op::withdraw || r.op == vault_op::transfer))
      return refuse(vault_errc::transfers_frozen);
    auto result = decide(r);
    result.fingerprint = fp;
    // A settlement the account cannot pay yet is not final: its key stays
    // unused.
    if (r.op != vault_op::settle || result.code != vault_errc::insufficient_funds)
      results[key] = result;
    return result;
  }

  static std::string fingerprint(const vault_request& r) {
    auto ref = r.op == vault_op::transfer ? r.to_account : r.reservation;
    auto amount = r.op == vault_op::release ? std::string{"*"} : std::to_string(r.amount);
    return actors::to_string(r.op) + "|" + ref + "|" + amount;
  }

private:
  outcome decide(const vault_request& r) {
    auto& mine = holdings[r.account];
    auto done = [&](const std::string& asset) {
      return outcome{vault_errc::none, asset, mine[asset], {}};
    };
    auto refuse = [&](vault_errc c, const std::string& asset) {
      return outcome{c, asset, mine[asset], {}};
    };
    switch (r.op) {
    case vault_op::deposit:
      mine[r.asset].available += r.amount;
      net_inflow[r.asset] += r.amount;
      return done(r.asset);
    case vault_op::withdraw:
      if (mine[r.asset].available < r.amount)
        return refuse(vault_errc::insufficient_funds, r.asset);
      mine[r.asset].available -= r.amount;
      net_inflow[r.asset] -= r.amount;
      return done(r.asset);
    case vault_op::transfer:
      if (mine[r.asset].available < r.amount)
        return refuse(vault_errc::insufficient_funds, r.asset);
      mine[r.asset].available -= r.amount;
      holdings[r.to_account][r.asset].available += r.amount;
      return done(r.asset);
    case vault_op::reserve: {
      auto& rs = reservations[r.account];
      if (rs.count(r.reservation) > 0)
        return refuse(vault_errc::invalid_request, r.asset);
      if (mine[r.asset].available < r.amount)
        return refuse(vault_errc::insufficient_funds, r.asset);
      mine[r.asset].available -= r.amount;
      mine[r.asset].reserved += r.amount;
      rs[r.reservation] = reservation{r.asset, r.amount, "open", r.terms, 0};
      return done(r.asset);
    }
    case vault_op::settle:
    case vault_op::release: {
      auto& rs = reservations[r.account];
      auto i = rs.find(r.reservation);
      if (i == rs.end())
        return refuse(vault_errc::unknown_reservation, r.asset);
      auto& res = i->second;
      if (r.op == vault_op::release) {
        if (res.state == "released")
          return refuse(vault_errc::reservation_closed, r.asset);
        if (res.state == "settled")
          return done(res.asset); // its fills took it all: nothing to give back
        mine[res.asset].reserved -= res.remaining;
        mine[res.asset].available += res.remaining;
        res.remaining = 0;
        res.state = "released";
        return done(res.asset);
      }
      if (!explained(res, r))
        return refuse(vault_errc::fill_unexplained, res.asset);
      // A fill is booked from the reservation while it lasts, then from
      // available (also after the reservation was released).
      auto from_reserved = res.state == "open" ? std::min(r.amount, res.remaining) : int64_t{0};
      auto from_available = r.amount - from_reserved;
      if (from_available > mine[res.asset].available)
        return refuse(vault_errc::insufficient_funds, res.asset);
      mine[res.asset].reserved -= from_reserved;
      mine[res.asset].available -= from_available;
      net_inflow[res.asset] -= r.amount;
      auto net = r.credit_amount - r.fee;
      mine[r.credit_asset].available += net;
      net_inflow[r.credit_asset] += net;
      res.remaining -= from_reserved;
      res.filled += res.terms.side == "buy" ? r.credit_amount : r.amount;
      if (res.state == "open" && res.remaining == 0)
        res.state = "settled";
      return done(res.asset);
    }
    default:
      return refuse(vault_errc::invalid_request, r.asset);
    }
  }
};

// What the trading check says of settlements without fills (this test
// drives the vault alone).
bool is_trading_finding(const std::string& kind) {
  return kind == "settlement_without_fill" || kind == "fees_mismatch" ||
         kind == "released_before_fill";
}

int64_t env_int(const char* name, int64_t fallback) {
  auto x = std::getenv(name);
  return x != nullptr ? std::atoll(x) : fallback;
}

class vault_model_test : public test::vault_fixture {};

TEST_P(vault_model_test, random_operations_agree_with_the_model) {
  auto seed = static_cast<uint64_t>(env_int("TFARM_MODEL_SEED", 20261128));
  auto steps_default = GetParam() == test::backend::sqlite ? steps_sqlite : steps_postgresql;
  auto steps = env_int("TFARM_MODEL_STEPS", steps_default);
  std::mt19937_64 rng{seed};
  auto pick = [&](auto n) { return static_cast<decltype(n)>(rng() % static_cast<uint64_t>(n)); };
  auto chance = [&](int percent) { return pick(100) < percent; };
  model m;
  std::vector<std::string> ids;
  for (int i = 0; i < accounts_n; ++i) {
    auto id = "acct-" + std::to_string(i);
    auto user = "user-" + std::to_string(i % users_n);
    ASSERT_TRUE(ask(open(user, id)));
    m.owner[id] = user;
    ids.push_back(id);
  }
  std::vector<vault_request> history;
  std::map<std::string, std::vector<std::string>> reservation_ids;
  std::map<std::string, persistence::reservation_terms> terms_of; // by reservation id
  int64_t key_counter = 0;
  int64_t checked_txn = 0;
  std::map<std::string, int64_t> answers;
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (int64_t step = 0; step < steps; ++step) {
    vault_request r;
    auto roll = pick(1000);
    // Modes now and then, each for a few dozen steps.
    auto switch_mode = [&](bool emergency, bool on) {
      call<actors::vault_status>(actors::vault_mode_change{
          emergency ? actors::vault_mode::emergency : actors::vault_mode::transfers_frozen, on,
          "model", "model test"});
      (emergency ? m.emergency : m.frozen) = on;
    };
    if (m.emergency && chance(5))
      switch_mode(true, false);
    if (m.frozen && chance(3))
      switch_mode(false, false);
    if (roll == 0 && !m.emergency) {
      switch_mode(true, true);
      continue;
    }
    if (roll == 1 && !m.frozen) {
      switch_mode(false, true);
      continue;
    }
    if (roll < 100 && !history.empty()) {
      r = history[pick(history.size())]; // a replay
      if (roll < 15 && r.op != vault_op::release)
        r.amount += 1; // ... or a key reused for something else
    } else {
      auto& account = ids[pick(ids.size())];
      r.account = account;
      r.user = m.owner[account];
      r.key = "k" + std::to_string(++key_counter);
      r.asset = assets[pick(assets.size())];
      r.amount = 1 + pick(int64_t{500});
      auto kind = pick(100);
      if (kind < 22) {
        r.op = vault_op::deposit;
        r.amount *= 4;
      } else if (kind < 36) {
        r.op = vault_op::withdraw;
      } else if (kind < 52) {
        r.op = vault_op::transfer;
        r.to_account = ids[pick(ids.size())];
      } else if (kind < 68) {
        r.op = vault_op::reserve;
        auto& known = reservation_ids[account];
        if (!known.empty() && chance(5))
          r.reservation = known[pick(known.size())]; // taken already
        else
          known.push_back(r.reservation = "res-" + std::to_string(key_counter));
        auto& t = r.terms;
        t.side = chance(50) ? "buy" : "sell";
        do
          t.credit_asset = assets[pick(assets.size())];
        while (t.credit_asset == r.asset && !chance(3));
        t.limit = 1 + pick(int64_t{50});
        t.qty = 1 + pick(int64_t{20});
        if (chance(3))
          t.side.clear(); // no order named
        terms_of.emplace(r.reservation, t);
      } else if (kind < 82) {
        r.op = vault_op::settle;
        auto& known = reservation_ids[account];
        r.reservation = known.empty() || chance(5) ? "res-none" : known[pick(known.size())];
        r.asset.clear();
        r.amount = pick(int64_t{300});
        r.credit_asset = assets[pick(assets.size())];
        r.credit_amount = pick(int64_t{300});
        if (auto t = terms_of.find(r.reservation); t != terms_of.end() && chance(70)) {
          // A fill its order can make (unless what it filled before is too much).
          auto buy = t->second.side == "buy";
          auto qty = 1 + pick(t->second.qty);
          auto price = buy ? 1 + pick(t->second.limit) : t->second.limit + pick(int64_t{20});
          r.amount = buy ? price * qty : qty;
          r.credit_asset = t->second.credit_asset;
          r.credit_amount = buy ? qty : price * qty;
        }
        r.fee = r.credit_amount > 0 ? pick(r.credit_amount / 10 + 1) : 0;
        r.venue = "sim";
      } else if (kind < 94) {
        r.op = vault_op::release;
        auto& known = reservation_ids[account];
        r.reservation = known.empty() || chance(5) ? "res-none" : known[pick(known.size())];
        r.asset.clear();
        r.amount = 0;
      } else {
        // Invalid input of every kind.
        r.op = vault_op::deposit;
        switch (pick(4)) {
        case 0:
          r.asset = "XRP";
          break;
        case 1:
          r.amount = -r.amount;
          break;
        case 2:
          r.user = "intruder";
          break;
        default:
          r.account = "acct-missing";
          break;
        }
      }
      history.push_back(r);
    }
    auto expected = m.apply(r);
    auto actual = ask(r);
    auto where = "step " + std::to_string(step) + ": " + actors::to_string(r.op) + " " + r.account +
                 " key " + r.key;
    if (expected.code == vault_errc::none) {
      ASSERT_TRUE(actual) << where << ": " << runtime::to_text(actual.error());
      ASSERT_EQ(actual->balances.size(), 1u) << where;
      EXPECT_EQ(actual->balances[0].asset, expected.asset) << where;
      ASSERT_EQ(actual->balances[0].available, expected.after.available) << where;
      ASSERT_EQ(actual->balances[0].reserved, expected.after.reserved) << where;
      ++answers["ok"];
      ++answers["ok " + actors::to_string(r.op)];
    } else {
      ASSERT_FALSE(actual) << where << ": expected " << actors::to_string(expected.code);
      ASSERT_EQ(actual.error().category(), caf::atom("tfvault")) << where;
      ASSERT_EQ(static_cast<vault_errc>(actual.error().code()), expected.code)
          << where << ": " << runtime::to_text(actual.error());
      ++answers[actors::to_string(expected.code)];
    }
    // Invariant: per asset, the accounts hold what flowed in minus out.
    for (auto& asset : assets) {
      int64_t held = 0;
      for (auto& [id, hs] : m.holdings) {
        auto i = hs.find(asset);
        if (i != hs.end())
          held += i->second.available + i->second.reserved;
      }
      ASSERT_EQ(held, m.net_inflow[asset]) << where << " (" << asset << ")";
    }
    // Invariant: every new ledger transaction sums to zero per asset.
    if ((step + 1) % ledger_check_every == 0 || step + 1 == steps) {
      auto q = reader().prepare(
          "SELECT COALESCE(MAX(txn_id), 0), COALESCE(SUM(unbalanced), 0) FROM (SELECT txn_id, "
          "CASE WHEN SUM(amount) <> 0 THEN 1 ELSE 0 END AS unbalanced FROM ledger_entries "
          "WHERE txn_id > ? GROUP BY txn_id, asset) AS t");
      q->bind(1, checked_txn);
      ASSERT_TRUE(q->step());
      ASSERT_EQ(q->int64(1), 0) << "in the " << ledger_check_every << " steps up to " << where;
      checked_txn = std::max<int64_t>(checked_txn, q->int64(0));
    }
    if ((step + 1) % full_check_every == 0 || step + 1 == steps) {
      for (auto& [id, hs] : m.holdings)
        for (auto& [asset, h] : hs) {
          ASSERT_EQ(ledger_sum(id, asset, "available"), h.available) << id << " " << asset;
          ASSERT_EQ(ledger_sum(id, asset, "reserved"), h.reserved) << id << " " << asset;
        }
      ASSERT_EQ(ledger_sum("@transit", "USD") + ledger_sum("@transit", "BTC") +
                    ledger_sum("@transit", "ETH"),
                0);
      actors::reconcile_request req;
      req.user = "model";
      auto report = call<actors::reconcile_report>(req);
      // The vault alone books settlements of fills no venue reported, some
      // after their reservation's release, and their fees: the trading
      // check names those. The ledger's own invariants all hold.
      for (auto& d : report.discrepancies)
        ASSERT_TRUE(is_trading_finding(d.kind)) << d.kind << ": " << d.detail;
    }
  }
  // What an operator's `tfarm db check` says of the database.
  auto findings = persistence::check_database(db_);
  ASSERT_TRUE(findings);
  // The same holds for what an operator sees.
  for (auto& p : findings->problems)
    EXPECT_TRUE(is_trading_finding(p.substr(0, p.find(':')))) << p;
  // Every kind of answer happened, or the test did not test much.
  for (auto reason :
       {"ok", "insufficient_funds", "unknown_account", "unknown_asset", "invalid_amount",
        "wrong_user", "key_reused", "unknown_reservation", "reservation_closed", "invalid_request",
        "transfers_frozen", "fill_unexplained", "ok settle", "ok reserve", "ok release"})
    EXPECT_GT(answers[reason], 0) << reason;
  EXPECT_GE(steps, steps_default) << "fewer steps than the suite runs (TFARM_MODEL_STEPS in use)";
}

} // namespace

INSTANTIATE_TEST_SUITE_P(backends, vault_model_test, testing::ValuesIn(test::backends),
                         test::backend_name{});
