// What store_core's source files share: reading rows into records, and
// keeping cached statements reusable. Internal to the persistence library.
#pragma once

#include <string>
#include <vector>

#include <caf/error.hpp>

#include "persistence/error.hpp"
#include "persistence/sql_connection.hpp"
#include "persistence/vault_records.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence::detail {

// Keeps a cached statement reusable whatever happens while it is used.
struct statement_reset {
  sql_statement& s;
  ~statement_reset() { s.reset(); }
};

inline runtime::checkpoint read_checkpoint(sql_statement& q) {
  runtime::checkpoint cp;
  cp.path = q.text(0);
  cp.kind = q.text(1);
  cp.seq = static_cast<uint64_t>(q.int64(2));
  cp.format_version = static_cast<uint32_t>(q.int64(3));
  auto blob = q.blob(4);
  cp.blob.assign(blob.begin(), blob.end());
  cp.crc32 = static_cast<uint32_t>(q.int64(5));
  cp.updated_at_ms = q.int64(6);
  return cp;
}

constexpr const char* op_columns =
    "key, account, \"user\", op, ref, asset, amount, outcome, detail, available_after, "
    "reserved_after, COALESCE(txn_id, 0), created_at";

inline vault_op_record read_op(sql_statement& q) {
  vault_op_record x;
  x.key = q.text(0);
  x.account = q.text(1);
  x.user = q.text(2);
  x.op = q.text(3);
  x.ref = q.text(4);
  x.asset = q.text(5);
  x.amount = q.int64(6);
  x.outcome = q.text(7);
  x.detail = q.text(8);
  x.available_after = q.int64(9);
  x.reserved_after = q.int64(10);
  x.txn_id = static_cast<uint64_t>(q.int64(11));
  x.created_at_ms = q.int64(12);
  return x;
}

// Folds (account, asset, bucket, amount) rows into one balance_row per
// account and asset; rows must come ordered by account and asset.
inline std::vector<balance_row> read_balances(sql_statement& q) {
  std::vector<balance_row> result;
  while (q.step()) {
    auto account = q.text(0);
    auto asset = q.text(1);
    if (result.empty() || result.back().account != account || result.back().asset != asset)
      result.push_back(balance_row{account, asset, 0, 0});
    auto amount = q.int64(3);
    if (q.text(2) == "reserved")
      result.back().reserved = amount;
    else
      result.back().available = amount;
  }
  return result;
}

inline caf::error invalid(const std::string& what) {
  return caf::error{store_errc::invalid_record, what};
}

} // namespace tfarm::persistence::detail
