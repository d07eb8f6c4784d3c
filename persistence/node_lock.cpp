#include "persistence/node_lock.hpp"

#include <cerrno>
#include <cstring>
#include <string>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "persistence/database.hpp"
#include "persistence/error.hpp"
#include "persistence/pg_connection.hpp"

namespace tfarm::persistence {

namespace {

/// The advisory lock key of "one node on this database" ("tfnode").
constexpr int64_t pg_node_lock_key = 0x74666e6f6465;

std::string pg_holder(sql_connection& db);

caf::expected<std::unique_ptr<sql_connection>> pg_lock(const std::string& url) {
  open_options opts;
  opts.migrate = false;
  auto conn = open_database(url, opts);
  if (!conn)
    return conn.error();
  auto& db = **conn;
  try {
    auto key = std::to_string(pg_node_lock_key);
    if (query_int64(db, "SELECT pg_try_advisory_lock(" + key + ")") == 1)
      return std::move(*conn);
    // Who holds it: the server's view of the other session.
    auto who = pg_holder(db);
    if (who.empty())
      who = "another session";
    return caf::error{store_errc::locked, db.name() + " is in use by another tfarm node: " + who +
                                              "; stop it first or use --db elsewhere"};
  } catch (const std::exception& e) {
    return classify(e, db.name(), "taking the node lock");
  }
}

// The session that holds the node lock of `db`'s database ("" if none).
std::string pg_holder(sql_connection& db) {
  auto q = db.prepare("SELECT a.application_name || ' from ' || "
                      "COALESCE(host(a.client_addr), 'local socket') || ' (server pid ' || "
                      "a.pid || ')' FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                      "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND "
                      "l.database = (SELECT oid FROM pg_database WHERE datname = "
                      "current_database()) AND (l.classid::BIGINT << 32 | l.objid::BIGINT) = " +
                      std::to_string(pg_node_lock_key) + " LIMIT 1");
  return q->step() ? q->text(0) : std::string{};
}

long read_pid(int fd) {
  char buf[32] = {};
  auto n = pread(fd, buf, sizeof(buf) - 1, 0);
  return n > 0 ? std::strtol(buf, nullptr, 10) : 0;
}

} // namespace

caf::expected<std::string> node_lock::pg_held_by(const std::string& url) {
  open_options opts;
  opts.migrate = false;
  auto conn = open_database(url, opts);
  if (!conn)
    return conn.error();
  try {
    return pg_holder(**conn);
  } catch (const std::exception& e) {
    return classify(e, (*conn)->name(), "reading the node lock");
  }
}

caf::expected<node_lock> node_lock::acquire(const std::string& db_file) {
  if (is_postgres_url(db_file)) {
    auto conn = pg_lock(db_file);
    if (!conn)
      return conn.error();
    return node_lock{std::move(*conn)};
  }
  auto path = db_file + ".lock";
  auto fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    return caf::error{store_errc::open_failed,
                      "cannot create " + path + ": " + std::strerror(errno)};
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto pid = read_pid(fd);
    ::close(fd);
    return caf::error{store_errc::locked,
                      db_file + " is in use by another tfarm process" +
                          (pid > 0 ? " (pid " + std::to_string(pid) + ")" : "") +
                          "; stop it first or use --db elsewhere"};
  }
  auto pid = std::to_string(static_cast<long>(getpid())) + "\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock itself holds; the pid is only informative.
  }
  return node_lock{fd, path};
}

long node_lock::holder(const std::string& db_file) {
  if (is_postgres_url(db_file))
    return 0; // restores on PostgreSQL take their own lock (pg_restore)
  auto path = db_file + ".lock";
  auto fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  long result = 0;
  if (flock(fd, LOCK_SH | LOCK_NB) != 0)
    result = std::max(read_pid(fd), 1L);
  else
    flock(fd, LOCK_UN);
  ::close(fd);
  return result;
}

node_lock::node_lock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

node_lock::node_lock(std::unique_ptr<sql_connection> pg) : path_(pg->name()), pg_(std::move(pg)) {}

node_lock::node_lock(node_lock&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)), pg_(std::move(other.pg_)) {
  other.fd_ = -1;
}

node_lock& node_lock::operator=(node_lock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    pg_ = std::move(other.pg_);
    other.fd_ = -1;
  }
  return *this;
}

node_lock::~node_lock() {
  if (fd_ >= 0)
    ::close(fd_); // releases the flock
}

} // namespace tfarm::persistence
