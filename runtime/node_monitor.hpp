// The "monitor" kind at its simplest: every `interval` (parameter, default
// 10s) it reads the node's registry and logs one summary line (actors alive,
// restarts, largest mailbox, messages per second). Metrics and alerts are
// the farm monitor's (actors/monitor/farm_monitor.hpp).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "runtime/kind_params.hpp"
#include "runtime/managed_actor.hpp"
#include "runtime/status_fields.hpp"

namespace tfarm::runtime {

/// What the node monitor saw at its newest sample.
struct node_summary {
  uint64_t actors = 0;
  uint64_t alive = 0;
  uint64_t restarts = 0;
  uint64_t messages_per_s = 0;
  uint64_t mailbox_max = 0;
  /// The actor with the largest mailbox ("" if every mailbox is empty).
  std::string mailbox_max_path;
};

TFARM_STATUS_FIELDS(node_summary, "tfarm.node_summary", actors, alive, restarts, messages_per_s,
                    mailbox_max, mailbox_max_path)

/// The "monitor" kind's parameters.
struct node_monitor_params {
  std::chrono::milliseconds interval{10'000};
};

TFARM_PARAM_FIELDS(node_monitor_params, interval)

class node_monitor : public managed_actor {
public:
  using params_type = node_monitor_params;

  node_monitor(caf::actor_config& cfg, spawn_context ctx);

  caf::behavior make_behavior() override;

  static kind_info kind();

protected:
  std::string describe() const override;

private:
  void sample();

  std::chrono::milliseconds interval_{10'000};
  node_summary summary_;
  uint64_t last_handled_ = 0;
  int64_t last_sample_ms_ = 0;
};

} // namespace tfarm::runtime
