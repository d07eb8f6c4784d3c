// What a member's log says it ran: each "started user U", "stopping user U"
// (fenced, its agents winding down: nothing of it is written any more) and
// "stopped user U" with its time, as the harness reads them back after a run (the
// members' logs are the record of which process ran which user when).
//
// Pure functions over files; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tfarm::chaos {

struct member_event {
  /// Milliseconds since the epoch, from the line's local time stamp.
  int64_t unix_ms = 0;
  std::string member;
  std::string user;
  /// Started (true), or stopping or stopped.
  bool started = false;
};

/// The start and stop lines `member` wrote into `log_file`, in order (none
/// if the file cannot be read).
std::vector<member_event> read_member_events(const std::string& log_file,
                                             const std::string& member);

/// A log line's time stamp ("2026-12-06 09:45:06.589 ...", local time) in
/// ms since the epoch, or -1.
int64_t log_stamp_ms(const std::string& line);

} // namespace tfarm::chaos
