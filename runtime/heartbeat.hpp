// The "heartbeat" kind: beats every `interval` (parameter, default 1s),
// counts its beats and checkpoints the count every `checkpoint_every` beats
// (default 1). With `fail_every` = N it fails on purpose every N beats (a
// fault-injection knob for demos of supervision). After a restart it
// continues from its last saved count. It is
// the demo agent of `tfarm run` until trading agents exist, and the smallest
// example of a persistent kind.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/kind_params.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::runtime {

/// The "heartbeat" kind's parameters (a farm file's agent params).
struct heartbeat_params {
  std::chrono::milliseconds interval{1'000};
  /// Beats per checkpoint (at least 1).
  int64_t checkpoint_every = 1;
  /// Fails on purpose every N beats (0: never).
  int64_t fail_every = 0;
};

TFARM_PARAM_FIELDS(heartbeat_params, interval, checkpoint_every, fail_every)

struct heartbeat_status {
  uint64_t beats = 0;
  int64_t interval_ms = 0;
  /// Milliseconds since the Unix epoch of the newest beat.
  int64_t last_beat_ms = 0;
};

TFARM_STATUS_FIELDS(heartbeat_status, "tfarm.heartbeat_status", beats, interval_ms, last_beat_ms)

class heartbeat : public managed_actor {
public:
  using params_type = heartbeat_params;

  heartbeat(caf::actor_config& cfg, spawn_context ctx);

  caf::behavior make_behavior() override;

  static kind_info kind();

  struct state {
    uint64_t beats = 0;
    int64_t last_beat_ms = 0;

    template <class Archive>
    void serialize(Archive& ar, std::uint32_t version) {
      static_cast<void>(version);
      ar(beats, last_beat_ms);
    }
  };

protected:
  bool has_state() const override { return true; }
  std::string save_state() override;
  caf::error restore_state(const std::string& blob, uint32_t version) override;
  std::string describe() const override;

private:
  state state_;
  std::chrono::milliseconds interval_{1000};
  uint64_t checkpoint_every_ = 1;
  uint64_t fail_every_ = 0;
};

} // namespace tfarm::runtime
