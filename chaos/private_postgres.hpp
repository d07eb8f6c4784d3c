// A PostgreSQL server of the harness's own: made from scratch in a fresh
// folder, reachable only on its Unix socket there, crashed and started
// again on demand, stopped and removed at the end. Nothing of the
// machine's own clusters is touched. As root it runs as the `postgres`
// user (initdb refuses root).
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace tfarm::chaos {

/// Longest wait for the server to start or stop.
constexpr int64_t postgres_wait_ms = 30'000;

class private_postgres {
public:
  private_postgres() = default;
  ~private_postgres();
  private_postgres(const private_postgres&) = delete;
  private_postgres& operator=(const private_postgres&) = delete;

  /// Makes and starts the server in a new folder under `parent` (with
  /// fsync on: acknowledged means on disk; the server's user must be able
  /// to reach it: the system's temp folder); false and `why` on failure
  /// (the server binaries missing: the package to install).
  bool start(const std::string& parent, std::string& why);

  /// Stops it at once (pg_ctl -m immediate: every connection cut, no
  /// checkpoint; its next start recovers from the WAL).
  bool crash(std::string& why);

  /// Starts it again on its data.
  bool resume(std::string& why);

  /// Stops it and removes its folder (also on destruction).
  void remove();

  /// "postgresql://postgres@/postgres?host=DIR&port=PORT".
  const std::string& url() const noexcept { return url_; }

  bool running() const noexcept { return running_; }

  /// Where the server's Unix socket is (a proxy forwards to it).
  std::string socket_path() const { return dir_ + "/.s.PGSQL." + std::to_string(port_); }

  int32_t port() const noexcept { return port_; }

private:
  bool pg_ctl_start(std::string& why);
  /// Starts the watcher that stops the server should this process die
  /// without remove().
  void watch_owner();

  std::string bin_;
  std::string dir_;
  std::string url_;
  int32_t port_ = 0;
  bool running_ = false;
};

} // namespace tfarm::chaos
