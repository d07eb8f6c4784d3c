// Actor kinds by name: how a supervisor turns a child_spec into an actor.
//
// Filled once at node start-up (built-in kinds plus whatever the embedding
// program adds) and read-only afterwards, so concurrent lookups need no lock.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>
#include <caf/local_actor.hpp>
#include <caf/spawn_options.hpp>

#include "config/loader.hpp"
#include "runtime/spawn_context.hpp"

namespace tfarm::runtime {

/// Creates one incarnation. `parent` is the supervisor (nullptr for the root).
using kind_factory = std::function<caf::expected<caf::actor>(
    caf::actor_system& sys, caf::local_actor* parent, spawn_context ctx)>;

/// Properties of a kind, combined with |.
enum kind_flags : unsigned {
  kind_none = 0,
  /// The supervisor loads the newest checkpoint before every start.
  kind_persistent = 1,
  /// The child is a supervisor (its start waits for its own children).
  kind_supervisor = 2,
  /// A user may run it as an agent (farm files list it under [[user.agent]]).
  kind_agent = 4,
};

struct kind_info {
  std::string name;
  /// One line for `tfarm kinds` and error messages.
  std::string description;
  /// The supervisor loads the newest checkpoint before every start.
  bool persistent = false;
  /// The child is a supervisor: its start completes when its own children
  /// have started (OTP's synchronous start), so trees start strictly in order.
  bool supervisor = false;
  /// Users may run it as an agent.
  bool agent = false;
  kind_factory spawn;
  /// Checks a spec's parameters (runtime_errc::bad_parameter naming the key);
  /// empty for a kind without a parameter struct.
  std::function<caf::error(const std::map<std::string, std::string>&)> check_params;
};

class kind_registry;

/// The problems `kinds` finds in an agent's parameters (its kind's
/// parameter struct; none for a kind without one or not in `kinds`), each
/// naming the parameter it is about, for `tfarm config check`.
std::vector<config::check_options::agent_problem>
agent_param_problems(const kind_registry& kinds, const config::agent_spec& agent);

class kind_registry {
public:
  /// Adds or replaces a kind.
  void add(kind_info x);

  const kind_info* find(const std::string& name) const;

  std::vector<std::string> names() const;

  /// Names of the kinds users may run as agents.
  std::vector<std::string> agent_names() const;

private:
  std::map<std::string, kind_info> kinds_;
};

/// Spawns `T` (constructor `T(caf::actor_config&, spawn_context)`) as a child
/// of `parent`, or directly in `sys` when there is no parent. `Os` may ask
/// for caf::detached (an actor that blocks on I/O gets its own thread).
template <class T, caf::spawn_options Os = caf::no_spawn_options>
caf::actor spawn_managed(caf::actor_system& sys, caf::local_actor* parent, spawn_context ctx) {
  if (parent != nullptr)
    return caf::actor_cast<caf::actor>(parent->spawn<T, Os>(std::move(ctx)));
  return caf::actor_cast<caf::actor>(sys.spawn<T, Os>(std::move(ctx)));
}

namespace detail {

template <class T, class = void>
struct has_params_type : std::false_type {};

template <class T>
struct has_params_type<T, std::void_t<typename T::params_type>> : std::true_type {};

/// Names the actor in a parameter error of its spec.
caf::error bad_spawn_parameter(const spawn_context& ctx, const caf::error& err);

} // namespace detail

/// A kind_info whose factory is spawn_managed<T, Os>. When T declares
/// `params_type` (kind_params.hpp), a spec whose parameters do not parse is
/// refused before the actor exists: runtime_errc::bad_parameter naming the
/// path and the key.
template <class T, caf::spawn_options Os = caf::no_spawn_options>
kind_info make_kind(std::string name, std::string description, unsigned flags = kind_none) {
  kind_info result;
  result.name = std::move(name);
  result.description = std::move(description);
  result.persistent = (flags & kind_persistent) != 0;
  result.supervisor = (flags & kind_supervisor) != 0;
  result.agent = (flags & kind_agent) != 0;
  if constexpr (detail::has_params_type<T>::value)
    result.check_params = [](const std::map<std::string, std::string>& params) {
      typename T::params_type p;
      return from_params(params, p);
    };
  result.spawn = [](caf::actor_system& sys, caf::local_actor* parent,
                    spawn_context ctx) -> caf::expected<caf::actor> {
    if constexpr (detail::has_params_type<T>::value) {
      typename T::params_type p;
      if (auto err = from_params(ctx.spec.params, p))
        return detail::bad_spawn_parameter(ctx, err);
    }
    return spawn_managed<T, Os>(sys, parent, std::move(ctx));
  };
  return result;
}

} // namespace tfarm::runtime
