// The transfer phases of a vault account (vault_account.hpp): the debit is
// decided and written with the operation (vault_account.cpp); the credit is
// asked of the receiving account through the gateway, then the journal row is
// posted, or the debit voided when the receiver refuses for good.
#include "actors/vault/vault_account.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/logger.h>

#include "actors/vault/error.hpp"
#include "actors/vault/logger.hpp"
#include "actors/vault/vault_names.hpp"
#include "actors/vault/wide_int.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors {

namespace {

using persistence::ledger_leg;
using persistence::vault_write;
using persistence::vault_write_result;
using runtime::message_of;

/// Backoff of the credit phase of a transfer while the receiver cannot answer.
constexpr int64_t transfer_retry_ms_min = 10;
constexpr int64_t transfer_retry_ms_max = 2'000;

} // namespace

void vault_account::send_credit(const std::string& key) {
  auto i = transfers_.find(key);
  if (i == transfers_.end() || i->second.resolving)
    return;
  auto& t = i->second;
  t.resolving = true;
  vault_actor gateway;
  if (auto entry = node() ? node()->registry().find(gateway_path) : nullptr)
    gateway = caf::actor_cast<vault_actor>(entry->handle());
  auto retry = [this, key] {
    auto j = transfers_.find(key);
    if (j == transfers_.end())
      return;
    auto attempts = j->second.attempts++;
    auto delay = transfer_retry_ms_min << std::min<uint32_t>(attempts, 16);
    delayed_send(this, std::chrono::milliseconds{std::min(delay, transfer_retry_ms_max)},
                 transfer_retry_atom_v, key);
  };
  if (!gateway) {
    retry();
    return;
  }
  vault_request c;
  c.op = vault_op::transfer;
  c.key = key + "/credit";
  c.user = user_;
  c.account = t.row.ref;
  c.asset = t.row.asset;
  c.amount = t.row.amount;
  c.to_account = id_; // the sender, recorded as the credit's ref
  request(gateway, std::chrono::milliseconds{params_.request_timeout_ms}, transfer_credit_atom_v,
          std::move(c))
      .then([this, key](vault_reply& rep) { post(key, rep.txn_id); },
            [this, key, retry](caf::error& err) {
              if (vault_reason(err) != vault_errc::unavailable) {
                void_transfer(key, err);
                return;
              }
              vault_log().debug("account {}: credit of {} not answered ({}); retrying", id_, key,
                                runtime::to_text(err));
              retry();
            });
}

void vault_account::post(const std::string& key, uint64_t credit_txn) {
  auto i = transfers_.find(key);
  if (i == transfers_.end() || fault("before_post"))
    return;
  auto t = std::move(i->second);
  transfers_.erase(i);
  t.row.outcome = "applied";
  t.row.detail =
      "credited to " + t.row.ref + " in ledger transaction " + std::to_string(credit_txn);
  remember(t.row);
  for (auto& rp : t.waiters)
    rp.deliver(reply_of(t.row, false));
  // The outcome is decided (the credit is durable); the post only finalizes
  // the journal row. Should it be lost, recovery finds the transfer pending,
  // the credit answers as a replay, and the post is written again.
  vault_write w;
  w.op = t.row;
  w.update = true;
  auto k = key;
  w.seq = ++write_seq_;
  request(store(), store_timeout(), persistence::vault_write_atom_v, std::move(w))
      .then([](vault_write_result&) {}, [this, k](caf::error& err) { write_failed(k, err); });
  publish_description();
}

void vault_account::void_transfer(const std::string& key, const caf::error& why) {
  auto i = transfers_.find(key);
  if (i == transfers_.end())
    return;
  auto& t = i->second;
  auto& h = hold(t.row.asset);
  if (add_overflows(h.available, t.row.amount)) {
    // Only deposits since the debit can have filled the balance this far;
    // the transfer stays pending (nothing is lost) and is tried again.
    vault_log().critical("account {}: cannot void transfer {} yet: the balance would overflow", id_,
                         key);
    t.resolving = false;
    delayed_send(this, std::chrono::milliseconds{transfer_retry_ms_max}, transfer_retry_atom_v,
                 key);
    return;
  }
  h.available += t.row.amount;
  vault_write w;
  w.op = t.row;
  w.update = true;
  w.op.outcome = to_string(static_cast<vault_errc>(why.code()));
  w.op.detail = "transfer voided: " + message_of(why);
  stamp_after(w.op);
  w.has_txn = true;
  w.txn.idempotency_key = key + "/void";
  w.txn.kind = "transfer_void";
  w.txn.legs = {ledger_leg{transit_account, t.row.asset, "available", -t.row.amount},
                ledger_leg{id_, t.row.asset, "available", t.row.amount}};
  auto row = w.op;
  w.seq = ++write_seq_;
  request(store(), store_timeout(), persistence::vault_write_atom_v, std::move(w))
      .then(
          [this, key, row](vault_write_result&) {
            auto j = transfers_.find(key);
            if (j == transfers_.end() || failed_)
              return;
            auto waiters = std::move(j->second.waiters);
            transfers_.erase(j);
            remember(row);
            for (auto& rp : waiters)
              rp.deliver(error_of(row));
            publish_description();
          },
          [this, key](caf::error& err) { write_failed(key, err); });
}

} // namespace tfarm::actors
