// Exchange credentials at rest (table credentials, schema 004): sealed
// blobs only; sealing and opening happen above, in tfarm::actors
// (exchange/secret_box.hpp), so that no plaintext secret ever reaches the
// store, its logs or its audit records.
//
// One active credential per (venue, account): storing a new one revokes the
// previous active ones in the same transaction (rotation). Every change is
// audited with the operator and the key id, never the secret.
// Thread-safety: each call opens its own connection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <caf/meta/type_name.hpp>

namespace tfarm::persistence {

class sql_connection;

struct credential_record {
  std::string venue;
  std::string account;
  /// Which credential (operators name them: "k1", "2026-11", ...).
  std::string key_id;
  /// The sealed secret (secret_box format); empty in listings.
  std::string sealed;
  /// The seal's nonce (also inside `sealed`), for audits.
  std::string nonce;
  int64_t created_at_ms = 0;
  /// 0 while active.
  int64_t revoked_at_ms = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, credential_record& x) {
  return f(caf::meta::type_name("tfarm.credential_record"), x.venue, x.account, x.key_id, x.sealed,
           x.nonce, x.created_at_ms, x.revoked_at_ms);
}

/// Stores `x` as the active credential of its venue and account, revoking
/// the previous active ones; `rotated` tells how many were revoked.
caf::error put_credential(const std::string& db, const credential_record& x,
                          const std::string& user, uint64_t& rotated);

/// Revokes every active credential of a venue and account; returns how many.
caf::expected<uint64_t> revoke_credentials(const std::string& db, const std::string& venue,
                                           const std::string& account, const std::string& user);

/// The active credential of a venue and account (an error if none).
caf::expected<credential_record> active_credential(const std::string& db, const std::string& venue,
                                                   const std::string& account);

/// The same on an open connection (the store's; throws sql_error).
caf::expected<credential_record> active_credential(sql_connection& db, const std::string& venue,
                                                   const std::string& account);

/// What re-seals one credential: its new sealed secret and nonce, or an
/// error (which aborts the whole re-sealing).
using reseal_fn =
    std::function<caf::expected<std::pair<std::string, std::string>>(const credential_record&)>;

/// Re-seals every stored credential (active and revoked) with `f` in one
/// transaction, audited: all or none. Returns how many.
caf::expected<uint64_t> reseal_credentials(const std::string& db, const reseal_fn& f,
                                           const std::string& user);

/// Every credential, active and revoked, without the sealed secrets.
caf::expected<std::vector<credential_record>> list_credentials(const std::string& db);

} // namespace tfarm::persistence
