// Processes a harness starts and signals: members, exchange nodes, the
// database server's tools. POSIX only.
//
// Not thread-safe: one thread starts and reaps its children.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tfarm::chaos {

struct spawn_options {
  /// argv[0] is the executable's path.
  std::vector<std::string> args;
  /// Appended to (created 0600) for stdout and stderr; empty: /dev/null.
  std::string log;
  /// Environment variables set ("" values too) and removed for the child.
  std::map<std::string, std::string> set_env;
  std::vector<std::string> unset_env;
  /// A session of its own (signals to the harness's group spare it).
  bool new_session = true;
};

/// Starts the process in the background; its pid, or -1 (and `why`).
pid_t spawn(const spawn_options& opts, std::string& why);

/// Runs the process to its end, at most `timeout` (then kills it); its
/// exit code, or nullopt (and `why`) when it could not run, was killed or
/// timed out.
std::optional<int> run_to_end(const spawn_options& opts, std::chrono::milliseconds timeout,
                              std::string& why);

/// True while `pid` (a child of this process) has not exited; an exited
/// child is reaped and its status text ("exit code 1", "signal 9") kept in
/// `how`.
bool child_running(pid_t pid, std::string* how = nullptr);

/// Sends SIGTERM, waits up to `grace` for the child to exit, then SIGKILL;
/// reaps it.
void stop_child(pid_t pid, std::chrono::milliseconds grace);

/// "exit code N" or "signal N" for a wait status.
std::string exit_text(int status);

} // namespace tfarm::chaos
