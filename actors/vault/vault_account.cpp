#include "actors/vault/vault_account.hpp"

#include <algorithm>
#include <chrono>

#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "actors/vault/error.hpp"
#include "actors/vault/logger.hpp"
#include "actors/vault/vault_names.hpp"
#include "actors/vault/wide_int.hpp"
#include "config/limits.hpp"
#include "persistence/error.hpp"
#include "runtime/error.hpp"
#include "runtime/error_text.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::actors {

namespace {

using persistence::ledger_leg;
using persistence::ledger_txn;
using persistence::reservation_record;
using persistence::vault_op_record;
using persistence::vault_write;
using persistence::vault_write_result;

/// The longest reason a release writes for the order it closes (longer
/// ones are cut): an agent's words, kept with the order's record.
constexpr size_t vault_order_reason_chars_max = 512;

std::string amount_text(int64_t amount, const std::string& asset) {
  return std::to_string(amount) + " " + asset;
}

using runtime::message_of;

// A settlement's fee comes out of what arrives unless it is in the asset
// that leaves.
bool fee_from_credit(const vault_request& r) {
  return r.fee_asset.empty() || r.fee_asset == r.credit_asset;
}

// Why the order a reservation was made for cannot explain settlement `r`
// (empty if it can). A buy pays `amount` of the price asset for
// `credit_amount` of the traded asset; a sell the reverse. Either way the
// fill's price is the price-asset side divided by the quantity: a whole
// number from 1 to the limit (a buy) or from the limit up (a sell).
std::string unexplained(const persistence::reservation_terms& t, int64_t filled,
                        const vault_request& r) {
  if (t.side.empty())
    return {}; // made before the vault recorded terms
  auto buy = t.side == "buy";
  if (r.credit_asset != t.credit_asset)
    return "its order brings " + t.credit_asset + ", the settlement credits " +
           (r.credit_asset.empty() ? std::string{"nothing"} : r.credit_asset);
  auto qty = buy ? r.credit_amount : r.amount;
  auto value = buy ? r.amount : r.credit_amount;
  if (qty <= 0 || value <= 0)
    return "a fill moves a positive quantity at a positive price";
  if (value % qty != 0)
    return std::to_string(value) + " for " + std::to_string(qty) + " is no whole price";
  auto price = value / qty;
  if (buy ? price > t.limit : price < t.limit)
    return "price " + std::to_string(price) + " is beyond the order's limit (" + t.side + " at " +
           std::to_string(t.limit) + ")";
  if (qty > t.qty - filled)
    return "quantity " + std::to_string(qty) + " exceeds what is left of the order (" +
           std::to_string(t.qty - filled) + " of " + std::to_string(t.qty) + ")";
  if (!fee_from_credit(r) && r.fee > value)
    return "fee " + std::to_string(r.fee) + " exceeds the fill's value " + std::to_string(value);
  return {};
}

// Why the fill settlement `r` carries is not the one it books (empty if
// it is): the reservation's order, and the settlement's figures (a buy
// pays price x quantity for the quantity, a sell the reverse; the same
// fee).
std::string fill_mismatch(const persistence::fill_record& f, const vault_request& r) {
  auto fill = "fill '" + f.venue_fill_id.substr(0, config::fill_id_chars_max) + "'";
  if (f.venue_fill_id.empty() || f.venue_fill_id.size() > config::fill_id_chars_max)
    return fill + ": a fill id is 1 to " + std::to_string(config::fill_id_chars_max) +
           " characters";
  if (f.client_order_id != r.reservation)
    return fill + " is of order '" + f.client_order_id.substr(0, config::vault_key_chars_max) +
           "', the settlement of reservation " + r.reservation;
  if (f.venue != r.venue)
    return fill + " is from venue '" + f.venue.substr(0, config::vault_key_chars_max) +
           "', the settlement with " + r.venue;
  int64_t value = 0;
  if (f.qty <= 0 || f.price <= 0 || __builtin_mul_overflow(f.price, f.qty, &value))
    return fill + ": quantity " + std::to_string(f.qty) + " at " + std::to_string(f.price) +
           " is no fill";
  auto buy = r.amount == value && r.credit_amount == f.qty;
  auto sell = r.amount == f.qty && r.credit_amount == value;
  if ((!buy && !sell) || f.fee != r.fee)
    return fill + " (" + std::to_string(f.qty) + " at " + std::to_string(f.price) + ", fee " +
           std::to_string(f.fee) + ") is not what the settlement moves (" +
           std::to_string(r.amount) + " for " + std::to_string(r.credit_amount) + ", fee " +
           std::to_string(r.fee) + ")";
  return {};
}

// Why the order record reservation `r` carries is not the record of the
// order it is for (empty if it is): the reservation's id and account, its
// terms, and what the store needs of a record.
std::string order_mismatch(const persistence::order_record& o, const vault_request& r) {
  auto order = "order '" + o.client_order_id.substr(0, config::vault_key_chars_max) + "'";
  if (o.client_order_id != r.reservation)
    return order + " is not that of reservation " + r.reservation;
  if (o.account != r.account)
    return order + " is of account '" + o.account.substr(0, config::vault_key_chars_max) +
           "', not " + r.account;
  if (o.agent.empty() || o.agent.size() > config::actor_path_chars_max || o.symbol.empty() ||
      o.symbol.size() > config::vault_key_chars_max || o.venue.empty() ||
      o.venue.size() > config::vault_key_chars_max)
    return order + " needs its agent, symbol and venue (at most " +
           std::to_string(config::vault_key_chars_max) + " characters each, an agent's path " +
           std::to_string(config::actor_path_chars_max) + ")";
  auto& t = r.terms;
  if (o.type != "limit" || o.side != t.side || o.price != t.limit || o.qty != t.qty)
    return order + " (" + o.side.substr(0, 8) + " " + std::to_string(o.qty) + " at " +
           std::to_string(o.price) + ", " + o.type.substr(0, 8) +
           ") is not the limit order the reservation's terms name (" + t.side + " " +
           std::to_string(t.qty) + " at " + std::to_string(t.limit) + ")";
  return {};
}

} // namespace

