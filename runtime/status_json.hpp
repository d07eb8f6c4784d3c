// Writing and reading the JSON form of a status struct (one declared with
// TFARM_STATUS_FIELDS): what an actor publishes to the registry, and what
// every reader of the registry decodes. Pure functions; thread-safe.
#pragma once

#include <exception>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <nlohmann/json.hpp>

#include "runtime/actor_info.hpp"
#include "runtime/error.hpp"

namespace tfarm::runtime {

/// The status as the JSON text an actor publishes. Text that is not UTF-8
/// (names and reasons may come from peers) is written with U+FFFD in place
/// of the bad bytes instead of throwing.
template <class Status>
std::string status_json(const Status& x) {
  nlohmann::json j = x;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

/// Decodes a status published as `text` by the actor at `path`. A field
/// that is missing or of the wrong type is an error naming the path and
/// the JSON library's account of what is wrong, never a default value.
/// Nothing published yet (the registry's "{}": the actor was spawned and
/// has not run) is runtime_errc::status_pending: starting, not broken.
template <class Status>
caf::expected<Status> read_status(const std::string& text, const std::string& path) {
  if (text.empty() || text == "{}")
    return caf::error{runtime_errc::status_pending, path + ": starting (no status published yet)"};
  try {
    return nlohmann::json::parse(text).get<Status>();
  } catch (const std::exception& e) {
    return caf::error{runtime_errc::bad_status,
                      path + ": its status cannot be read (" + e.what() + ")"};
  }
}

/// True for read_status's "nothing published yet".
inline bool status_pending(const caf::error& x) {
  return x == runtime_errc::status_pending;
}

/// Decodes the status of a registry entry.
template <class Status>
caf::expected<Status> read_status(const actor_info& a) {
  return read_status<Status>(a.state_json, a.path);
}

} // namespace tfarm::runtime
