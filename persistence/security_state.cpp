#include "persistence/security_state.hpp"

#include <algorithm>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "runtime/checkpoint.hpp"

namespace tfarm::persistence {

namespace {

void audit(sql_connection& d, const std::string& user, const std::string& action,
           const std::string& detail) {
  append_audit_row(d, "security", user, action, detail);
}

std::vector<std::string> split_steps(const std::string& text) {
  std::vector<std::string> result;
  for (auto& step : lockdown_steps)
    if (("," + text + ",").find(std::string{","} + step + ",") != std::string::npos)
      result.emplace_back(step);
  return result;
}

std::string join(const std::vector<std::string>& xs) {
  std::string result;
  for (auto& x : xs)
    result += (result.empty() ? "" : ",") + x;
  return result;
}

bool is_hex_digest(const std::string& x) {
  return x.size() == 64 && std::all_of(x.begin(), x.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Puts the token whose digest is `sha256_hex` in force.
void set_token(sql_connection& d, const std::string& sha256_hex, const std::string& by,
               int64_t now) {
  auto token_stmt = d.prepare("UPDATE security_state SET admin_token_sha256 = ?, "
                              "token_rotated_at = ?, token_rotated_by = ? WHERE id = 1");
  auto& token = *token_stmt;
  token.bind(1, sha256_hex);
  token.bind(2, now);
  token.bind(3, by);
  token.exec();
}

// The database must exist: these act on a farm that has run.
open_options existing() {
  open_options o;
  o.create = false;
  return o;
}

security_state read_state(sql_connection& d) {
  auto q_stmt = d.prepare("SELECT admin_token_sha256, token_rotated_at, token_rotated_by, "
                          "locked_down, lockdown_reason, lockdown_by, lockdown_at, "
                          "lockdown_pending FROM security_state WHERE id = 1");
  auto& q = *q_stmt;
  security_state x;
  if (!q.step())
    return x;
  x.admin_token_sha256 = q.text(0);
  x.token_rotated_at_ms = q.int64(1);
  x.token_rotated_by = q.text(2);
  x.locked_down = static_cast<int>(q.int64(3)) != 0;
  x.lockdown_reason = q.text(4);
  x.lockdown_by = q.text(5);
  x.lockdown_at_ms = q.int64(6);
  x.pending = split_steps(q.text(7));
  return x;
}

} // namespace

// Every write transaction begins as one (sql_transaction): on SQLite one
// that read first and then wrote could not upgrade once the node's store
// had committed meanwhile ("database is locked" at once, without waiting).

caf::expected<security_state> load_security_state(const std::string& db) {
  auto conn = open_database(db, existing());
  if (!conn)
    return conn.error();
  return load_security_state(**conn);
}

caf::expected<security_state> load_security_state(sql_connection& db) {
  try {
    return read_state(db);
  } catch (const std::exception& e) {
    return classify(e, db.name(), "reading the security state");
  }
}

caf::expected<uint64_t> record_lockdown(const std::string& db, const lockdown_record& x) {
  if (!x.admin_token_sha256.empty() && !is_hex_digest(x.admin_token_sha256))
    return caf::error{store_errc::invalid_record,
                      "an admin token digest is 64 lowercase hex digits"};
  auto conn = open_database(db, existing());
  if (!conn)
    return conn.error();
  auto& d = **conn;
  try {
    sql_transaction txn{d};
    auto now = runtime::unix_now_ms();
    auto revoke_stmt = d.prepare("UPDATE credentials SET revoked_at = ? WHERE revoked_at IS NULL");
    auto& revoke = *revoke_stmt;
    revoke.bind(1, now);
    auto revoked = static_cast<uint64_t>(revoke.exec());
    auto set_stmt =
        d.prepare("UPDATE security_state SET locked_down = 1, lockdown_reason = ?, "
                  "lockdown_by = ?, lockdown_at = ?, lockdown_pending = ? WHERE id = 1");
    auto& set = *set_stmt;
    set.bind(1, x.reason);
    set.bind(2, x.by);
    set.bind(3, now);
    set.bind(4, join({std::begin(lockdown_steps), std::end(lockdown_steps)}));
    set.exec();
    if (!x.admin_token_sha256.empty())
      set_token(d, x.admin_token_sha256, x.by, now);
    audit(d, x.by, "security.lockdown",
          x.reason + " (" + std::to_string(revoked) + " credentials revoked" +
              (x.admin_token_sha256.empty() ? "" : ", admin token rotated") + ")");
    txn.commit();
    return revoked;
  } catch (const std::exception& e) {
    return classify(e, db, "recording the lockdown");
  }
}

caf::expected<security_state> record_unlock(const std::string& db, const std::string& by,
                                            const std::vector<std::string>& steps,
                                            const std::string& reason) {
  for (auto& s : steps)
    if (std::find(std::begin(lockdown_steps), std::end(lockdown_steps), s) ==
        std::end(lockdown_steps))
      return caf::error{store_errc::invalid_record,
                        "unknown unlock step '" + s + "' (steps: trading, vault, logon)"};
  auto conn = open_database(db, existing());
  if (!conn)
    return conn.error();
  auto& d = **conn;
  try {
    sql_transaction txn{d};
    auto state = read_state(d);
    std::vector<std::string> left;
    for (auto& p : state.pending)
      if (std::find(steps.begin(), steps.end(), p) == steps.end())
        left.push_back(p);
    auto set_stmt = d.prepare("UPDATE security_state SET lockdown_pending = ?, locked_down = ? "
                              "WHERE id = 1");
    auto& set = *set_stmt;
    set.bind(1, join(left));
    set.bind(2, left.empty() ? 0 : 1);
    set.exec();
    audit(d, by, left.empty() ? "security.unlocked" : "security.unlock",
          join(steps) + (reason.empty() ? "" : ": " + reason) +
              (left.empty() ? "" : " (still pending: " + join(left) + ")"));
    state.pending = left;
    state.locked_down = !left.empty();
    txn.commit();
    return state;
  } catch (const std::exception& e) {
    return classify(e, db, "recording the unlock");
  }
}

caf::error record_admin_token(const std::string& db, const std::string& sha256_hex,
                              const std::string& by) {
  if (!is_hex_digest(sha256_hex))
    return caf::error{store_errc::invalid_record,
                      "an admin token digest is 64 lowercase hex digits"};
  auto conn = open_database(db, existing());
  if (!conn)
    return conn.error();
  auto& d = **conn;
  try {
    sql_transaction txn{d};
    set_token(d, sha256_hex, by, runtime::unix_now_ms());
    audit(d, by, "security.token_reset", "a new admin token replaces the one in force");
    txn.commit();
    return {};
  } catch (const std::exception& e) {
    return classify(e, db, "replacing the admin token");
  }
}

} // namespace tfarm::persistence