vault_account::vault_account(caf::actor_config& cfg, runtime::spawn_context ctx)
    : super(cfg, std::move(ctx)), id_(spec().id), params_(runtime::params_of<vault_params>(spec())),
      assets_(params_.assets.begin(), params_.assets.end()) {
  // nop
}

runtime::kind_info vault_account::kind() {
  return runtime::make_kind<vault_account>(
      "vault_account", "vault account: balances per asset on the durable ledger");
}

persistence::store_actor vault_account::store() const {
  return persistence::store_of(node().get());
}

caf::duration vault_account::store_timeout() const {
  // A local store answers every request (see managed_actor.hpp); a remote
  // one might never.
  auto st = store();
  if (st && st.node() == system().node())
    return caf::infinite;
  return caf::duration{std::chrono::milliseconds{params_.request_timeout_ms}};
}

vault_account::behavior_type vault_account::make_behavior() {
  auto st = store();
  if (!st) {
    quit(refusal(vault_errc::unavailable, "account " + id_ + ": no store on this node"));
  } else {
    // await: nothing is handled before the account is rebuilt from the store.
    request(st, std::chrono::milliseconds{params_.request_timeout_ms},
            persistence::load_vault_account_atom_v, id_, node_clock().unix_ms() - params_.window_ms,
            cache_limit())
        .await(
            [this](persistence::vault_account_data& data) {
              if (!data.found) {
                quit(refusal(vault_errc::unknown_account, "account " + id_ + " was never opened"));
                return;
              }
              restore(data);
            },
            [this](caf::error& err) {
              vault_log().error("account {}: cannot load from the store: {}", id_,
                                runtime::to_text(err));
              quit(err);
            });
  }
  return {
      [this](vault_request& r) -> caf::result<vault_reply> { return handle(r, false); },
      [this](transfer_credit_atom, vault_request& r) -> caf::result<vault_reply> {
        return handle(r, true);
      },
      [this](balances_atom) -> std::vector<balance_row> { return balances(""); },
      [this](verify_atom) -> caf::result<std::vector<discrepancy>> {
        auto rp = make_response_promise<std::vector<discrepancy>>();
        auto snapshot = holdings_;
        request(store(), store_timeout(), persistence::load_vault_account_atom_v, id_,
                node_clock().unix_ms(), uint32_t{0})
            .then(
                [this, rp, snapshot](persistence::vault_account_data& data) mutable {
                  std::map<std::string, holding> durable;
                  for (auto& b : data.balances)
                    durable[b.asset] = holding{b.available, b.reserved};
                  std::set<std::string> all;
                  for (auto& [asset, h] : snapshot)
                    all.insert(asset);
                  for (auto& [asset, h] : durable)
                    all.insert(asset);
                  std::vector<discrepancy> found;
                  for (auto& asset : all) {
                    auto mem = snapshot[asset];
                    auto led = durable[asset];
                    auto check = [&](const char* bucket, int64_t expected, int64_t actual) {
                      if (expected != actual)
                        found.push_back(discrepancy{"actor_vs_ledger", id_, asset, expected, actual,
                                                    std::string{bucket} + ": account actor holds " +
                                                        std::to_string(actual) + ", the ledger " +
                                                        std::to_string(expected)});
                    };
                    check("available", led.available, mem.available);
                    check("reserved", led.reserved, mem.reserved);
                  }
                  rp.deliver(std::move(found));
                },
                [rp](caf::error& err) mutable { rp.deliver(err); });
        return rp;
      },
      [this](vault_fault_atom, std::string& phase) {
        vault_log().warn("account {}: fault armed at {}", id_, phase);
        fault_ = std::move(phase);
      },
      [this](transfer_retry_atom, std::string& key) {
        if (!from_self())
          return; // a timer only the actor itself sends
        auto i = transfers_.find(key);
        if (i == transfers_.end())
          return;
        i->second.resolving = false;
        send_credit(key);
      },
  };
}

