// Actor kinds by name: how a supervisor turns a child_spec into an actor.
//
// Filled once at node start-up (built-in kinds plus whatever the embedding
// program adds) and read-only afterwards, so concurrent lookups need no lock.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/local_actor.hpp>

#include "runtime/spawn_context.hpp"

namespace tfarm::runtime {

/// Creates one incarnation. `parent` is the supervisor (nullptr for the root).
using kind_factory = std::function<caf::expected<caf::actor>(
    caf::actor_system& sys, caf::local_actor* parent, spawn_context ctx)>;

struct kind_info {
  std::string name;
  /// One line for `tfarm kinds` and error messages.
  std::string description;
  /// The supervisor loads the newest checkpoint before every start.
  bool persistent = false;
  /// The child is a supervisor: its start completes when its own children
  /// have started (OTP's synchronous start), so trees start strictly in order.
  bool supervisor = false;
  kind_factory spawn;
};

class kind_registry {
public:
  /// Adds or replaces a kind.
  void add(kind_info x);

  const kind_info* find(const std::string& name) const;

  std::vector<std::string> names() const;

private:
  std::map<std::string, kind_info> kinds_;
};

/// Spawns `T` (constructor `T(caf::actor_config&, spawn_context)`) as a child
/// of `parent`, or directly in `sys` when there is no parent.
template <class T>
caf::actor spawn_managed(caf::actor_system& sys, caf::local_actor* parent, spawn_context ctx) {
  if (parent != nullptr)
    return caf::actor_cast<caf::actor>(parent->spawn<T>(std::move(ctx)));
  return caf::actor_cast<caf::actor>(sys.spawn<T>(std::move(ctx)));
}

/// A kind_info whose factory is spawn_managed<T>.
template <class T>
kind_info make_kind(std::string name, std::string description, bool persistent = false,
                    bool supervisor = false) {
  kind_info result;
  result.name = std::move(name);
  result.description = std::move(description);
  result.persistent = persistent;
  result.supervisor = supervisor;
  result.spawn = [](caf::actor_system& sys, caf::local_actor* parent,
                    spawn_context ctx) -> caf::expected<caf::actor> {
    return spawn_managed<T>(sys, parent, std::move(ctx));
  };
  return result;
}

} // namespace tfarm::runtime
