// The "monitor" kind at its simplest: every `interval` (parameter, default
// 10s) it reads the node's registry and logs one summary line (actors alive,
// restarts, largest mailbox, messages per second). The monitoring issue
// grows it into metrics and alerting.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/managed_actor.hpp"

namespace tfarm::runtime {

class node_monitor : public managed_actor {
public:
  node_monitor(caf::actor_config& cfg, spawn_context ctx);

  caf::behavior make_behavior() override;

  static kind_info kind();

protected:
  std::string describe() const override;

private:
  void sample();

  std::chrono::milliseconds interval_{10'000};
  std::string summary_json_ = "{}";
  uint64_t last_handled_ = 0;
  int64_t last_sample_ms_ = 0;
};

} // namespace tfarm::runtime
