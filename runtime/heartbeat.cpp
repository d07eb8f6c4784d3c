#include "runtime/heartbeat.hpp"

#include <algorithm>

#include <caf/event_based_actor.hpp>
#include <cereal/cereal.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>

#include "config/duration.hpp"
#include "runtime/logger.hpp"
#include "runtime/state_codec.hpp"
#include "runtime/status_json.hpp"

CEREAL_CLASS_VERSION(tfarm::runtime::heartbeat::state, 1)

namespace tfarm::runtime {

heartbeat::heartbeat(caf::actor_config& cfg, spawn_context ctx)
    : managed_actor(cfg, std::move(ctx)) {
  auto p = params_of<heartbeat_params>(spec());
  interval_ = std::max(p.interval, std::chrono::milliseconds{1});
  checkpoint_every_ = static_cast<uint64_t>(std::max<int64_t>(p.checkpoint_every, 1));
  fail_every_ = static_cast<uint64_t>(p.fail_every);
}

kind_info heartbeat::kind() {
  return make_kind<heartbeat>("heartbeat",
                              "beats at an interval and checkpoints its count (demo agent)",
                              kind_persistent | kind_agent);
}

caf::behavior heartbeat::make_behavior() {
  delayed_send(this, interval_, caf::tick_atom_v);
  return {
      [this](caf::tick_atom) {
        ++state_.beats;
        state_.last_beat_ms = unix_now_ms();
        if (state_.beats % checkpoint_every_ == 0)
          save_checkpoint();
        if (fail_every_ > 0 && state_.beats % fail_every_ == 0) {
          quit(caf::error{runtime_errc::crash_injected,
                          "fail_every: beat " + std::to_string(state_.beats)});
          return;
        }
        delayed_send(this, interval_, caf::tick_atom_v);
      },
      [this](caf::get_atom) { return state_.beats; },
  };
}

std::string heartbeat::save_state() {
  return encode_state(state_);
}

caf::error heartbeat::restore_state(const std::string& blob, uint32_t version) {
  if (version != 1)
    return caf::error{runtime_errc::restore_failed,
                      "unknown heartbeat state version " + std::to_string(version)};
  return decode_state(blob, state_);
}

std::string heartbeat::describe() const {
  return status_json(heartbeat_status{state_.beats, interval_.count(), state_.last_beat_ms});
}

} // namespace tfarm::runtime
