#include "persistence/credentials.hpp"

#include "persistence/audit_record.hpp"
#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/store_core.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

namespace {

caf::expected<std::unique_ptr<sql_connection>> open_db(const std::string& db) {
  return open_database(db, open_options{});
}

void audit(sql_connection& d, const std::string& user, const std::string& action,
           const std::string& detail) {
  append_audit_row(d, "credentials", user, action, detail);
}

// Revokes the active credentials of a venue and account; returns how many.
uint64_t revoke_active(sql_connection& d, const std::string& venue, const std::string& account,
                       int64_t now) {
  auto revoke_stmt = d.prepare("UPDATE credentials SET revoked_at = ? WHERE venue = ? AND "
                               "account = ? AND revoked_at IS NULL");
  auto& revoke = *revoke_stmt;
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
    sql_transaction txn{d};
    auto now = runtime::unix_now_ms();
    rotated = revoke_active(d, x.venue, x.account, now);
    auto ins_stmt = d.prepare("INSERT INTO credentials (venue, account, key_id, ciphertext, nonce, "
                              "created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, NULL)");
    auto& ins = *ins_stmt;
    ins.bind(1, x.venue);
    ins.bind(2, x.account);
    ins.bind(3, x.key_id);
    ins.bind_blob(4, x.sealed.data(), x.sealed.size());
    ins.bind_blob(5, x.nonce.data(), x.nonce.size());
    ins.bind(6, now);
    ins.exec();
    audit(d, user, rotated > 0 ? "credentials.rotate" : "credentials.set",
          x.venue + "/" + x.account + " key " + x.key_id +
              (rotated > 0 ? " (" + std::to_string(rotated) + " revoked)" : ""));
    txn.commit();
    return {};
  } catch (const sql_error& e) {
    if (e.kind() == sql_failure::constraint)
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
    sql_transaction txn{d};
    auto n = revoke_active(d, venue, account, runtime::unix_now_ms());
    audit(d, user, "credentials.revoke", venue + "/" + account + ": " + std::to_string(n));
    txn.commit();
    return n;
  } catch (const std::exception& e) {
    return classify(e, db, "revoking credentials");
  }
}

caf::expected<credential_record> active_credential(sql_connection& db, const std::string& venue,
                                                   const std::string& account) {
  auto q_stmt = db.prepare("SELECT key_id, ciphertext, nonce, created_at FROM credentials "
                           "WHERE venue = ? AND account = ? AND revoked_at IS NULL");
  auto& q = *q_stmt;
  q.bind(1, venue);
  q.bind(2, account);
  if (!q.step())
    return caf::error{store_errc::invalid_record,
                      "no active credential for " + venue + "/" + account};
  credential_record x;
  x.venue = venue;
  x.account = account;
  x.key_id = q.text(0);
  auto blob = q.blob(1);
  x.sealed.assign(blob.begin(), blob.end());
  auto nonce = q.blob(2);
  x.nonce.assign(nonce.begin(), nonce.end());
  x.created_at_ms = q.int64(3);
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
    auto q_stmt = (*conn)->prepare("SELECT venue, account, key_id, created_at, "
                                   "COALESCE(revoked_at, 0) FROM credentials "
                                   "ORDER BY venue, account, created_at");
    auto& q = *q_stmt;
    std::vector<credential_record> result;
    while (q.step()) {
      credential_record x;
      x.venue = q.text(0);
      x.account = q.text(1);
      x.key_id = q.text(2);
      x.created_at_ms = q.int64(3);
      x.revoked_at_ms = q.int64(4);
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
    sql_transaction txn{d};
    std::vector<credential_record> rows;
    auto q_stmt = d.prepare("SELECT venue, account, key_id, ciphertext FROM credentials");
    auto& q = *q_stmt;
    while (q.step()) {
      credential_record x;
      x.venue = q.text(0);
      x.account = q.text(1);
      x.key_id = q.text(2);
      auto blob = q.blob(3);
      x.sealed.assign(blob.begin(), blob.end());
      rows.push_back(std::move(x));
    }
    auto upd_stmt = d.prepare("UPDATE credentials SET ciphertext = ?, nonce = ? WHERE venue = ? "
                              "AND account = ? AND key_id = ?");
    auto& upd = *upd_stmt;
    for (auto& x : rows) {
      auto sealed = f(x);
      if (!sealed)
        return sealed.error(); // the transaction rolls back
      upd.reset();
      upd.bind_blob(1, sealed->first.data(), sealed->first.size());
      upd.bind_blob(2, sealed->second.data(), sealed->second.size());
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