void vault_account::restore(persistence::vault_account_data& data) {
  user_ = data.account.user;
  write_seq_ = data.write_seq;
  for (auto& b : data.balances)
    holdings_[b.asset] = holding{b.available, b.reserved};
  // Closed reservations come newest first: queued oldest first.
  for (auto& r : data.reservations) {
    put_reservation(r);
    if (r.state != "open") {
      reservations_[r.id].queued = true;
      closed_order_.push_front(r.id);
    }
  }
  for (auto& k : data.older_keys) {
    older_keys_.insert(k.digest);
    older_order_.push_back(k);
  }
  std::vector<std::string> pending;
  for (auto& row : data.ops) {
    if (row.outcome == "pending") {
      pending.push_back(row.key);
      transfers_[row.key].row = std::move(row);
    } else {
      remember(std::move(row));
    }
  }
  vault_log().debug("account {}: restored {} assets, {} reservations, {} keys whole and {} as "
                    "digests, {} pending transfers",
                    id_, holdings_.size(), reservations_.size(), results_.size(),
                    older_keys_.size(), pending.size());
  for (auto& key : pending)
    send_credit(key);
  publish_description();
}

// -- operations -------------------------------------------------------------------------

bool vault_account::known_asset(const std::string& asset) const {
  return assets_.count(asset) > 0;
}

caf::error vault_account::validate(const vault_request& r, bool credit) const {
  if (r.key.empty())
    return refusal(vault_errc::invalid_request,
                   to_string(r.op) + " on " + id_ + " needs an idempotency key");
  // Client keys cannot contain '/': the vault's own keys ("<key>/credit",
  // "<key>/void") live in the same journal and must never collide.
  if (!credit && !valid_client_key(r.key))
    return refusal(vault_errc::invalid_request,
                   "idempotency key '" + r.key.substr(0, config::vault_key_chars_max) +
                       "' must be 1 to " + std::to_string(config::vault_key_chars_max) +
                       " printable characters without '/'");
  if (!credit && r.user != user_)
    return refusal(vault_errc::wrong_user,
                   "account " + id_ + " does not belong to user '" + r.user + "'");
  auto unknown_asset = [&](const std::string& asset) {
    return refusal(vault_errc::unknown_asset,
                   "unknown asset '" + asset + "' (the vault holds: " + join_list(assets_) + ")");
  };
  if (!r.fills.empty() && r.op != vault_op::settle)
    return refusal(vault_errc::invalid_request,
                   to_string(r.op) + " carries a fill: only a settlement books one");
  if (!r.orders.empty() && r.op != vault_op::reserve)
    return refusal(vault_errc::invalid_request,
                   to_string(r.op) + " carries an order: only a reservation records one");
  if (!r.order_updates.empty() && r.op != vault_op::release)
    return refusal(vault_errc::invalid_request,
                   to_string(r.op) + " closes an order: only a release does");
  auto needs_reservation =
      r.op == vault_op::reserve || r.op == vault_op::settle || r.op == vault_op::release;
  if (needs_reservation) {
    if (r.reservation.empty() || r.reservation.size() > config::vault_key_chars_max)
      return refusal(vault_errc::invalid_request,
                     to_string(r.op) + " needs a reservation id of 1 to " +
                         std::to_string(config::vault_key_chars_max) + " characters");
  }
  switch (r.op) {
  case vault_op::deposit:
  case vault_op::withdraw:
  case vault_op::transfer:
  case vault_op::reserve:
    if (!known_asset(r.asset))
      return unknown_asset(r.asset);
    if (r.amount <= 0)
      return refusal(vault_errc::invalid_amount,
                     to_string(r.op) + " amount must be positive, got " + std::to_string(r.amount));
    if (r.op == vault_op::transfer && !credit) {
      if (r.to_account.empty())
        return refusal(vault_errc::invalid_request, "transfer needs a receiving account");
      if (r.to_account == id_)
        return refusal(vault_errc::invalid_request, "transfer from " + id_ + " to itself");
    }
    if (r.op == vault_op::reserve) {
      auto& t = r.terms;
      if ((t.side != "buy" && t.side != "sell") || t.limit <= 0 || t.qty <= 0)
        return refusal(vault_errc::invalid_request,
                       "a reservation needs its order's terms: side buy or sell, a positive "
                       "limit and quantity (got '" +
                           t.side + "', " + std::to_string(t.limit) + ", " + std::to_string(t.qty) +
                           ")");
      if (!known_asset(t.credit_asset))
        return unknown_asset(t.credit_asset);
      if (t.credit_asset == r.asset)
        return refusal(vault_errc::invalid_request,
                       "a reservation's order brings another asset than it holds (" + r.asset +
                           ")");
      if (r.orders.size() > 1)
        return refusal(vault_errc::invalid_request,
                       "a reservation is for one order, not " + std::to_string(r.orders.size()));
      for (auto& o : r.orders)
        if (auto why = order_mismatch(o, r); !why.empty())
          return refusal(vault_errc::invalid_request, "reservation " + r.reservation + ": " + why);
    }
    return {};
  case vault_op::settle:
    if (r.amount < 0 || r.credit_amount < 0 || r.fee < 0)
      return refusal(vault_errc::invalid_amount, "settle amounts must not be negative");
    if (r.amount == 0 && r.credit_amount == 0)
      return refusal(vault_errc::invalid_amount, "settle moves nothing (amount and "
                                                 "credit_amount are 0)");
    if (r.fee > 0 && fee_from_credit(r) && r.fee > r.credit_amount)
      return refusal(vault_errc::invalid_amount, "settle fee " + std::to_string(r.fee) +
                                                     " exceeds credit_amount " +
                                                     std::to_string(r.credit_amount));
    if (r.fee > 0 && !fee_from_credit(r) && add_overflows(r.amount, r.fee))
      return refusal(vault_errc::invalid_amount, "settle amount plus fee overflows");
    if (r.credit_amount > 0 && !known_asset(r.credit_asset))
      return unknown_asset(r.credit_asset);
    if (!r.asset.empty() && !known_asset(r.asset))
      return unknown_asset(r.asset);
    if (!valid_venue_name(r.venue))
      return refusal(vault_errc::invalid_request,
                     "venue '" + r.venue + "' must be 1 to 64 characters of A-Z a-z 0-9 _ . -");
    if (r.fills.size() > 1)
      return refusal(vault_errc::invalid_request,
                     "a settlement books one fill, not " + std::to_string(r.fills.size()));
    for (auto& f : r.fills)
      if (auto why = fill_mismatch(f, r); !why.empty())
        return refusal(vault_errc::invalid_request, "settlement " + r.key + ": " + why);
    return {};
  case vault_op::release:
    if (r.order_updates.size() > 1)
      return refusal(vault_errc::invalid_request,
                     "a release closes one order, not " + std::to_string(r.order_updates.size()));
    for (auto& u : r.order_updates)
      if (u.client_order_id != r.reservation ||
          (u.status != "rejected" && u.status != "cancelled") || !u.fills.empty() || u.filled > 0 ||
          u.venue.size() > config::vault_key_chars_max)
        return refusal(vault_errc::invalid_request,
                       "release " + r.key + ": a release closes the order of reservation " +
                           r.reservation + ", as rejected or cancelled, without fills");
    return {};
  default:
    return refusal(vault_errc::invalid_request,
                   to_string(r.op) + " is not an operation of an account");
  }
}

