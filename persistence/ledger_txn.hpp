// Ledger transactions as the store records them: two or more legs that sum
// to zero per asset, under a unique idempotency key. Messages (type IDs in
// persistence/type_ids.hpp); amounts are integer minor units.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace tfarm::persistence {

/// One movement: `amount` (positive or negative) on an account's asset in
/// one of its two buckets ("available" or "reserved").
struct ledger_leg {
  std::string account;
  std::string asset;
  std::string bucket;
  int64_t amount = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_leg& x) {
  return f(caf::meta::type_name("tfarm.ledger_leg"), x.account, x.asset, x.bucket, x.amount);
}

struct ledger_txn {
  /// Unique; a repeated key returns the first transaction's receipt.
  std::string idempotency_key;
  /// What it is ("deposit", "transfer", ...), for people and reports.
  std::string kind;
  std::vector<ledger_leg> legs;
  std::string memo;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_txn& x) {
  return f(caf::meta::type_name("tfarm.ledger_txn"), x.idempotency_key, x.kind, x.legs, x.memo);
}

/// What the store answers once a transaction is durable.
struct ledger_receipt {
  uint64_t txn_id = 0;
  int64_t created_at_ms = 0;
  /// True if the key was seen before (nothing was written this time).
  bool replayed = false;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ledger_receipt& x) {
  return f(caf::meta::type_name("tfarm.ledger_receipt"), x.txn_id, x.created_at_ms, x.replayed);
}

} // namespace tfarm::persistence
