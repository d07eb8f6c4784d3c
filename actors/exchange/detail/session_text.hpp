// What exchange_session's source files share: its errors as values and as
// text. Internal to the exchange library.
#pragma once

#include <string>
#include <utility>

#include <caf/error.hpp>

#include "actors/exchange/error.hpp"
#include "runtime/error_text.hpp"

namespace tfarm::actors::detail {

inline caf::error fail(exchange_errc code, std::string message) {
  return caf::error{code, std::move(message)};
}

/// An error as a session reports it: a bare timeout or disconnect says
/// what it means.
inline std::string text_of(const caf::error& err) {
  auto reason = exchange_reason(err);
  auto message = runtime::message_of(err);
  if (reason == exchange_errc::timeout && message.empty())
    return "timeout: no answer in time";
  if (reason == exchange_errc::disconnected && message.empty())
    return "disconnected: the venue's actor is gone";
  return runtime::to_text(err);
}

} // namespace tfarm::actors::detail