vault_op_record vault_account::make_row(const vault_request& r, const std::string& key,
                                        const std::string& op) const {
  vault_op_record row;
  row.key = key;
  row.account = id_;
  row.user = user_;
  row.op = op;
  row.asset = r.asset;
  row.amount = r.amount;
  if (r.op == vault_op::transfer)
    row.ref = r.to_account;
  else if (!r.reservation.empty())
    row.ref = r.reservation;
  return row;
}

void vault_account::stamp_after(vault_op_record& row) const {
  auto i = holdings_.find(row.asset);
  row.available_after = i != holdings_.end() ? i->second.available : 0;
  row.reserved_after = i != holdings_.end() ? i->second.reserved : 0;
}

caf::result<vault_reply> vault_account::handle(vault_request& r, bool credit) {
  if (failed_)
    return refusal(vault_errc::unavailable, "account " + id_ + " is restarting; retry");
  if (r.op == vault_op::balance) {
    if (!r.user.empty() && r.user != user_)
      return refusal(vault_errc::wrong_user,
                     "account " + id_ + " does not belong to user '" + r.user + "'");
    return vault_reply{0, balances(r.asset), false};
  }
  if (auto err = validate(r, credit))
    return err;
  if (credit && fault_ == "refuse_credit") {
    fault_.clear();
    return refusal(vault_errc::invalid_request, "fault injected: " + id_ + " refuses the credit");
  }
  auto key = credit ? r.key : id_ + ":" + r.key;
  if (auto i = results_.find(key); i != results_.end())
    return answer_known(i->second, r, credit);
  if (auto i = in_flight_.find(key); i != in_flight_.end()) {
    if (!same_operation(i->second.row, r, credit))
      return key_reused(i->second.row, r.key);
    auto rp = make_response_promise<vault_reply>();
    i->second.waiters.push_back(rp);
    return rp;
  }
  if (auto i = transfers_.find(key); i != transfers_.end()) {
    if (!same_operation(i->second.row, r, credit))
      return key_reused(i->second.row, r.key);
    auto rp = make_response_promise<vault_reply>();
    i->second.waiters.push_back(rp);
    return rp;
  }
  auto rp = make_response_promise<vault_reply>();
  if (older_keys_.count(persistence::key_digest_of(key)) > 0)
    look_up_key(r, credit, key, rp);
  else
    decide(r, credit, key, rp, false);
  return rp;
}

