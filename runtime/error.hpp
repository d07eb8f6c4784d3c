// Error codes of the runtime module, carried as caf::error values (category
// "tfruntime") between actors and across nodes.
#pragma once

#include <cstdint>
#include <string>

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/message.hpp>

namespace tfarm::runtime {

enum class runtime_errc : uint8_t {
  /// No error (CAF reserves 0).
  none = 0,
  /// No factory is registered for a child's kind.
  unknown_kind,
  /// A kind's factory could not create the actor.
  spawn_failed,
  /// A supervisor saw more restarts within its period than its intensity allows.
  restart_intensity_exceeded,
  /// A child id is already used under the same supervisor.
  duplicate_child,
  /// No child with that id.
  unknown_child,
  /// The supervisor already holds max_children children.
  too_many_children,
  /// The actor was made to fail on purpose (crash hook).
  crash_injected,
  /// The child's last checkpoint could not be fetched (store down or slow).
  checkpoint_unavailable,
  /// A checkpoint's checksum does not match its blob.
  checkpoint_corrupt,
  /// A kind could not decode its saved state.
  restore_failed,
  /// The supervisor is stopping and accepts no new work.
  shutting_down,
  /// An actor path or child id is malformed.
  invalid_path,
  /// A bounded wait ran out.
  timeout,
  /// An actor's published status is not the JSON form of its kind's status.
  bad_status,
  /// An actor has not published its status yet (it is starting).
  status_pending,
  /// A kind's parameter is malformed or unknown (child_spec::params).
  bad_parameter,
  /// The child's last checkpoint could not be fetched because the store is
  /// unreachable (an outage: see runtime/outage.hpp).
  store_unreachable,
};

/// Returns the enumerator name, e.g. "restart_intensity_exceeded".
std::string to_string(runtime_errc x);

} // namespace tfarm::runtime

CAF_ERROR_CODE_ENUM(tfarm::runtime::runtime_errc, "tfruntime")
