#include "persistence/cluster_store.hpp"

#include <stdexcept>
#include <tuple>

#include "config/limits.hpp"

namespace tfarm::persistence {

namespace {

// splitmix64's finalizer: spreads FNV's bits so that the highest of
// several hashes is a fair draw.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

uint64_t fnv1a(const std::string& a, const std::string& b) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto add = [&](unsigned char c) {
    h ^= c;
    h *= 0x100000001b3ULL;
  };
  for (auto c : a)
    add(static_cast<unsigned char>(c));
  add(0);
  for (auto c : b)
    add(static_cast<unsigned char>(c));
  return mix(h);
}

/// pg_advisory_lock class of member sessions ("tfmb"); the key within it
/// is hashtext(member name).
constexpr int64_t member_lock_class = 0x74666d62;

// SQL true while the session of the member named by `name_expr` may be
// open (PostgreSQL: its advisory lock is granted; a process that died,
// however it died, has no session). A server that started less than
// `ttl_ms` ago has no session of anyone who has not reconnected yet, dead
// or alive: until then the TTL alone decides, or the first member back
// would claim the users of every live member still on its way back (or cut
// off), which still runs them. SQLite: always true (the TTL alone decides).
std::string session_alive_sql(sql_dialect d, const std::string& name_expr, int64_t ttl_ms) {
  if (d != sql_dialect::postgresql)
    return "1 = 1";
  return "(CAST(FLOOR(EXTRACT(EPOCH FROM pg_postmaster_start_time()) * 1000) AS BIGINT) > " +
         server_now_ms_sql(d) + " - " + std::to_string(ttl_ms) +
         " OR EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND "
         "l.objsubid = 2 AND l.classid = " +
         std::to_string(member_lock_class) + " AND l.objid = CAST(CAST(hashtext(" + name_expr +
         ") AS BIGINT) & 4294967295 AS OID) AND l.database = (SELECT oid FROM pg_database WHERE "
         "datname = current_database())))";
}

} // namespace

std::string server_now_ms_sql(sql_dialect d) {
  return d == sql_dialect::postgresql
             ? "CAST(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000) AS BIGINT)"
             : "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)";
}

std::string rendezvous_owner(const std::string& user, const std::vector<std::string>& members) {
  std::string best;
  uint64_t best_hash = 0;
  for (auto& m : members) {
    auto h = fnv1a(m, user);
    if (best.empty() || h > best_hash || (h == best_hash && m < best)) {
      best = m;
      best_hash = h;
    }
  }
  return best;
}

cluster_store::cluster_store(sql_connection& db, std::chrono::milliseconds lease_ttl)
    : db_(&db), ttl_ms_(lease_ttl.count()) {}

void cluster_store::hold_session(const std::string& name) {
  if (db_->dialect() != sql_dialect::postgresql)
    return;
  query_int64(*db_, "SELECT COUNT(set_config('lock_timeout', '" +
                        std::to_string(config::cluster_lock_wait_ms) + "ms', false))");
  auto q = db_->prepare("SELECT pg_try_advisory_lock(" + std::to_string(member_lock_class) +
                        ", hashtext(?))");
  q->bind(1, name);
  if (!q->step() || q->int64(0) == 0)
    throw std::runtime_error("member " + name +
                             " is running already: another process holds its session in the "
                             "database (stop it first, or give this one another name)");
}