void vault_account::look_up_key(const vault_request& r, bool credit, const std::string& key,
                                reply_promise rp) {
  // A key of the window whose result is no longer in memory: its row
  // answers (await: nothing else is decided meanwhile, so nothing can take
  // the key between the look and the decision).
  request(store(), store_timeout(), persistence::load_vault_op_atom_v, key)
      .await(
          [this, r, credit, key, rp](std::vector<vault_op_record>& rows) mutable {
            if (rows.empty()) // another key with the same digest
              decide(r, credit, key, rp, false);
            else
              deliver(rp, answer_known(rows.front(), r, credit));
          },
          [this, key, rp](caf::error& err) mutable {
            rp.deliver(refusal(vault_errc::unavailable,
                               "account " + id_ + " cannot read " + key + " from the journal: " +
                                   runtime::to_text(err) + "; retry with the same key"));
          });
}

void vault_account::look_up_reservation(const vault_request& r, bool credit, const std::string& key,
                                        reply_promise rp) {
  // A reservation closed long enough ago that memory let it go: a late
  // fill still settles against it, so it is read back before deciding.
  request(store(), store_timeout(), persistence::load_reservation_atom_v, id_, r.reservation)
      .await(
          [this, r, credit, key, rp](std::vector<reservation_record>& rows) mutable {
            for (auto& row : rows) {
              put_reservation(row);
              queue_closed(row.id);
            }
            decide(r, credit, key, rp, true);
          },
          [this, r, rp](caf::error& err) mutable {
            rp.deliver(refusal(vault_errc::unavailable,
                               "account " + id_ + " cannot read reservation " + r.reservation +
                                   " from the store: " + runtime::to_text(err) +
                                   "; retry with the same key"));
          });
}

