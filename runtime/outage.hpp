// Errors that mean "a service this actor needs cannot serve it for now"
// (the store's server is down or restarting; on a cluster, another member
// owns the actor's user now and this one stops it shortly), as opposed to
// a defect of the actor. A supervisor restarts a child that failed with one like any other,
// after its backoff (at least outage_restart_delay_min_ms), but does not
// count the restart toward its intensity: restarting cannot end an outage,
// and giving up would take a healthy node down with its database server,
// when the node's children come back by themselves once it answers again.
// The store's own alert (`store_connection`) tells the operator.
//
// Modules register their outage codes at start-up (persistence: the
// store's `unavailable` and `fenced`). Thread-safe.
#pragma once

#include <cstdint>

#include <caf/atom.hpp>
#include <caf/error.hpp>

namespace tfarm::runtime {

/// A restart for an outage waits at least this long: a child restarting
/// every millisecond would only add load to a server coming back.
constexpr int64_t outage_restart_delay_min_ms = 250;

/// How long a supervisor that is starting (its first start, or a restart of
/// its whole subtree) keeps asking for a child's checkpoint while the store
/// is unreachable, before the start fails. Shorter than
/// supervisor_start_timeout_ms so that a parent hears why.
constexpr int64_t start_outage_wait_ms = 20'000;

/// What an outage means for an actor that is starting.
enum class outage_kind : uint8_t {
  /// The service cannot be reached now: a start waits for it.
  unreachable,
  /// This node may not act for the actor's user any more (another member
  /// owns it): a start fails at once, waiting cannot make it pass.
  not_owner,
};

/// Makes is_outage() true for errors of `category` with `code`.
void register_outage(caf::atom_value category, uint8_t code,
                     outage_kind kind = outage_kind::unreachable);

/// True for a registered outage code and for runtime_errc::store_unreachable.
bool is_outage(const caf::error& x);

/// True for an outage of kind `unreachable` and for
/// runtime_errc::store_unreachable: one a start waits out.
bool is_unreachable(const caf::error& x);

} // namespace tfarm::runtime
