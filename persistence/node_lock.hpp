// The lock a node holds on its database for as long as it runs: an flock on
// "<db>.lock" holding the node's pid. The kernel releases it when the process
// ends, however it ends, so a crashed node never leaves a stale lock.
// `tfarm db restore` refuses to replace a database whose lock is held.
#pragma once

#include <string>

#include <caf/expected.hpp>

namespace tfarm::persistence {

class node_lock {
public:
  /// Takes the lock of `db_file`; fails (naming the holder's pid) if another
  /// process has it.
  static caf::expected<node_lock> acquire(const std::string& db_file);

  /// The pid holding the lock of `db_file`, or 0 if nobody does.
  static long holder(const std::string& db_file);

  node_lock(node_lock&& other) noexcept;
  node_lock& operator=(node_lock&& other) noexcept;
  node_lock(const node_lock&) = delete;
  node_lock& operator=(const node_lock&) = delete;
  ~node_lock();

  const std::string& path() const noexcept { return path_; }

private:
  node_lock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}

  int fd_ = -1;
  std::string path_;
};

} // namespace tfarm::persistence