void vault_account::decide(const vault_request& r, bool credit, const std::string& key,
                           reply_promise rp, bool reservation_read) {
  if (!r.closed.empty()) {
    // A mode stops new business (the gateway says which); unrecorded, so
    // that the same key runs once the mode is off.
    auto code = static_cast<vault_errc>(r.closed_code);
    if (code != vault_errc::emergency_mode && code != vault_errc::transfers_frozen)
      code = vault_errc::invalid_request;
    rp.deliver(refusal(code, r.closed));
    return;
  }
  vault_write w;
  w.has_txn = true;
  w.txn.idempotency_key = key;
  auto leg = [](std::string account, const std::string& asset, const char* bucket, int64_t amount) {
    return ledger_leg{std::move(account), asset, bucket, amount};
  };
  auto opname = credit ? std::string{"transfer_in"} : to_string(r.op);
  switch (r.op) {
  case vault_op::withdraw:
  case vault_op::deposit:
  case vault_op::transfer: {
    auto& h = hold(r.asset);
    if (r.op == vault_op::withdraw || (r.op == vault_op::transfer && !credit)) {
      // Money leaves: to the outside world, or into @transit until the
      // receiver has credited it.
      if (h.available < r.amount)
        return refuse(rp, r, key, opname, vault_errc::insufficient_funds,
                      "insufficient funds in " + id_ + ": available " +
                          amount_text(h.available, r.asset) + ", needed " +
                          amount_text(r.amount, r.asset));
      auto withdraw = r.op == vault_op::withdraw;
      h.available -= r.amount;
      w.op = make_row(r, key, opname);
      w.op.outcome = withdraw ? "applied" : "pending";
      w.txn.kind = withdraw ? "withdraw" : "transfer_debit";
      w.txn.legs = {
          leg(id_, r.asset, "available", -r.amount),
          leg(withdraw ? external_account : transit_account, r.asset, "available", r.amount)};
      break;
    }
    // Money arrives: from the outside world, or from @transit.
    if (add_overflows(h.available, r.amount) || add_overflows(h.available + r.amount, h.reserved))
      return refuse(rp, r, key, opname, vault_errc::amount_overflow,
                    "crediting " + amount_text(r.amount, r.asset) + " to " + id_ +
                        " would overflow its balance of " + amount_text(h.available, r.asset));
    h.available += r.amount;
    w.op = make_row(r, key, opname);
    w.op.outcome = "applied";
    if (credit)
      w.op.ref = r.to_account;
    w.txn.kind = credit ? "transfer_credit" : "deposit";
    w.txn.legs = {leg(credit ? transit_account : external_account, r.asset, "available", -r.amount),
                  leg(id_, r.asset, "available", r.amount)};
    break;
  }
  case vault_op::reserve: {
    if (reservations_.count(r.reservation) > 0)
      return refuse(rp, r, key, opname, vault_errc::invalid_request,
                    "reservation " + r.reservation + " exists already in " + id_);
    auto& h = hold(r.asset);
    if (h.available < r.amount)
      return refuse(rp, r, key, opname, vault_errc::insufficient_funds,
                    "insufficient funds in " + id_ + ": available " +
                        amount_text(h.available, r.asset) + ", needed " +
                        amount_text(r.amount, r.asset) + " for reservation " + r.reservation);
    h.available -= r.amount;
    h.reserved += r.amount;
    auto created = node_clock().unix_ms();
    reservations_[r.reservation] =
        reservation{r.asset, r.amount, r.amount, "open", created, r.terms, 0};
    ++open_reservations_;
    w.op = make_row(r, key, opname);
    w.op.outcome = "applied";
    w.txn.kind = "reserve";
    w.txn.legs = {leg(id_, r.asset, "available", -r.amount),
                  leg(id_, r.asset, "reserved", r.amount)};
    w.reservations.push_back(reservation_record{id_, r.reservation, r.asset, r.amount, r.amount,
                                                "open", created, r.terms, 0});
    w.orders = r.orders;
    break;
  }
  case vault_op::settle:
  case vault_op::release: {
    auto i = reservations_.find(r.reservation);
    if (i == reservations_.end() && !reservation_read)
      return look_up_reservation(r, credit, key, rp);
    if (i == reservations_.end())
      return refuse(rp, r, key, opname, vault_errc::unknown_reservation,
                    "no reservation " + r.reservation + " in " + id_);
    auto& res = i->second;
    if (!r.asset.empty() && r.asset != res.asset)
      return refuse(rp, r, key, opname, vault_errc::invalid_request,
                    "reservation " + r.reservation + " holds " + res.asset + ", not " + r.asset);
    auto asset = res.asset;
    if (r.op == vault_op::release) {
      if (res.state == "released")
        return refuse(rp, r, key, opname, vault_errc::reservation_closed,
                      "reservation " + r.reservation + " was released already");
      auto rest = res.remaining;
      w.op = make_row(r, key, opname);
      w.op.asset = asset;
      w.op.amount = rest;
      w.op.outcome = "applied";
      w.order_updates = r.order_updates;
      for (auto& u : w.order_updates)
        if (u.reason.size() > vault_order_reason_chars_max)
          u.reason.resize(vault_order_reason_chars_max);
      if (res.state == "settled") {
        // Its fills took all of it: nothing to give back, and nothing wrong.
        w.has_txn = false;
        w.op.detail = "reservation " + r.reservation + " was settled entirely by its fills";
      } else {
        auto& h = hold(asset);
        h.reserved -= rest;
        h.available += rest;
        res.remaining = 0;
        res.state = "released";
        --open_reservations_;
        if (rest > 0) {
          w.txn.kind = "release";
          w.txn.legs = {leg(id_, asset, "reserved", -rest), leg(id_, asset, "available", rest)};
        } else {
          w.has_txn = false;
        }
      }
    } else {
      // A settlement no fill of the order could make is refused for good:
      // crediting it would create money the venue never paid.
      if (auto why = unexplained(res.terms, res.filled, r); !why.empty())
        return refuse(rp, r, key, opname, vault_errc::fill_unexplained,
                      "reservation " + r.reservation + " cannot explain settlement " + r.key +
                          ": " + why);
      auto fee_debit = r.fee > 0 && !fee_from_credit(r);
      if (fee_debit && r.fee_asset != asset)
        return refuse(rp, r, key, opname, vault_errc::invalid_request,
                      "settle fee in " + r.fee_asset + ": neither " + asset +
                          " (what leaves) nor " + r.credit_asset + " (what arrives)");
      // What leaves: from the reservation while it lasts, then from
      // available (a fee above its allowance; a fill after a release).
      auto need = r.amount + (fee_debit ? r.fee : 0);
      auto from_reserved = res.state == "open" ? std::min(need, res.remaining) : int64_t{0};
      auto from_available = need - from_reserved;
      auto& h = hold(asset);
      if (from_available > h.available)
        // Not journaled: the fill happened, and it is booked once the
        // account can pay (the key stays unused).
        return void(rp.deliver(refusal(
            vault_errc::insufficient_funds,
            "fill settlement " + r.key + " needs " + amount_text(need, asset) + ": " +
                (res.state == "open" ? "reservation " + r.reservation + " has " +
                                           amount_text(res.remaining, asset) + " left"
                                     : "reservation " + r.reservation + " is " + res.state) +
                ", available " + amount_text(h.available, asset))));
      auto net = r.credit_amount - (fee_debit ? 0 : r.fee);
      if (r.credit_amount > 0) {
        auto& c = hold(r.credit_asset);
        auto c_available = r.credit_asset == asset ? c.available - from_available : c.available;
        if (add_overflows(c_available, net) || add_overflows(c_available + net, c.reserved))
          return refuse(rp, r, key, opname, vault_errc::amount_overflow,
                        "crediting " + amount_text(net, r.credit_asset) + " to " + id_ +
                            " would overflow its balance");
      }
      auto venue = venue_account(r.venue);
      h.reserved -= from_reserved;
      h.available -= from_available;
      if (net > 0)
        hold(r.credit_asset).available += net;
      res.remaining -= from_reserved;
      if (!res.terms.side.empty())
        res.filled += res.terms.side == "buy" ? r.credit_amount : r.amount;
      if (res.state == "open" && res.remaining == 0) {
        res.state = "settled";
        --open_reservations_;
      }
      w.op = make_row(r, key, opname);
      w.op.asset = asset;
      w.op.outcome = "applied";
      if (from_available > 0)
        w.op.detail =
            amount_text(from_available, asset) + " from available: reservation " + r.reservation +
            (res.state == "released" ? " was released before this fill" : " did not cover it");
      w.txn.kind = "settle";
      w.fills = r.fills;
      if (from_reserved > 0)
        w.txn.legs.push_back(leg(id_, asset, "reserved", -from_reserved));
      if (from_available > 0)
        w.txn.legs.push_back(leg(id_, asset, "available", -from_available));
      if (r.amount > 0)
        w.txn.legs.push_back(leg(venue, asset, "available", r.amount));
      if (fee_debit)
        w.txn.legs.push_back(leg(venue_fees_account(r.venue), asset, "available", r.fee));
      if (r.credit_amount > 0) {
        w.txn.legs.push_back(leg(venue, r.credit_asset, "available", -r.credit_amount));
        if (net > 0)
          w.txn.legs.push_back(leg(id_, r.credit_asset, "available", net));
        if (r.fee > 0 && !fee_debit)
          w.txn.legs.push_back(
              leg(venue_fees_account(r.venue), r.credit_asset, "available", r.fee));
      }
    }
    w.reservations.push_back(reservation_record{id_, r.reservation, res.asset, res.amount,
                                                res.remaining, res.state, res.created_at_ms,
                                                res.terms, res.filled});
    break;
  }
  default:
    rp.deliver(
        refusal(vault_errc::invalid_request, to_string(r.op) + " is not an account operation"));
    return;
  }
  stamp_after(w.op);
  write(std::move(w), rp);
}

