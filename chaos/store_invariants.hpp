// What a chaos run checks in the store once the cluster has stopped: the
// ledger's and the trading invariants (db check), no fill recorded twice, no
// user balance below zero, nothing left in flight, no critical incident,
// and each transfer the operators asked for made exactly once (or, refused,
// not at all). Each check can fail: a planted loss shows (tests plant them).
//
// Not thread-safe: one thread reads through one store_reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chaos/chaos_report.hpp"

namespace tfarm::persistence {
class sql_connection;
} // namespace tfarm::persistence

namespace tfarm::chaos {

/// Violations listed per invariant (the rest are counted).
constexpr size_t invariant_details_max = 10;

/// Reads a store that may be away for a while (its server restarting): a
/// failed read drops the connection, and the next one opens it again.
class store_reader {
public:
  explicit store_reader(std::string db);
  ~store_reader();
  store_reader(const store_reader&) = delete;
  store_reader& operator=(const store_reader&) = delete;

  /// The first column of the first row as a number (-1 when the store
  /// cannot be read now).
  int64_t count(const std::string& sql);

  /// Each row's first `columns` columns as text, joined by spaces; a line
  /// saying why, when the store cannot be read.
  std::vector<std::string> rows(const std::string& sql, int columns);

  const std::string& db() const noexcept { return db_; }

private:
  bool open(std::string& why);

  std::string db_;
  std::unique_ptr<persistence::sql_connection> sql_;
};

/// A transfer the harness asked for, and what it was answered.
struct transfer_record {
  uint32_t id = 0;
  int64_t at_ms = 0;
  /// The sender's user and account, the receiver's account.
  std::string from_user;
  std::string from;
  std::string to;
  std::string asset;
  int64_t amount = 0;
  /// The idempotency key (the vault's operation is "FROM:KEY").
  std::string key;
  /// The first answer: 0 acknowledged, 1 refused, -1 nothing decided (lost,
  /// timeout, or the vault's "retry with the same key").
  int first = -1;
  std::string first_text;
  /// The answer when asked again with the same key after the faults.
  int final = -1;
  std::string final_text;
};

/// The store's invariants (fill_once, no_negative_balance, ...), in the
/// order the report lists them.
std::vector<invariant_result> check_store(store_reader& store,
                                          const std::vector<transfer_record>& transfers);

} // namespace tfarm::chaos
