// Whether a read of the store's switches (farm_switch.hpp) may be adopted
// by an actor that also writes them: not if one of its own writes was in
// flight or finished while the read ran (the read may predate the write;
// the next read tells). Without it a member would flip back to the state
// it had just changed, for one refresh.
//
// Not thread-safe: one actor's member.
#pragma once

#include <cstdint>

namespace tfarm::persistence {

class switch_read_guard {
public:
  /// Before sending a write.
  void write_started() noexcept { ++in_flight_; }

  /// Once the write is answered, whatever the answer (a failed one may
  /// have committed all the same).
  void write_finished() noexcept {
    --in_flight_;
    ++finished_;
  }

  /// Before sending a read: what fresh() compares with.
  uint64_t read_started() const noexcept { return finished_; }

  /// True if no write of ours overlapped the read started at `token`.
  bool fresh(uint64_t token) const noexcept { return in_flight_ == 0 && token == finished_; }

private:
  uint32_t in_flight_ = 0;
  uint64_t finished_ = 0;
};

} // namespace tfarm::persistence