void vault_account::refuse(reply_promise rp, const vault_request& r, const std::string& key,
                           const std::string& op, vault_errc code, std::string message) {
  // The refusal is final for its key: recorded first, so that a replay, even
  // after a restart, gets the same answer.
  vault_write w;
  w.op = make_row(r, key, op);
  w.op.outcome = to_string(code);
  w.op.detail = std::move(message);
  stamp_after(w.op);
  write(std::move(w), rp);
}

void vault_account::deliver(reply_promise& rp, caf::expected<vault_reply> x) {
  if (x)
    rp.deliver(std::move(*x));
  else
    rp.deliver(std::move(x.error()));
}

bool vault_account::same_operation(const vault_op_record& row, const vault_request& r,
                                   bool credit) const {
  auto op = credit ? std::string{"transfer_in"} : to_string(r.op);
  auto ref = credit || r.op == vault_op::transfer ? r.to_account : r.reservation;
  return row.op == op && row.ref == ref && (r.op == vault_op::release || row.amount == r.amount) &&
         (r.asset.empty() || row.asset == r.asset);
}

bool vault_account::same_operation(const vault_op_record& x, const vault_op_record& y) {
  return x.op == y.op && x.ref == y.ref && (x.op == "release" || x.amount == y.amount) &&
         (x.asset.empty() || y.asset.empty() || x.asset == y.asset);
}

caf::error vault_account::key_reused(const vault_op_record& row, const std::string& key) const {
  return refusal(vault_errc::key_reused, "idempotency key '" + key + "' was used for " + row.op +
                                             " of " + amount_text(row.amount, row.asset) +
                                             (row.ref.empty() ? "" : " (" + row.ref + ")") +
                                             "; use a new key");
}

caf::expected<vault_reply> vault_account::answer_known(const vault_op_record& row,
                                                       const vault_request& r, bool credit) {
  if (!same_operation(row, r, credit))
    return key_reused(row, r.key);
  if (row.outcome == "applied")
    return reply_of(row, true);
  return error_of(row);
}

void vault_account::answer(std::vector<reply_promise>& waiters, const vault_op_record& row,
                           bool replayed) {
  for (auto& rp : waiters)
    if (row.outcome == "applied")
      rp.deliver(reply_of(row, replayed));
    else
      rp.deliver(error_of(row));
}

vault_reply vault_account::reply_of(const vault_op_record& row, bool replayed) const {
  vault_reply x;
  x.txn_id = row.txn_id;
  x.balances.push_back(balance_row{id_, row.asset, row.available_after, row.reserved_after});
  x.replayed = replayed;
  return x;
}

caf::error vault_account::error_of(const vault_op_record& row) const {
  return refusal(vault_errc_from_string(row.outcome), row.detail);
}