member_identity cluster_store::join(const std::string& name, const std::string& address,
                                    const std::string& host, int64_t pid) {
  hold_session(name);
  auto now = server_now_ms_sql(db_->dialect());
  sql_transaction txn{*db_};
  member_identity me{name, 0};
  {
    auto q = db_->prepare(db_->dialect() == sql_dialect::postgresql
                              ? "SELECT nextval('member_incarnation')"
                              : "UPDATE member_incarnation SET last = last + 1 RETURNING last");
    if (q->step())
      me.incarnation = q->int64(0);
    q->exec();
  }
  {
    auto q = db_->prepare("INSERT INTO cluster_members (name, incarnation, address, host, pid, "
                          "state, started_at, renewed_at) VALUES (?, ?, ?, ?, ?, 'joining', " +
                          now + ", " + now +
                          ") ON CONFLICT (name) DO UPDATE SET incarnation = excluded.incarnation, "
                          "address = excluded.address, host = excluded.host, pid = excluded.pid, "
                          "state = excluded.state, started_at = excluded.started_at, "
                          "renewed_at = excluded.renewed_at");
    q->bind(1, name);
    q->bind(2, me.incarnation);
    q->bind(3, address);
    q->bind(4, host);
    q->bind(5, pid);
    q->exec();
  }
  {
    // What an earlier start of this name held: free now, not after its TTL.
    auto q = db_->prepare(
        "UPDATE user_leases SET owner = '', incarnation = 0, epoch = epoch + 1, expires_at = 0, "
        "updated_at = " +
        now + " WHERE owner = ? AND incarnation <> ?");
    q->bind(1, name);
    q->bind(2, me.incarnation);
    q->exec();
  }
  txn.commit();
  return me;
}

renewal cluster_store::renew(const member_identity& me) {
  auto now = server_now_ms_sql(db_->dialect());
  auto ttl = std::to_string(ttl_ms_);
  renewal r;
  // A member past its TTL stays down: others may hold its users already.
  auto m = db_->prepare("UPDATE cluster_members SET renewed_at = " + now +
                        " WHERE name = ? AND incarnation = ? AND state <> 'down' AND "
                        "renewed_at >= " +
                        now + " - " + ttl);
  m->bind(1, me.name);
  m->bind(2, me.incarnation);
  r.member = m->exec() == 1;
  if (!r.member)
    return r;
  // Only leases that have not run out: an expired one may be claimed by
  // another member at any moment, and is claimed again, not extended.
  auto l = db_->prepare("UPDATE user_leases SET expires_at = " + now + " + " + ttl +
                        " WHERE owner = ? AND incarnation = ? AND expires_at >= " + now +
                        " RETURNING \"user\"");
  l->bind(1, me.name);
  l->bind(2, me.incarnation);
  while (l->step())
    r.users.push_back(l->text(0));
  return r;
}

bool cluster_store::set_state(const member_identity& me, const std::string& state) {
  auto q = db_->prepare("UPDATE cluster_members SET state = ? WHERE name = ? AND incarnation = ?");
  q->bind(1, state);
  q->bind(2, me.name);
  q->bind(3, me.incarnation);
  return q->exec() == 1;
}

std::vector<member_record> cluster_store::members() {
  auto now = server_now_ms_sql(db_->dialect());
  auto q = db_->prepare("SELECT name, incarnation, address, host, pid, state, started_at, "
                        "renewed_at, " +
                        now + " - renewed_at, CASE WHEN " +
                        session_alive_sql(db_->dialect(), "name", ttl_ms_) +
                        " THEN 1 ELSE 0 END FROM cluster_members ORDER BY name");
  std::vector<member_record> result;
  while (q->step()) {
    member_record m;
    m.name = q->text(0);
    m.incarnation = q->int64(1);
    m.address = q->text(2);
    m.host = q->text(3);
    m.pid = q->int64(4);
    m.state = q->text(5);
    m.started_at_ms = q->int64(6);
    m.renewed_at_ms = q->int64(7);
    m.renewal_age_ms = q->int64(8);
    // Past its TTL, or its process gone (its session closed): down,
    // whatever its row says.
    if (m.renewal_age_ms > ttl_ms_ || q->int64(9) == 0)
      m.state = "down";
    result.push_back(std::move(m));
  }
  return result;
}

