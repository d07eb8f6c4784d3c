// A point-in-time copy of one actor's registry entry, as the console, the
// HTTP API and `tfarm run` read it. A message type: it may cross nodes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/meta/type_name.hpp>

namespace tfarm::runtime {

struct failure_record {
  /// Milliseconds since the Unix epoch.
  int64_t at_ms = 0;
  std::string reason;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, failure_record& x) {
  return f(caf::meta::type_name("tfarm.failure_record"), x.at_ms, x.reason);
}

struct actor_info {
  std::string path;
  std::string kind;
  std::string node;
  /// True while an instance of the actor runs.
  bool alive = false;
  /// Instances started so far under this path (1 + restarts, in practice).
  uint64_t incarnations = 0;
  uint64_t restarts = 0;
  /// Most recent failures, newest last (at most failure_history_max).
  std::vector<failure_record> failures;
  /// Messages handled over all incarnations.
  uint64_t messages_handled = 0;
  /// Messages waiting in the current instance's mailbox.
  uint64_t mailbox_size = 0;
  uint64_t checkpoint_seq = 0;
  int64_t checkpoint_at_ms = 0;
  int64_t started_at_ms = 0;
  /// The actor's own description of its state, as JSON.
  std::string state_json;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, actor_info& x) {
  return f(caf::meta::type_name("tfarm.actor_info"), x.path, x.kind, x.node, x.alive,
           x.incarnations, x.restarts, x.failures, x.messages_handled, x.mailbox_size,
           x.checkpoint_seq, x.checkpoint_at_ms, x.started_at_ms, x.state_json);
}

} // namespace tfarm::runtime
