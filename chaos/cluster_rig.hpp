// The processes of a chaos run and how the harness reaches them: the run
// folder with its own certificate authority and cluster file, the database
// server (its own, with a proxy per member that a partition cuts, or the
// one given), the exchange node behind a proxy that cuts one member off,
// the members as child processes, and their consoles, where the harness
// acts as the operator.
//
// Not thread-safe, except the console calls (const; each has a client of
// its own), which the harness makes from threads of its own.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chaos/chaos_run.hpp"
#include "chaos/link_proxy.hpp"
#include "chaos/private_postgres.hpp"
#include "chaos/store_invariants.hpp"
#include "net/cluster_view.hpp"

namespace tfarm::chaos {

/// A console command's outcome: `code` 0 done, 1 refused or failed, -1
/// no answer (`text` says why).
struct console_answer {
  int code = -1;
  std::string text;
  std::string json;
};

class cluster_rig {
public:
  /// Reads the cluster, farm, exchange farm file, store, run folder,
  /// executable, seed and progress of `o` (which must outlive the rig).
  explicit cluster_rig(const chaos_options& o);
  /// Kills whatever still runs, stops and removes its own server.
  ~cluster_rig();
  cluster_rig(const cluster_rig&) = delete;
  cluster_rig& operator=(const cluster_rig&) = delete;

  /// The run folder, certificates, the server (started when it is the
  /// rig's own) and the proxies, the run's cluster file and the exchange
  /// node's farm file; false and `why` if the cluster cannot be run here.
  bool prepare(std::string& why);

  /// True when the server is the rig's own: it may be restarted, and
  /// members may be cut off from it.
  bool own_store() const noexcept { return !proxies_.empty(); }
  bool crash_store(std::string& why) { return pg_.crash(why); }
  bool resume_store(std::string& why) { return pg_.resume(why); }
  /// Cuts (true) or heals the member's link to the rig's own server.
  void cut_member(const std::string& name, bool on) { proxies_.at(name)->cut(on); }
  /// Cuts (true) or heals the member's link to the exchange node (the
  /// members reach it at its address in the cluster file, where the rig's
  /// proxy listens and tells them apart by their processes).
  void cut_member_from_exchange(const std::string& name, bool on) {
    exchange_proxy_->cut(name, on);
  }

  /// Starts the exchange node (it is up once its console answers).
  bool spawn_exchange(std::string& why);
  /// True while it runs; else how it ended in `how`.
  bool exchange_running(std::string* how = nullptr) const;
  void kill_exchange();
  /// SIGTERM, then SIGKILL after `grace_ms`.
  void stop_exchange(int64_t grace_ms);
  /// The exchange node's current process (-1 before it started).
  pid_t exchange_pid() const noexcept { return exchange_pid_; }

  /// Starts (or starts again) a member.
  bool start_member(const std::string& name, std::string& why);
  void signal_member(const std::string& name, int sig);
  /// True while the member's current process runs; else how it ended.
  bool member_running(const std::string& name, std::string* how = nullptr) const;
  /// The pid of each member's current process.
  const std::map<std::string, pid_t>& pids() const noexcept { return pids_; }
  /// Each member handed off and left (SIGTERM), one after the other.
  void stop_members(int64_t grace_ms);

  /// One console command; `timeout_ms` 0: chaos_console_timeout_ms. One
  /// connection attempt unless told more: during faults a member that does
  /// not answer at once is skipped; after them, a loaded machine's slow
  /// accept is no finding.
  console_answer console(const std::string& host, uint16_t port,
                         const std::vector<std::string>& args, int64_t timeout_ms = 0,
                         int32_t attempts = 1) const;
  console_answer member_console(const std::string& name, const std::vector<std::string>& args,
                                int64_t timeout_ms = 0, int32_t attempts = 1) const;
  console_answer exchange_console(const std::vector<std::string>& args) const;
  /// Runs `args` on the first member that takes it, trying again until
  /// `wait_ms` passes.
  console_answer on_some_member(const std::vector<std::string>& args, int64_t wait_ms) const;

  /// The run folder (absolute) and a member's log in it.
  const std::string& dir() const noexcept { return dir_; }
  std::string member_log(const std::string& name) const { return dir_ + "/" + name + ".log"; }
  /// Where the cluster is read from, and a reader of its store.
  const net::cluster_source& source() const noexcept { return source_; }
  store_reader& store() { return *store_; }

private:
  /// Starts the watcher that kills what the run started should the
  /// harness die before its cleanup.
  void watch_harness();

  const chaos_options& o_;
  std::string dir_;
  std::string db_;
  std::string cluster_file_;
  std::string exchange_file_;
  uint16_t exchange_console_port_ = 0;
  config::tls_settings tls_;
  net::cluster_source source_;
  private_postgres pg_;
  /// With the rig's own server: each member's proxy to it, and the URL
  /// the member is given.
  std::string proxy_dir_;
  std::map<std::string, std::unique_ptr<link_proxy>> proxies_;
  std::map<std::string, std::string> member_db_;
  /// The exchange node listens here; the proxy at its cluster address.
  uint16_t exchange_inner_port_ = 0;
  std::unique_ptr<link_proxy> exchange_proxy_;
  std::unique_ptr<store_reader> store_;
  /// Written on the rig's thread under pids_mtx_; the exchange proxy's
  /// thread reads it under the lock.
  std::map<std::string, pid_t> pids_;
  mutable std::mutex pids_mtx_;
  pid_t exchange_pid_ = -1;
};

} // namespace tfarm::chaos