std::vector<lease_record> cluster_store::leases() {
  auto now = server_now_ms_sql(db_->dialect());
  auto q = db_->prepare("SELECT \"user\", owner, incarnation, epoch, expires_at, expires_at - " +
                        now + " FROM user_leases ORDER BY \"user\"");
  std::vector<lease_record> result;
  while (q->step())
    result.push_back(
        lease_record{q->text(0), q->text(1), q->int64(2), q->int64(3), q->int64(4), q->int64(5)});
  return result;
}

void cluster_store::add_users(const std::vector<std::string>& users) {
  auto q = db_->prepare("INSERT INTO user_leases (\"user\", updated_at) VALUES (?, " +
                        server_now_ms_sql(db_->dialect()) + ") ON CONFLICT (\"user\") DO NOTHING");
  for (auto& u : users) {
    q->reset();
    q->bind(1, u);
    q->exec();
  }
}

int64_t cluster_store::claim(const std::string& user, const member_identity& me) {
  auto now = server_now_ms_sql(db_->dialect());
  auto ttl = std::to_string(ttl_ms_);
  // One statement, so of two claimants one wins (the second re-reads the
  // row after the first committed and no longer matches). The claimant
  // must itself be alive; the holder must not be, or its lease over.
  auto live = [&](const std::string& name, const std::string& inc) {
    return "EXISTS (SELECT 1 FROM cluster_members m WHERE m.name = " + name +
           " AND m.incarnation = " + inc + " AND m.state <> 'down' AND m.renewed_at >= " + now +
           " - " + ttl + " AND " + session_alive_sql(db_->dialect(), "m.name", ttl_ms_) + ")";
  };
  // A row locked by a write in flight (read FOR SHARE by the fence, maybe
  // of a member frozen mid-transaction) is skipped, not waited for: the
  // claim fails now and is tried again at the next step, and the heart
  // that claims never stalls its own renewals.
  auto unlocked = db_->dialect() == sql_dialect::postgresql
                      ? std::string{" AND \"user\" IN (SELECT \"user\" FROM user_leases WHERE "
                                    "\"user\" = ?3 FOR UPDATE SKIP LOCKED)"}
                      : std::string{};
  auto q = db_->prepare(
      "UPDATE user_leases SET owner = ?1, incarnation = ?2, epoch = CASE WHEN owner = ?1 AND "
      "incarnation = ?2 THEN epoch ELSE epoch + 1 END, expires_at = " +
      now + " + " + ttl + ", updated_at = " + now + " WHERE \"user\" = ?3" + unlocked + " AND " +
      live("?1", "?2") + " AND (owner = '' OR expires_at < " + now +
      " OR (owner = ?1 AND incarnation = ?2) OR NOT " +
      live("user_leases.owner", "user_leases.incarnation") + ") RETURNING epoch");
  q->bind(1, me.name);
  q->bind(2, me.incarnation);
  q->bind(3, user);
  int64_t epoch = 0;
  if (q->step())
    epoch = q->int64(0);
  q->exec();
  return epoch;
}

bool cluster_store::release(const std::string& user, const member_identity& me) {
  auto q = db_->prepare(
      "UPDATE user_leases SET owner = '', incarnation = 0, epoch = epoch + 1, expires_at = 0, "
      "updated_at = " +
      server_now_ms_sql(db_->dialect()) + " WHERE \"user\" = ? AND owner = ? AND incarnation = ?");
  q->bind(1, user);
  q->bind(2, me.name);
  q->bind(3, me.incarnation);
  return q->exec() == 1;
}

int64_t cluster_store::release_all(const member_identity& me) {
  auto q = db_->prepare(
      "UPDATE user_leases SET owner = '', incarnation = 0, epoch = epoch + 1, expires_at = 0, "
      "updated_at = " +
      server_now_ms_sql(db_->dialect()) + " WHERE owner = ? AND incarnation = ?");
  q->bind(1, me.name);
  q->bind(2, me.incarnation);
  return q->exec();
}

} // namespace tfarm::persistence
