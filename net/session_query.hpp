// The node's exchange sessions as the HTTP API and the console ask them:
// which sessions, and their answers to status, test or recover, all asked
// at once against one deadline.
//
// Thread-safe: reads the registry (synchronized) and asks with a scoped
// actor of its own.
#pragma once

#include <chrono>
#include <functional>
#include <vector>

#include <caf/expected.hpp>

#include "actors/exchange/exchange_interfaces.hpp"
#include "runtime/actor_info.hpp"
#include "runtime/node_context.hpp"

namespace tfarm::net {

/// Time the sessions have to answer a query (all are asked at once), for
/// the HTTP API and the console alike.
constexpr int64_t session_query_timeout_ms = 2'000;

struct session_ref {
  runtime::actor_info info;
  /// Invalid while the session is not running.
  actors::exchange_session_actor handle;
};

/// What a query asks every session.
enum class session_request { status, test, recover };

/// True if the session at `info` is the one `name` means: its path (a
/// leading or trailing '/' optional) or its account (the path's last
/// segment); an empty name means every session. The console and the HTTP
/// API name sessions alike.
bool session_named(const runtime::actor_info& info, const std::string& name);

/// The sessions under /exchanges whose entry `pick` accepts, in start order.
std::vector<session_ref> find_sessions(runtime::node_context& node,
                                       const std::function<bool(const runtime::actor_info&)>& pick);

/// Asks every session at once; answers in the order of `sessions` (one not
/// running answers request_receiver_down).
std::vector<caf::expected<actors::exchange_status>>
ask_sessions(caf::actor_system& sys, const std::vector<session_ref>& sessions, session_request what,
             std::chrono::milliseconds timeout);

} // namespace tfarm::net