void vault_account::write(vault_write w, reply_promise rp) {
  auto sent = w.op;
  auto& entry = in_flight_[sent.key];
  entry.row = sent;
  entry.waiters.push_back(std::move(rp));
  entry.records_order = !w.orders.empty();
  w.seq = ++write_seq_;
  request(store(), store_timeout(), persistence::vault_write_atom_v, std::move(w))
      .then(
          [this, sent](vault_write_result& res) {
            if (!failed_)
              written(sent, res);
          },
          [this, key = sent.key](caf::error& err) { write_failed(key, err); });
}

void vault_account::written(const vault_op_record& sent, vault_write_result& res) {
  auto& key = sent.key;
  auto waiters = std::move(in_flight_[key].waiters);
  auto records_order = in_flight_[key].records_order;
  in_flight_.erase(key);
  if (res.replayed || res.op.outcome != sent.outcome) {
    // The store knew better than memory: the key was decided before the
    // idempotency window this account keeps, or the store refused what
    // memory allowed (a reservation id used long ago, a vault-wide total
    // past 64 bits) and journaled the refusal. Answer with what is stored,
    // then rebuild from the store: memory applied the operation.
    if (res.replayed && !same_operation(res.op, sent))
      for (auto& rp : waiters)
        rp.deliver(key_reused(res.op, key.substr(id_.size() + 1)));
    else
      answer(waiters, res.op, res.replayed);
    write_failed(key, refusal(vault_errc::unavailable,
                              "the store decided " + key + " differently (" + res.op.outcome +
                                  "); rebuilding the account from the ledger"));
    return;
  }
  if (res.op.outcome == "pending") {
    auto& t = transfers_[key];
    t.row = res.op;
    for (auto& rp : waiters)
      t.waiters.push_back(std::move(rp));
    if (fault("after_debit"))
      return;
    send_credit(key);
    publish_description();
    return;
  }
  if (res.op.op == "transfer_in" && fault("after_credit"))
    return;
  for (auto& why : res.fills_unrecorded) {
    // Money moved as the venue reported; the trading record lacks the fill.
    auto detail = "settlement " + key + " is booked, but its fill could not be recorded: " + why +
                  "; the venue and the account must be reconciled";
    vault_log().critical("ALERT vault.fill_unrecorded {}: {}", path(), detail);
    if (node())
      node()->report(runtime::incident{path(), "vault.fill_unrecorded", detail, "critical"});
  }
  remember(res.op);
  if (records_order && res.orders_known.empty() && !waiters.empty() &&
      res.op.outcome == "applied") {
    // Only the caller that asked first may send the order: a second caller
    // of the same key is a retry that cannot know whether the first sent it.
    auto first = reply_of(res.op, false);
    first.order_recorded = true;
    waiters.front().deliver(std::move(first));
    waiters.erase(waiters.begin());
  }
  answer(waiters, res.op, false);
  publish_description();
}

void vault_account::write_failed(const std::string& key, const caf::error& err) {
  if (failed_)
    return;
  failed_ = true;
  vault_log().error("account {}: write {} failed ({}); restarting from the ledger", id_, key,
                    runtime::to_text(err));
  // Memory may be ahead of the ledger now: everyone waiting learns that the
  // outcome must be asked again (same key), and the account restarts.
  auto why = refusal(vault_errc::unavailable,
                     "account " + id_ + ": " + runtime::to_text(err) + "; retry with the same key");
  // A vault-wide total past 64 bits is the one refusal only the store can
  // see (the other side is a system account): it answers its own write.
  for (auto& [k, w] : in_flight_)
    for (auto& rp : w.waiters)
      rp.deliver(why);
  in_flight_.clear();
  for (auto& [k, t] : transfers_)
    for (auto& rp : t.waiters)
      rp.deliver(why);
  transfers_.clear();
  quit(err);
}

bool vault_account::fault(const char* phase) {
  if (fault_ != phase)
    return false;
  fault_.clear();
  failed_ = true;
  quit(caf::error{runtime::runtime_errc::crash_injected,
                  "fault injected in account " + id_ + " at " + phase});
  return true;
}

// -- helpers ------------------------------------------------------------------------------

std::vector<balance_row> vault_account::balances(const std::string& asset) const {
  std::vector<balance_row> result;
  if (!asset.empty()) {
    auto i = holdings_.find(asset);
    auto h = i != holdings_.end() ? i->second : holding{};
    result.push_back(balance_row{id_, asset, h.available, h.reserved});
    return result;
  }
  for (auto& [name, h] : holdings_)
    result.push_back(balance_row{id_, name, h.available, h.reserved});
  return result;
}

std::string vault_account::describe() const {
  vault_account_status x;
  x.user = user_;
  for (auto& [asset, h] : holdings_)
    x.holdings[asset] = holding_status{h.available, h.reserved};
  x.open_reservations = open_reservations_;
  x.pending_transfers = transfers_.size();
  x.writes_in_flight = in_flight_.size();
  x.remembered_keys = results_.size();
  x.older_keys = older_keys_.size();
  x.cached_reservations = reservations_.size();
  return runtime::status_json(x);
}

} // namespace tfarm::actors
