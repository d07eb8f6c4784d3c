#include "persistence/credentials.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include "persistence/audit_record.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/store_core.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

namespace {

caf::expected<std::unique_ptr<SQLite::Database>> open_db(const std::string& db) {
  return open_database(db, open_options{});
}

void audit(SQLite::Database& d, const std::string& user, const std::string& action,
           const std::string& detail) {
  append_audit_row(d, "credentials", user, action, detail);
}

// Revokes the active credentials of a venue and account; returns how many.
uint64_t revoke_active(SQLite::Database& d, const std::string& venue, const std::string& account,
                       int64_t now) {
  SQLite::Statement revoke{d, "UPDATE credentials SET revoked_at = ? WHERE venue = ? AND "
                              "account = ? AND revoked_at IS NULL"};
  revoke.bind(1, now);
  revoke.bind(2, venue);
  revoke.bind(3, account);
  return static_cast<uint64_t>(revoke.exec());
}

} // namespace

caf::error put_credential(const std::string& db, const credential_record& x,
                          const std::string& user, uint64_t& rotated) {
  if (x.venue.empty() || x.account.empty() || x.key_id.empty() || x.sealed.empty())
    return caf::error{store_errc::invalid_record,
                      "a credential needs venue, account, key id and a sealed secret"};
  auto conn = open_db(db);
  if (!conn)
    return conn.error();
  auto& d = **conn;
  try {
    SQLite::Transaction txn{d, SQLite::TransactionBehavior::IMMEDIATE};
    auto now = runtime::unix_now_ms();
    rotated = revoke_active(d, x.venue, x.account, now);
    SQLite::Statement ins{d, "INSERT INTO credentials (venue, account, key_id, ciphertext, nonce, "
                             "created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)"};
    ins.bind(1, x.venue);
    ins.bind(2, x.account);
    ins.bind(3, x.key_id);
    ins.bind(4, x.sealed.data(), static_cast<int>(x.sealed.size()));
    ins.bind(5, x.nonce.data(), static_cast<int>(x.nonce.size()));
    ins.bind(6, now);
    ins.exec();
    audit(d, user, rotated > 0 ? "credentials.rotate" : "credentials.set",
          x.venue + "/" + x.account + " key " + x.key_id +
              (rotated > 0 ? " (" + std::to_string(rotated) + " revoked)" : ""));
    txn.commit();
    return {};
  } catch (const SQLite::Exception& e) {
    if (e.getExtendedErrorCode() == SQLITE_CONSTRAINT_PRIMARYKEY)
      return caf::error{store_errc::invalid_record, "credential " + x.venue + "/" + x.account +
                                                        " key " + x.key_id +
                                                        " exists already; use a new key id"};
    return classify(e, db, "storing a credential");
  } catch (const std::exception& e) {
    return classify(e, db, "storing a credential");
  }
}

caf::expected<uint64_t> revoke_credentials(const std::string& db, const std::string& venue,
                                           const std::string& account, const std::string& user) {
  auto conn = open_db(db);
  if (!conn)
    return conn.error();
  auto& d = **conn;
  try {
    SQLite::Transaction txn{d, SQLite::TransactionBehavior::IMMEDIATE};
    auto n = revoke_active(d, venue, account, runtime::unix_now_ms());
    audit(d, user, "credentials.revoke", venue + "/" + account + ": " + std::to_string(n));
    txn.commit();
    return n;
  } catch (const std::exception& e) {
    return classify(e, db, "revoking credentials");
  }
}

caf::expected<credential_record> active_credential(SQLite::Database& db, const std::string& venue,
                                                   const std::string& account) {
  SQLite::Statement q{db, "SELECT key_id, ciphertext, nonce, created_at FROM credentials "
                          "WHERE venue = ? AND account = ? AND revoked_at IS NULL"};
  q.bind(1, venue);
  q.bind(2, account);
  if (!q.executeStep())
    return caf::error{store_errc::invalid_record,
                      "no active credential for " + venue + "/" + account};
  credential_record x;
  x.venue = venue;
  x.account = account;
  x.key_id = q.getColumn(0).getString();
  auto blob = q.getColumn(1);
  x.sealed.assign(static_cast<const char*>(blob.getBlob()), static_cast<size_t>(blob.getBytes()));
  auto nonce = q.getColumn(2);
  x.nonce.assign(static_cast<const char*>(nonce.getBlob()), static_cast<size_t>(nonce.getBytes()));
  x.created_at_ms = q.getColumn(3).getInt64();
  return x;
}

caf::expected<credential_record> active_credential(const std::string& db, const std::string& venue,
                                                   const std::string& account) {
  auto conn = open_db(db);
  if (!conn)
    return conn.error();
  try {
    return active_credential(**conn, venue, account);
  } catch (const std::exception& e) {
    return classify(e, db, "reading a credential");
  }
}

caf::expected<std::vector<credential_record>> list_credentials(const std::string& db) {
  auto conn = open_db(db);
  if (!conn)
    return conn.error();
  try {
    SQLite::Statement q{**conn, "SELECT venue, account, key_id, created_at, "
                                "COALESCE(revoked_at, 0) FROM credentials "
                                "ORDER BY venue, account, created_at"};
    std::vector<credential_record> result;
    while (q.executeStep()) {
      credential_record x;
      x.venue = q.getColumn(0).getString();
      x.account = q.getColumn(1).getString();
      x.key_id = q.getColumn(2).getString();
      x.created_at_ms = q.getColumn(3).getInt64();
      x.revoked_at_ms = q.getColumn(4).getInt64();
      result.push_back(std::move(x));
    }
    return result;
  } catch (const std::exception& e) {
    return classify(e, db, "listing credentials");
  }
}

caf::expected<uint64_t> reseal_credentials(const std::string& db, const reseal_fn& f,
                                           const std::string& user) {
  auto conn = open_db(db);
  if (!conn)
    return conn.error();
  auto& d = **conn;
  try {
    SQLite::Transaction txn{d, SQLite::TransactionBehavior::IMMEDIATE};
    std::vector<credential_record> rows;
    SQLite::Statement q{d, "SELECT venue, account, key_id, ciphertext FROM credentials"};
    while (q.executeStep()) {
      credential_record x;
      x.venue = q.getColumn(0).getString();
      x.account = q.getColumn(1).getString();
      x.key_id = q.getColumn(2).getString();
      auto blob = q.getColumn(3);
      x.sealed.assign(static_cast<const char*>(blob.getBlob()),
                      static_cast<size_t>(blob.getBytes()));
      rows.push_back(std::move(x));
    }
    SQLite::Statement upd{d, "UPDATE credentials SET ciphertext = ?, nonce = ? WHERE venue = ? "
                             "AND account = ? AND key_id = ?"};
    for (auto& x : rows) {
      auto sealed = f(x);
      if (!sealed)
        return sealed.error(); // the transaction rolls back
      upd.reset();
      upd.bind(1, sealed->first.data(), static_cast<int>(sealed->first.size()));
      upd.bind(2, sealed->second.data(), static_cast<int>(sealed->second.size()));
      upd.bind(3, x.venue);
      upd.bind(4, x.account);
      upd.bind(5, x.key_id);
      upd.exec();
    }
    audit(d, user, "credentials.reseal",
          std::to_string(rows.size()) + " credentials re-sealed under a new master key");
    txn.commit();
    return static_cast<uint64_t>(rows.size());
  } catch (const std::exception& e) {
    return classify(e, db, "re-sealing credentials");
  }
}

} // namespace tfarm::persistence
