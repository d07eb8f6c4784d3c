#include "runtime/node_monitor.hpp"

#include <algorithm>

#include <spdlog/logger.h>

#include "config/duration.hpp"
#include "runtime/logger.hpp"
#include "runtime/status_json.hpp"

namespace tfarm::runtime {

node_monitor::node_monitor(caf::actor_config& cfg, spawn_context ctx)
    : managed_actor(cfg, std::move(ctx)) {
  interval_ =
      std::max(params_of<node_monitor_params>(spec()).interval, std::chrono::milliseconds{1});
}

kind_info node_monitor::kind() {
  return make_kind<node_monitor>("monitor", "samples the actor registry and logs a summary");
}

caf::behavior node_monitor::make_behavior() {
  last_sample_ms_ = unix_now_ms();
  delayed_send(this, interval_, caf::tick_atom_v);
  return {
      [this](caf::tick_atom) {
        sample();
        delayed_send(this, interval_, caf::tick_atom_v);
      },
  };
}

void node_monitor::sample() {
  if (!node())
    return;
  uint64_t actors = 0;
  uint64_t alive = 0;
  uint64_t restarts = 0;
  uint64_t handled = 0;
  uint64_t mailbox_max = 0;
  std::string mailbox_max_path;
  node()->registry().for_each([&](const registry_entry& e) {
    auto a = e.snapshot();
    ++actors;
    alive += a.alive ? 1 : 0;
    restarts += a.restarts;
    handled += a.messages_handled;
    if (a.mailbox_size > mailbox_max) {
      mailbox_max = a.mailbox_size;
      mailbox_max_path = a.path;
    }
  });
  auto now = unix_now_ms();
  auto elapsed_ms = std::max<int64_t>(1, now - last_sample_ms_);
  auto rate =
      (handled - std::min(handled, last_handled_)) * 1000 / static_cast<uint64_t>(elapsed_ms);
  last_handled_ = handled;
  last_sample_ms_ = now;
  summary_ = node_summary{actors, alive, restarts, rate, mailbox_max, mailbox_max_path};
  publish_description();
  log().info("node {}: {} actors ({} alive), {} restarts, {} msg/s, largest mailbox {} ({})",
             node()->node_name(), actors, alive, restarts, rate, mailbox_max,
             mailbox_max_path.empty() ? "-" : mailbox_max_path);
}

std::string node_monitor::describe() const {
  return status_json(summary_);
}

} // namespace tfarm::runtime
