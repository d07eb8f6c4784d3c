// The lock a node holds on its database for as long as it runs, released
// however the process ends (a crashed node never leaves a stale lock):
// - SQLite: an flock on "<db>.lock" holding the node's pid;
// - PostgreSQL: a session advisory lock on a connection of its own, held
//   until that connection closes. (A cluster of nodes shares one database
//   through leases instead; this lock keeps two single nodes apart.)
// `tfarm db restore` refuses to replace a database whose lock is held.
#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

namespace tfarm::persistence {

class sql_connection;

class node_lock {
public:
  /// Takes the lock of `target` (an SQLite file or a postgresql:// URL);
  /// fails (naming the holder) if another process has it.
  static caf::expected<node_lock> acquire(const std::string& target);

  /// The pid holding the lock of `db_file`, or 0 if nobody does.
  static long holder(const std::string& db_file);

  /// PostgreSQL: the session holding the lock of `url`'s database ("" if
  /// none), without taking it (cluster members check that no single node
  /// runs on their database).
  static caf::expected<std::string> pg_held_by(const std::string& url);

  node_lock(node_lock&& other) noexcept;
  node_lock& operator=(node_lock&& other) noexcept;
  node_lock(const node_lock&) = delete;
  node_lock& operator=(const node_lock&) = delete;
  ~node_lock();

  const std::string& path() const noexcept { return path_; }

private:
  node_lock(int fd, std::string path);
  explicit node_lock(std::unique_ptr<sql_connection> pg);

  int fd_ = -1;
  std::string path_;
  std::unique_ptr<sql_connection> pg_;
};

} // namespace tfarm::persistence
